"""Inbound mail's attachments judged by their content like every channel's: a refused file is
dropped and noted (the sender told, the agents shown), never the mail lost."""

from __future__ import annotations

from email.message import EmailMessage

from mail import services
from mail.models import InboundMail
from notifications.models import OutboxMessage
from tests import files
from tickets.models import Message


def _mail(*attachments: tuple[str, bytes, str]) -> bytes:
    message = EmailMessage()
    message["From"] = "鈴木 一郎 <suzuki@customer-a.example.jp>"
    message["To"] = "support@example.jp"
    message["Subject"] = "管理センターでライセンスの割り当てが失敗する"
    message["Message-ID"] = "<attach-test-1@customer-a.example.jp>"
    message["Date"] = "Wed, 25 Nov 2026 13:20:00 +0900"
    message.set_content("ログと画面を添付します。\n\n重大度：高\n")
    for name, content, claimed in attachments:
        maintype, subtype = claimed.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_a_disguised_file_is_dropped_and_the_mail_kept(world, frozen, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 1024 * 1024
    raw = _mail(
        ("請求書.pdf", files.HTML, "application/pdf"),
        ("画面.png", files.png(), "image/png"),
        ("trace.bin", files.PDF, "application/octet-stream"),
        ("大きい.txt", b"x" * (1024 * 1024), "text/plain"),
    )

    inbound = services.inbound_receive(raw=raw)

    # the mail is a ticket, with the files whose content is accepted, typed by their content
    assert inbound.status == InboundMail.Status.TICKET_OPENED
    kept = Message.objects.get(ticket=inbound.ticket, kind=Message.Kind.CUSTOMER)
    assert [(a.filename, a.content_type) for a in kept.attachments.all()] == [
        ("画面.png", "image/png"),
        ("trace.bin", "application/pdf"),
    ]
    # the refused ones are on record, for the agents and in the reply to the sender
    assert inbound.reason == (
        "dropped 請求書.pdf: type_not_allowed; dropped 大きい.txt: total_too_large"
    )
    note = Message.objects.get(ticket=inbound.ticket, kind=Message.Kind.INTERNAL_NOTE)
    assert "請求書.pdf: 種類 / type not accepted" in note.body
    assert "大きい.txt: 合計サイズ超過 / total too large" in note.body
    notice = OutboxMessage.objects.get(dedup_key=f"mail:dropped:{inbound.pk}")
    assert "・請求書.pdf（受け付けていない種類です）" in notice.payload["text"]
    assert "・大きい.txt（添付ファイルの合計が 1 MB を超えています）" in notice.payload["text"]
    assert "- 大きい.txt (the attachments together exceed 1 MB)" in notice.payload["text"]
