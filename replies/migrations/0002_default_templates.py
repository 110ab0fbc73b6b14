"""The desk's shared templates to start from (data migration; reversing removes only these,
as long as nobody renamed them)."""

from django.db import migrations

DEFAULTS = [
    # (position, name, language, requests_information, body)
    (
        10,
        "受付のご連絡",
        "ja",
        False,
        "{requester_name} 様\n\n"
        "いつもお世話になっております。{agent} でございます。\n"
        "お問い合わせ（{ticket_number}）を承りました。\n"
        "内容を確認のうえ、改めてご連絡いたします（初回回答の目安: {deadline}）。\n\n"
        "引き続きよろしくお願いいたします。",
    ),
    (
        20,
        "ログのご提供のお願い（第3条3.4）",
        "ja",
        True,
        "{requester_name} 様\n\n"
        "お問い合わせ（{ticket_number}）につきまして、調査のため以下の情報・ログのご提供を"
        "お願いできますでしょうか。\n"
        "・事象が発生した日時と対象のユーザー\n"
        "・表示されたエラーメッセージ（スクリーンショット）\n"
        "・関連するログ\n\n"
        "約款第3条3.4に基づき、調査はお客様と共同で行います。"
        "ご提供いただくまで調査を保留いたしますので、ご了承ください。\n\n"
        "お手数をおかけしますが、よろしくお願いいたします。",
    ),
    (
        30,
        "サポート範囲外のためのお断り（第3条3.5）",
        "ja",
        False,
        "{requester_name} 様\n\n"
        "お問い合わせ（{ticket_number}）につきまして、確認いたしました。\n"
        "誠に恐れ入りますが、{product} について次の事項はサポートの対象外となっております"
        "（約款第3条3.1）: {out_of_scope}\n"
        "そのため、約款第3条3.5に基づき、本件の対応はお受けいたしかねます。\n\n"
        "何卒ご理解を賜りますようお願い申し上げます。",
    ),
    (
        40,
        "英語資料のご案内（第3条3.6）",
        "ja",
        False,
        "{requester_name} 様\n\n"
        "お問い合わせ（{ticket_number}）につきまして、参考となる公開情報をご案内いたします。\n"
        "なお、約款第3条3.6のとおり、英語の資料となる場合がございます。ご了承ください。\n\n"
        "（資料の URL）\n\n"
        "ご不明な点がございましたら、お気軽にお問い合わせください。",
    ),
    (
        50,
        "解決のご連絡",
        "ja",
        False,
        "{requester_name} 様\n\n"
        "お問い合わせ（{ticket_number}）につきまして、解決とさせていただきます。\n"
        "再発した場合やご不明な点がございましたら、本メールにご返信ください。\n\n"
        "この度はご不便をおかけし、申し訳ございませんでした。",
    ),
    (
        10,
        "Acknowledgement",
        "en",
        False,
        "Dear {requester_name},\n\n"
        "Thank you for contacting us. This is {agent}.\n"
        "We have received your inquiry ({ticket_number}) and will get back to you "
        "(first response by: {deadline}).\n\n"
        "Best regards,",
    ),
    (
        20,
        "Request for logs (Art. 3.4)",
        "en",
        True,
        "Dear {requester_name},\n\n"
        "To investigate your inquiry ({ticket_number}), could you please send us:\n"
        "- when the issue occurred and which users are affected\n"
        "- the error message shown (a screenshot)\n"
        "- the related logs\n\n"
        "Under Art. 3.4 of the support terms the investigation is joint; it is on hold "
        "until we receive them.\n\n"
        "Best regards,",
    ),
    (
        30,
        "Out of scope (Art. 3.5)",
        "en",
        False,
        "Dear {requester_name},\n\n"
        "Regarding your inquiry ({ticket_number}): we are sorry, but for {product} the "
        "following is outside the scope of support (Art. 3.1): {out_of_scope}.\n"
        "Under Art. 3.5 of the support terms we are therefore unable to handle this "
        "inquiry.\n\n"
        "Thank you for your understanding.",
    ),
    (
        40,
        "English materials (Art. 3.6)",
        "en",
        False,
        "Dear {requester_name},\n\n"
        "Regarding your inquiry ({ticket_number}), please find the public documentation "
        "below (Art. 3.6: materials may be in English).\n\n"
        "(URL of the document)\n\n"
        "Best regards,",
    ),
    (
        50,
        "Resolution",
        "en",
        False,
        "Dear {requester_name},\n\n"
        "We consider your inquiry ({ticket_number}) resolved. If the issue comes back, "
        "simply reply to this message.\n\n"
        "Best regards,",
    ),
]


def create(apps, schema_editor):
    ReplyTemplate = apps.get_model("replies", "ReplyTemplate")
    for position, name, language, requests_information, body in DEFAULTS:
        ReplyTemplate.objects.get_or_create(
            name=name,
            language=language,
            owner=None,
            defaults={
                "position": position,
                "body": body,
                "requests_information": requests_information,
            },
        )


def remove(apps, schema_editor):
    ReplyTemplate = apps.get_model("replies", "ReplyTemplate")
    for _position, name, language, _requests, _body in DEFAULTS:
        ReplyTemplate.objects.filter(name=name, language=language, owner=None).delete()


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_reply_templates")]

    operations = [migrations.RunPython(create, remove)]
