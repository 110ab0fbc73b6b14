"""End to end with real mail servers on loopback: what the product sends reaches an SMTP
server (aiosmtpd) through the outbox dispatcher; what arrives in an IMAP mailbox (dovecot)
becomes tickets through the poll task."""

from __future__ import annotations

import datetime
import imaplib
import sys
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
import time_machine

from mail.imap import Mailbox, MailboxConfig, MailboxError
from mail.models import InboundMail
from mail.tasks import mailbox_poll_once
from notifications.models import OutboxMessage
from notifications.tasks import outbox_dispatch
from tests.mail.conftest import NOW, delivered, receive, sample, ticket_of
from tickets import services as ticket_services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def received(sink) -> list:
    return [
        BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        for envelope in sink.envelopes
    ]


# --- SMTP -------------------------------------------------------------------------------------


def test_acknowledgement_and_reply_reach_a_real_smtp_server(world, frozen, smtp_server, agent):
    # given a ticket opened by mail and an agent's reply
    inbound = receive(sample("iso2022jp_plain.eml"))
    ticket = ticket_of(inbound)
    reply = ticket_services.message_add(
        ticket=ticket, kind=Message.Kind.REPLY, body="調査を開始しました。", author_user=agent
    )

    # when the outbox dispatcher runs
    sent = outbox_dispatch()

    # then the SMTP server received both mails, threaded and in Japanese
    assert sent == 2
    assert OutboxMessage.objects.filter(status="sent").count() == 2
    ack, answer = received(smtp_server)
    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [
        ["yamada@customer-a.example.jp"],
        ["yamada@customer-a.example.jp"],
    ]
    assert smtp_server.envelopes[0].mail_from == "support@example.jp"
    assert str(ack["Subject"]).strip().startswith("[CS-2026-000001] お問い合わせを受け付けました")
    assert ack["In-Reply-To"] == "<20261125100205.A1B2C3@customer-a.example.jp>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Helpdesk-Ticket"] == "CS-2026-000001"
    assert "CS-2026-000001.ack" in ack["Message-ID"]
    text = ack.get_body(preferencelist=("plain",)).get_content()
    assert "受付日時: 2026-11-25 10:05 (JST)" in text
    html = ack.get_body(preferencelist=("html",)).get_content()
    assert "<th>チケット番号</th><td>CS-2026-000001</td>" in html
    reply.refresh_from_db()
    assert answer["Message-ID"] == reply.email_message_id
    subject = str(answer["Subject"]).strip()
    assert subject == "Re: [CS-2026-000001] 【重大】メールの送受信ができません"
    assert answer["In-Reply-To"] == "<20261125100205.A1B2C3@customer-a.example.jp>"
    assert "調査を開始しました。" in answer.get_body(preferencelist=("plain",)).get_content()


def test_mail_waits_in_the_outbox_while_the_smtp_server_is_down(world, smtp_server):
    # given the mail server is down when a held mail's answer is due
    smtp_server.stop()
    with time_machine.travel(NOW, tick=False):
        raw = (
            b"From: stranger@example.com\r\nMessage-ID: <down@example.com>\r\n"
            b"Subject: hello\r\n\r\nhi\r\n"
        )
        receive(raw)
        assert outbox_dispatch() == 0

    # then nothing is lost: the row waits for its retry
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in row.last_error

    # when the server is back and the retry is due, it is sent once
    smtp_server.start()
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        assert outbox_dispatch() == 1
        assert outbox_dispatch() == 0
    row.refresh_from_db()
    assert row.status == "sent"
    [held_answer] = received(smtp_server)
    assert held_answer["In-Reply-To"] == "<down@example.com>"
    assert "全体管理者" in held_answer.get_body(preferencelist=("plain",)).get_content()


# --- IMAP -------------------------------------------------------------------------------------


def config_for(server, **overrides) -> MailboxConfig:
    values = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "use_ssl": False,
        "timeout": 10,
    }
    values.update(overrides)
    return MailboxConfig(**values)


def append(server, *raws: bytes) -> None:
    connection = imaplib.IMAP4(server.host, server.port, timeout=10)
    connection.login(server.user, server.password)
    for raw in raws:
        status, _ = connection.append("INBOX", None, None, raw)
        assert status == "OK"
    connection.logout()


def flags(server, folder: str = "INBOX") -> list[Any]:
    connection = imaplib.IMAP4(server.host, server.port, timeout=10)
    connection.login(server.user, server.password)
    connection.select(folder)
    _status, data = connection.fetch("1:*", "(FLAGS)") if _count(connection) else ("OK", [])
    connection.logout()
    return data


def _count(connection) -> int:
    _status, data = connection.search(None, "ALL")
    return len(data[0].split())


def test_poll_turns_mailbox_mail_into_tickets_and_marks_it_seen(world, frozen, imap_server):
    # given three mails in the desk's INBOX: an inquiry, an auto-reply and a bounce
    append(
        imap_server,
        delivered(sample("iso2022jp_plain.eml")),
        delivered(sample("outlook_html_inline_image.eml")),
        delivered(sample("bounce_delivery_status.eml")),
    )

    # when the poll task runs
    taken = mailbox_poll_once(config_for(imap_server))

    # then each became what it is, and all are marked seen
    assert taken == 3
    assert Ticket.objects.count() == 2
    assert dict(InboundMail.objects.values_list("message_id", "status")) == {
        "<20261125100205.A1B2C3@customer-a.example.jp>": "ticket_opened",
        "<TYAPR01MB1234ABCD5678EF@TYAPR01MB1234.jpnprd01.prod.outlook.com>": "ticket_opened",
        "<20261125010820.4F2A81C0A3@mx.example.jp>": "ignored_auto",
    }
    assert all(b"\\Seen" in item for item in flags(imap_server))
    # and a second poll finds nothing new
    assert mailbox_poll_once(config_for(imap_server)) == 0
    assert Ticket.objects.count() == 2


def test_a_crash_before_marking_seen_never_makes_a_second_ticket(
    world, frozen, imap_server, monkeypatch
):
    # given a poll that stores the mail but dies before marking it seen
    append(imap_server, delivered(sample("iso2022jp_plain.eml")))

    def crash(self, uid):
        raise MailboxError("connection reset")

    monkeypatch.setattr(Mailbox, "mark_done", crash)
    with pytest.raises(MailboxError):
        mailbox_poll_once(config_for(imap_server))
    assert Ticket.objects.count() == 1
    assert all(b"\\Seen" not in item for item in flags(imap_server))

    # when the next poll takes the same mail again
    monkeypatch.undo()
    assert mailbox_poll_once(config_for(imap_server)) == 1

    # then it is recognised by its Message-ID: still one ticket, one acknowledgement
    assert Ticket.objects.count() == 1
    assert OutboxMessage.objects.filter(dedup_key__startswith="mail:ack:").count() == 1
    assert all(b"\\Seen" in item for item in flags(imap_server))


def test_processed_mail_is_moved_to_the_processed_folder(world, frozen, imap_server):
    append(imap_server, delivered(sample("iso2022jp_plain.eml")))

    mailbox_poll_once(config_for(imap_server, processed_folder="Processed"))

    assert flags(imap_server, "INBOX") == []
    assert len(flags(imap_server, "Processed")) == 1
    assert Ticket.objects.count() == 1


def test_wrong_password_is_a_mailbox_error_without_the_secret(world, imap_server):
    config = config_for(imap_server, password="wrong-secret")

    with pytest.raises(MailboxError) as error:
        mailbox_poll_once(config)

    assert "wrong-secret" not in str(error.value)
    assert "wrong-secret" not in repr(config)
    assert InboundMail.objects.count() == 0


def test_xoauth2_with_a_token_reads_the_mailbox(world, frozen, imap_server):
    # given Exchange Online style access: no password, an OAuth 2.0 bearer token
    append(imap_server, delivered(sample("iso2022jp_plain.eml")))
    config = config_for(imap_server, password="", oauth2_token=imap_server.oauth2_token)

    assert mailbox_poll_once(config) == 1

    assert Ticket.objects.count() == 1


def test_xoauth2_token_from_a_command(world, frozen, imap_server):
    append(imap_server, delivered(sample("iso2022jp_plain.eml")))
    command = f"{sys.executable} -c \"print('{imap_server.oauth2_token}')\""
    config = config_for(imap_server, password="", oauth2_token_command=command)

    assert mailbox_poll_once(config) == 1

    assert Ticket.objects.count() == 1


def test_xoauth2_with_an_invalid_token_is_a_mailbox_error(world, imap_server):
    append(imap_server, delivered(sample("iso2022jp_plain.eml")))
    config = config_for(imap_server, password="", oauth2_token="expired-token")

    with pytest.raises(MailboxError, match="AUTHENTICATIONFAILED"):
        mailbox_poll_once(config)

    assert InboundMail.objects.count() == 0
