"""Seed the merge notice (MailTemplate key "merged") in Japanese and English, so it is editable
in the admin from the start. The Japanese row keeps the customer mails' form (Japanese first,
English below it: mails go out in Japanese, mail.rendering); the English row is English only.
Reversing removes the seeded rows only when nobody has edited them."""

from django.db import migrations

KEY = "merged"

SEED = {
    "ja": (
        "[{{ number }}] お問い合わせを {{ original_number }} に統合しました"
        " / Your inquiry continues as {{ original_number }}",
        "{{ requester_name }} 様\n"
        "\n"
        "いつもお世話になっております。\n"
        "お問い合わせ {{ number }}「{{ subject }}」は、同じ内容のお問い合わせ"
        " {{ original_number }} と重複しておりましたため、{{ original_number }}"
        " に統合いたしました。\n"
        "いただいた内容と添付ファイルは {{ original_number }} に引き継いでおります。"
        "今後のご連絡は {{ original_number }} にてお願いいたします。\n"
        "\n"
        "Your inquiry {{ number }} duplicated inquiry {{ original_number }} and has been merged"
        " into it, with its messages and attachments. Please refer to {{ original_number }}"
        " from now on.\n"
        "\n"
        "----\n"
        "チケット番号 / Ticket: {{ original_number }}\n",
    ),
    "en": (
        "[{{ number }}] Your inquiry continues as {{ original_number }}",
        "Dear {{ requester_name }},\n"
        "\n"
        "Your inquiry {{ number }} \"{{ subject }}\" duplicated inquiry {{ original_number }}"
        " and has been merged into it, with its messages and attachments.\n"
        "Please refer to {{ original_number }} from now on.\n"
        "\n"
        "----\n"
        "Ticket: {{ original_number }}\n",
    ),
}


def seed(apps, schema_editor):
    MailTemplate = apps.get_model("mail", "MailTemplate")
    for language, (subject, text) in SEED.items():
        MailTemplate.objects.get_or_create(
            key=KEY, language=language, defaults={"subject": subject, "text": text}
        )


def unseed(apps, schema_editor):
    MailTemplate = apps.get_model("mail", "MailTemplate")
    for language, (subject, text) in SEED.items():
        MailTemplate.objects.filter(
            key=KEY, language=language, subject=subject, text=text, html=""
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("mail", "0090_merged_mail_template_key")]

    operations = [migrations.RunPython(seed, unseed)]
