"""Mail as it really arrives: the sample .eml files and the edge cases, without a database."""

from __future__ import annotations

import base64

import pytest

from mail import parsing
from tests.mail.conftest import sample


def test_iso_2022_jp_plain_mail_reads_headers_body_and_severity():
    # given a plain ISO-2022-JP mail with encoded-word From and Subject
    # when it is parsed
    mail = parsing.parse(sample("iso2022jp_plain.eml"))

    # then headers and body are Japanese text, and the severity line is read
    assert mail.message_id == "<20261125100205.A1B2C3@customer-a.example.jp>"
    assert mail.from_address == "yamada@customer-a.example.jp"
    assert mail.from_name == "山田 太郎"
    assert mail.subject == "【重大】メールの送受信ができません"
    assert "大多数のユーザーで Outlook からメールの送受信ができません。" in mail.text
    assert mail.severity == "critical"
    assert mail.auto_reason is None
    assert mail.ticket_number is None
    assert mail.attachments == []


def test_outlook_html_only_mail_becomes_text_and_keeps_the_inline_image():
    mail = parsing.parse(sample("outlook_html_inline_image.eml"))

    assert mail.subject == "Teams の予定表に一部ユーザーのカレンダーが表示されない"
    assert mail.text == (
        "サポートご担当者様\n\n"
        "Teams の予定表に一部ユーザーのカレンダーが表示されません。\n\n"
        "画面のキャプチャを添付します。<重要>&お願いします。\n\n"
        "[キャプチャ]\n\n"
        "Severity: high\n\n"
        "佐藤 花子"
    )
    assert "p.MsoNormal" not in mail.text
    assert mail.html is not None and "cid:image001.png@01DB3F2A.5C6E7D80" in mail.html
    assert mail.severity == "high"
    [image] = mail.attachments
    assert (image.filename, image.content_type, image.inline) == ("image001.png", "image/png", True)
    assert image.content_id == "image001.png@01DB3F2A.5C6E7D80"
    assert image.content.startswith(b"\x89PNG")


def test_japanese_attachment_names_in_rfc_2231_and_encoded_words():
    mail = parsing.parse(sample("utf8_japanese_attachment.eml"))

    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("エラーログ 2026年11月.txt", "text/plain"),
        ("エラー画面.png", "image/png"),
        ("setup.exe", "application/x-msdownload"),
    ]
    assert mail.attachments[0].content.decode() == (
        "2026-11-25T10:00:00+09:00 ERROR ライセンスの割り当てに失敗しました\n"
    )
    assert mail.severity == "high"  # 重大度：高 with a full-width colon
    assert "エラー画面とログを添付します。" in mail.text


def test_bounce_is_a_delivery_status_report():
    mail = parsing.parse(sample("bounce_delivery_status.eml"))

    assert mail.is_auto
    assert mail.auto_reason == "auto_submitted:auto-replied"


def test_bounce_without_auto_submitted_is_still_recognised():
    raw = sample("bounce_delivery_status.eml").replace(b"Auto-Submitted: auto-replied\r\n", b"")

    assert parsing.parse(raw).auto_reason == "report:delivery-status"


def test_out_of_office_reply_is_automatic_and_points_at_its_ticket():
    mail = parsing.parse(sample("auto_reply.eml"))

    assert mail.auto_reason == "auto_submitted:auto-replied"
    assert mail.ticket_number == "CS-2026-000001"
    assert mail.thread_ids == ["<176403649900.1234.CS-2026-000001.ack@example.jp>"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"X-Auto-Response-Suppress: All", "x_auto_response_suppress:all"),
        (b"X-Auto-Response-Suppress: OOF, AutoReply", "x_auto_response_suppress:oof, autoreply"),
        (b"Precedence: bulk", "precedence:bulk"),
        (b"Precedence: junk", "precedence:junk"),
        (b"Precedence: list", "precedence:list"),
        (b"Auto-Submitted: auto-generated", "auto_submitted:auto-generated"),
        (b"Auto-Submitted: no", None),
        (b"X-Auto-Response-Suppress: DR, RN, NRN", None),
        (b"Precedence: first-class", None),
    ],
)
def test_auto_reply_headers(header, expected):
    raw = b"From: a@example.jp\r\nSubject: x\r\n" + header + b"\r\n\r\nbody\r\n"

    assert parsing.parse(raw).auto_reason == expected


def test_reply_with_quoted_history_keeps_only_the_new_text():
    mail = parsing.parse(sample("reply_quoted_history.eml"))

    assert mail.from_address == "yamada@customer-a.example.jp"  # lower-cased
    assert mail.ticket_number == "CS-2026-000001"
    assert mail.thread_ids == [
        "<176403900100.5678.CS-2026-000001.reply7@example.jp>",
        "<176403649900.1234.CS-2026-000001.ack@example.jp>",
        "<20261125100205.A1B2C3@customer-a.example.jp>",
    ]
    assert parsing.strip_quoted(mail.text) == (
        "サポートご担当者様\n\n"
        "ご連絡ありがとうございます。ご依頼のログを取得しましたので、状況をお知らせします。\n"
        "再起動後も同じ現象が続いています。\n\n"
        "山田"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "了解しました。\n\nOn Wed, 25 Nov 2026 at 10:30, Support <s@x> wrote:\n> 前文",
            "了解しました。",
        ),
        ("了解です\n\n2026年11月25日(水) 10:30 サポート <s@x>:\n> 前文", "了解です"),
        ("了解です\n> 引用\n> 引用", "了解です"),
        ("> 全部引用", "> 全部引用"),
        ("本文のみ", "本文のみ"),
    ],
)
def test_strip_quoted(text, expected):
    assert parsing.strip_quoted(text) == expected


@pytest.mark.parametrize(
    ("subject", "text", "expected"),
    [
        ("件名", "重大度: 重大", "critical"),
        ("件名", "重大度：重大でない", "non_critical"),
        ("件名", "重大度: 高（一部のユーザー）", "high"),
        ("件名", "Severity: critical", "critical"),
        ("件名", "Severity: Sev B", "high"),
        ("件名", "severity: minimal", "non_critical"),
        ("【重大】メール不達", "本文", "critical"),
        ("[高] 設定できない", "本文", "high"),
        ("[重大でない] 質問", "本文", "non_critical"),
        ("Severity: high - 管理センター", "本文", "high"),
        ("高速化について", "最高です", None),
        ("重大な問題", "本文", None),
        ("件名", "重大度: 不明", None),
        ("【重大】件名", "重大度: 高", "high"),  # the body line wins over the subject
    ],
)
def test_severity_from(subject, text, expected):
    assert parsing.severity_from(subject=subject, text=text) == expected


def test_iso_2022_jp_with_microsoft_extended_characters_still_decodes():
    # ① and ㈱ are not in ISO-2022-JP but Japanese mailers send them labelled as such
    # (Microsoft's CP50220 writes them as JIS rows 13 / 89-92).
    data = b"\x1b$B-!\x1b(B" + "接続できません".encode("iso2022_jp") + b" \x1b$B-j\x1b(B"

    assert parsing.decode_bytes(data, "iso-2022-jp") == "①接続できません ㈱"


def test_mislabelled_shift_jis_decodes_as_cp932():
    data = "ﾃｽﾄ①".encode("cp932")

    assert parsing.decode_bytes(data, "shift_jis") == "ﾃｽﾄ①"


def test_unknown_charset_falls_back_without_raising():
    assert parsing.decode_bytes("日本語".encode(), "x-no-such-charset") == "日本語"


def test_attachment_file_names_cannot_leave_their_folder():
    raw = (
        b"From: a@example.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n\r\nx\r\n'
        b"--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="..\\\\a\\\\b.txt"\r\n\r\ny\r\n'
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename=".."\r\n\r\nz\r\n'
        b"--b--\r\n"
    )

    names = [a.filename for a in parsing.parse(raw).attachments]

    assert names == ["passwd", "b.txt", "attachment3.pdf"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"From: =?UTF-8?B?broken?= <\r\nSubject: =?ISO-2022-JP?B?GyRC?=\r\n\r\n\xff\xfe",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain; '
        b"charset=bogus\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n",
    ],
)
def test_broken_mail_never_raises(raw):
    mail = parsing.parse(raw)

    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")


def test_mail_without_message_id_gets_a_stable_one():
    raw = b"From: a@example.jp\r\nSubject: x\r\n\r\nbody\r\n"

    assert parsing.parse(raw).message_id == parsing.parse(raw).message_id
    assert parsing.parse(raw).message_id.endswith("@no-message-id.invalid>")


def test_iso_2022_jp_subject_with_microsoft_extended_characters_still_decodes():
    data = b"\x1b$B-!\x1b(B" + "接続不可".encode("iso2022_jp")
    encoded = base64.b64encode(data)
    raw = (
        b"From: a@example.jp\r\nSubject: =?ISO-2022-JP?B?"
        + encoded
        + b"?= =?ISO-2022-JP?B?"
        + base64.b64encode("で".encode("iso2022_jp"))
        + b"?=\r\n\r\nx"
    )

    assert parsing.parse(raw).subject == "①接続不可で"
