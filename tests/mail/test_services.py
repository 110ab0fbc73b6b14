"""The email channel's rules: who may open a ticket by mail, threading, holding, loops,
duplicates, attachment limits, and the mail the desk sends (as outbox rows)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from mail import services
from mail.models import InboundMail, MailTemplate
from notifications.models import OutboxMessage
from tests.factories import TicketFactory
from tests.mail.conftest import NOW, delivered, receive, sample, ticket_of
from tickets import services as ticket_services
from tickets.models import Message, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ORIGINAL_ID = "<20261125100205.A1B2C3@customer-a.example.jp>"


def email_rows() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="email").order_by("id"))


def open_from_sample(world) -> Ticket:
    inbound = receive(sample("iso2022jp_plain.eml"))
    assert inbound.status == InboundMail.Status.TICKET_OPENED
    return ticket_of(inbound)


# --- opening a ticket -------------------------------------------------------------------------


def test_global_admin_mail_opens_a_ticket_and_is_acknowledged(world, frozen):
    # given a known global admin of customer A with an active subscription
    # when their ISO-2022-JP mail arrives
    inbound = receive(sample("iso2022jp_plain.eml"))

    # then a ticket is open on the email channel with the severity the mail named
    ticket = ticket_of(inbound)
    assert inbound.status == InboundMail.Status.TICKET_OPENED
    assert bytes(inbound.raw) == delivered(sample("iso2022jp_plain.eml"))
    assert inbound.from_address == "yamada@customer-a.example.jp"
    assert inbound.subject == "【重大】メールの送受信ができません"
    assert ticket.number == "CS-2026-000001"
    assert ticket.channel == "email"
    assert ticket.customer == world.customer
    assert ticket.subscription == world.subscription
    assert ticket.requester == world.yamada
    assert ticket.severity == "critical"
    assert ticket.needs_triage is False
    assert ticket.subject == "【重大】メールの送受信ができません"
    assert "大多数のユーザーで Outlook からメールの送受信ができません。" in ticket.description
    assert ticket.received_at == NOW
    assert ticket.first_response_due == NOW + datetime.timedelta(hours=1)
    # and the acknowledgement is queued, in reply to the mail; it is not a first response
    [ack] = email_rows()
    payload = ack.payload
    assert ack.dedup_key == f"mail:ack:{ticket.pk}"
    assert ack.ticket == ticket
    assert set(payload) == {
        "to",
        "subject",
        "text",
        "html",
        "headers",
        "message_id",
        "in_reply_to",
        "references",
    }
    assert payload["to"] == ["yamada@customer-a.example.jp"]
    assert payload["subject"] == (
        "[CS-2026-000001] お問い合わせを受け付けました / We have received your inquiry: "
        "【重大】メールの送受信ができません"
    )
    assert "チケット番号: CS-2026-000001" in payload["text"]
    assert "受付日時: 2026-11-25 10:05 (JST)" in payload["text"]
    assert "初回応答期限: 2026-11-25 11:05 (JST)" in payload["text"]
    assert "担当者からの回答ではありません" in payload["text"]
    assert "CS-2026-000001" in payload["html"]
    assert payload["in_reply_to"] == ORIGINAL_ID
    assert payload["references"] == [ORIGINAL_ID]
    assert payload["message_id"].endswith("@example.jp>")
    assert "CS-2026-000001.ack" in payload["message_id"]
    assert payload["headers"] == {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "X-Helpdesk-Ticket": "CS-2026-000001",
    }
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert ticket.status == Status.NEW


def test_mail_without_severity_is_non_critical_needs_triage_and_says_no_commitment(world, frozen):
    raw = sample("iso2022jp_plain.eml").replace(b"Subject: =?ISO-2022-JP?B?", b"Subject: x")
    raw = raw.replace("重大度: 重大\r\n".encode("iso2022_jp"), b"")

    ticket = ticket_of(receive(raw))

    assert ticket.severity == "non_critical"
    assert ticket.needs_triage is True
    assert ticket.first_response_due is None
    [ack] = email_rows()
    assert "初回応答期限: 確約なし" in ack.payload["text"]
    assert "First response due: no commitment (確約なし)" in ack.payload["text"]


def test_the_same_mail_delivered_twice_makes_one_ticket(world, frozen):
    first = receive(sample("iso2022jp_plain.eml"))
    second = receive(sample("iso2022jp_plain.eml"))

    assert second.pk == first.pk
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1
    assert len(email_rows()) == 1


def test_outlook_html_mail_with_inline_image(world, frozen):
    inbound = receive(sample("outlook_html_inline_image.eml"))

    ticket = ticket_of(inbound)
    assert ticket.requester == world.sato
    assert ticket.severity == "high"
    assert ticket.description.startswith("サポートご担当者様\n\nTeams の予定表")
    [message] = ticket.messages.all()
    assert message.kind == Message.Kind.CUSTOMER
    assert message.author_contact == world.sato
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "image001.png",
        "image/png",
        70,
    )


def test_attachments_with_japanese_names_are_kept_and_a_forbidden_type_is_dropped(world, frozen):
    inbound = receive(sample("utf8_japanese_attachment.eml"))

    ticket = ticket_of(inbound)
    kept = Message.objects.get(ticket=ticket, kind=Message.Kind.CUSTOMER)
    assert [(a.filename, a.content_type) for a in kept.attachments.all()] == [
        ("エラーログ 2026年11月.txt", "text/plain"),
        ("エラー画面.png", "image/png"),
    ]
    first = kept.attachments.first()
    assert first is not None
    assert first.file.read().decode().endswith("失敗しました\n")
    note = Message.objects.get(ticket=ticket, kind=Message.Kind.INTERNAL_NOTE)
    assert "setup.exe" in note.body
    assert inbound.reason == "dropped setup.exe: type_not_allowed"
    # the sender hears of it, in reply to their mail
    ack, dropped = email_rows()
    assert ack.dedup_key == f"mail:ack:{ticket.pk}"
    assert dropped.payload["to"] == ["suzuki@customer-a.example.jp"]
    assert dropped.payload["in_reply_to"] == "<CAF=abc123XYZ@mail.gmail.com>"
    assert "・setup.exe（受け付けていない種類です）" in dropped.payload["text"]
    assert "- setup.exe (type not accepted)" in dropped.payload["text"]


def test_an_attachment_over_the_size_limit_is_dropped(world, frozen, settings):
    settings.ATTACHMENT_MAX_BYTES = 80

    inbound = receive(sample("utf8_japanese_attachment.eml"))

    kept = Message.objects.get(ticket=inbound.ticket, kind=Message.Kind.CUSTOMER)
    assert [a.filename for a in kept.attachments.all()] == ["エラー画面.png"]
    assert inbound.reason == (
        "dropped エラーログ 2026年11月.txt: too_large; dropped setup.exe: type_not_allowed"
    )


# --- held mail --------------------------------------------------------------------------------


def test_unknown_sender_is_held_and_answered_politely(world, frozen):
    raw = sample("iso2022jp_plain.eml").replace(
        b"<yamada@customer-a.example.jp>", b"<stranger@example.com>"
    )

    inbound = receive(raw)

    assert inbound.status == InboundMail.Status.HELD
    assert inbound.reason == "unknown_sender"
    assert inbound.ticket is None
    assert bytes(inbound.raw) == delivered(raw)
    assert Ticket.objects.count() == 0
    [reply] = email_rows()
    assert reply.ticket is None
    assert reply.payload["to"] == ["stranger@example.com"]
    assert reply.payload["in_reply_to"] == ORIGINAL_ID
    assert reply.payload["headers"]["Auto-Submitted"] == "auto-replied"
    assert "全体管理者" in reply.payload["text"]
    assert "global administrator" in reply.payload["text"]
    assert "山田 太郎 様" in reply.payload["text"]


def test_a_contact_without_global_admin_rights_is_held(world, frozen):
    raw = sample("iso2022jp_plain.eml").replace(
        b"yamada@customer-a.example.jp", b"tanaka@customer-a.example.jp"
    )

    inbound = receive(raw)

    assert (inbound.status, inbound.reason) == (InboundMail.Status.HELD, "not_global_admin")
    assert Ticket.objects.count() == 0
    assert len(email_rows()) == 1


def test_a_customer_without_an_active_subscription_is_held(world, frozen):
    world.subscription.status = "ended"
    world.subscription.ended_at = NOW
    world.subscription.end_reason = "cancelled"
    world.subscription.save()

    inbound = receive(sample("iso2022jp_plain.eml"))

    assert (inbound.status, inbound.reason) == (InboundMail.Status.HELD, "subscription_not_active")
    assert Ticket.objects.count() == 0
    # and the global admin is told why (Art. 7), not that only global admins may ask
    [reply] = email_rows()
    assert reply.payload["to"] == ["yamada@customer-a.example.jp"]
    assert "第7条" in reply.payload["text"]
    assert "Art. 7" in reply.payload["text"]
    assert "第3条3.2" not in reply.payload["text"]
    assert "第3条3.2" not in reply.payload["html"]
    assert "global administrator rights" not in reply.payload["text"]


def test_a_mail_held_after_a_poller_outage_keeps_its_arrival_for_reprocessing(world, frozen):
    # given a mail that reached the mailbox at 08:00 JST, polled at 10:05 and held (the
    # subscription was not active yet)
    arrived = NOW - datetime.timedelta(hours=2, minutes=5)
    world.subscription.status = "pending"
    world.subscription.available_at = None
    world.subscription.save()
    inbound = receive(sample("iso2022jp_plain.eml"), delivered_at=arrived)
    assert inbound.status == InboundMail.Status.HELD
    assert inbound.received_at == arrived

    # when the subscription is put right and the mail reprocessed
    world.subscription.status = "active"
    world.subscription.available_at = arrived - datetime.timedelta(days=30)
    world.subscription.save()
    inbound = services.inbound_reprocess(inbound=inbound)

    # then the ticket is submitted when the mail arrived (DOMAIN.md §4), as an unheld one is
    ticket = ticket_of(inbound)
    assert inbound.status == InboundMail.Status.TICKET_OPENED
    assert ticket.submitted_at == arrived
    assert ticket.received_at == arrived
    assert ticket.first_response_due == arrived + datetime.timedelta(hours=1)


def test_held_replies_are_limited_per_sender_and_day(world, frozen, settings):
    settings.MAIL_HELD_REPLIES_PER_DAY = 2
    for number in range(4):
        raw = (
            b"From: stranger@example.com\r\nTo: support@example.jp\r\n"
            + f"Message-ID: <loop{number}@example.com>\r\nSubject: hello\r\n\r\nhi\r\n".encode()
        )
        receive(raw)

    assert InboundMail.objects.filter(status="held").count() == 4
    assert len(email_rows()) == 2


# --- loops and noise --------------------------------------------------------------------------


def test_auto_reply_is_recorded_with_its_ticket_and_never_answered(world, frozen):
    ticket = open_from_sample(world)
    before = len(email_rows())

    inbound = receive(sample("auto_reply.eml"))

    assert inbound.status == InboundMail.Status.IGNORED_AUTO
    assert inbound.reason == "auto_submitted:auto-replied"
    assert inbound.ticket == ticket
    assert len(email_rows()) == before
    assert ticket.messages.count() == 0


def test_bounce_is_recorded_and_never_answered(world, frozen):
    inbound = receive(sample("bounce_delivery_status.eml"))

    assert (inbound.status, inbound.ticket) == (InboundMail.Status.IGNORED_AUTO, None)
    assert email_rows() == []


def test_mail_from_the_desk_itself_is_never_answered(world, frozen):
    raw = b"From: support@example.jp\r\nMessage-ID: <self@example.jp>\r\nSubject: x\r\n\r\nhi\r\n"

    inbound = receive(raw)

    assert (inbound.status, inbound.reason) == (
        InboundMail.Status.IGNORED_AUTO,
        "from_desk_address",
    )
    assert email_rows() == []


# --- threading --------------------------------------------------------------------------------


def test_reply_threads_by_the_number_in_its_subject(world, frozen, agent):
    ticket = open_from_sample(world)
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="メッセージ追跡のログをお送りください。",
        author_user=agent,
        actor=agent,
        requests_information=True,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_ON_CUSTOMER

    inbound = receive(sample("reply_quoted_history.eml"))

    assert (inbound.status, inbound.ticket) == (InboundMail.Status.THREADED, ticket)
    message = ticket.messages.get(kind=Message.Kind.CUSTOMER)
    assert message.author_contact == world.yamada
    assert message.email_message_id == "<20261125104512.D4E5F6@customer-a.example.jp>"
    assert message.body.endswith("再起動後も同じ現象が続いています。\n\n山田")
    assert "Original Message" not in message.body
    # the customer answered: the ticket is worked again (Art. 3.4)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    assert Ticket.objects.count() == 1


def test_agent_reply_is_mailed_threaded_and_the_answer_to_it_threads_back(world, frozen, agent):
    ticket = open_from_sample(world)

    # when an agent replies
    reply = ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ご不便をおかけしております。\n調査を開始しました。",
        author_user=agent,
        actor=agent,
    )

    # then the reply goes out as mail with the number in the subject, threaded under the
    # customer's mail, and its Message-ID is kept on the message
    row = OutboxMessage.objects.get(dedup_key=f"mail:reply:{reply.pk}")
    payload = row.payload
    assert payload["to"] == ["yamada@customer-a.example.jp"]
    assert payload["subject"] == "Re: [CS-2026-000001] 【重大】メールの送受信ができません"
    assert "ご不便をおかけしております。\n調査を開始しました。" in payload["text"]
    assert payload["in_reply_to"] == ORIGINAL_ID
    assert payload["references"] == [ORIGINAL_ID]
    assert "Auto-Submitted" not in payload["headers"]
    reply.refresh_from_db()
    assert reply.email_message_id == payload["message_id"]
    # and it is the first response
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == NOW

    # when the customer answers that mail without the number in the subject
    answer = (
        b"From: yamada@customer-a.example.jp\r\nTo: support@example.jp\r\n"
        b"Subject: =?UTF-8?B?44GC44KK44GM44Go44GG44GU44GW44GE44G+44GZ?=\r\n"
        b"Message-ID: <answer1@customer-a.example.jp>\r\n"
        + f"In-Reply-To: {payload['message_id']}\r\n".encode()
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "確認しました。".encode()
    )
    inbound = receive(answer)

    # then it threads onto the ticket, and the next reply answers it
    assert (inbound.status, inbound.ticket) == (InboundMail.Status.THREADED, ticket)
    second = ticket_services.message_add(
        ticket=ticket, kind=Message.Kind.REPLY, body="承知しました。", author_user=agent
    )
    payload = OutboxMessage.objects.get(dedup_key=f"mail:reply:{second.pk}").payload
    assert payload["in_reply_to"] == "<answer1@customer-a.example.jp>"
    assert payload["references"] == [
        ORIGINAL_ID,
        reply.email_message_id,
        "<answer1@customer-a.example.jp>",
    ]


def test_reply_to_our_message_id_threads_even_without_any_stored_row(world, frozen):
    ticket = open_from_sample(world)
    raw = (
        b"From: yamada@customer-a.example.jp\r\nSubject: re\r\n"
        b"Message-ID: <late@customer-a.example.jp>\r\n"
        b"References: <1.2.CS-2026-000001.reply99@example.jp>\r\n\r\nok\r\n"
    )

    inbound = receive(raw)

    assert (inbound.status, inbound.ticket) == (InboundMail.Status.THREADED, ticket)


def test_a_reply_from_someone_of_another_customer_is_held(world, frozen):
    ticket = open_from_sample(world)
    raw = sample("reply_quoted_history.eml").replace(
        b"Yamada@Customer-A.example.jp", b"takahashi@other.example.jp"
    )

    inbound = receive(raw)

    assert inbound.status == InboundMail.Status.HELD
    assert inbound.reason == "not_global_admin (CS-2026-000001)"
    assert ticket.messages.count() == 0


def test_a_mail_whose_message_id_is_already_a_ticket_message_is_a_duplicate(world, frozen, agent):
    ticket = open_from_sample(world)
    reply = ticket_services.message_add(
        ticket=ticket, kind=Message.Kind.REPLY, body="回答", author_user=agent
    )
    reply.refresh_from_db()
    # our own reply comes back (a BCC to the desk's mailbox)
    raw = (
        b"From: someone@example.org\r\nSubject: x\r\n"
        + f"Message-ID: {reply.email_message_id}\r\n\r\nbody\r\n".encode()
    )

    inbound = receive(raw)

    assert (inbound.status, inbound.ticket) == (InboundMail.Status.DUPLICATE, ticket)
    assert ticket.messages.count() == 1


# --- robustness -------------------------------------------------------------------------------


def test_an_unexpected_error_holds_the_mail_and_keeps_it(world, frozen, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.ticket_services, "ticket_open", broken)

    inbound = receive(sample("iso2022jp_plain.eml"))

    assert inbound.status == InboundMail.Status.HELD
    assert inbound.reason == "processing_error: RuntimeError: database went away"
    assert bytes(InboundMail.objects.get().raw) == delivered(sample("iso2022jp_plain.eml"))
    assert Ticket.objects.count() == 0
    assert email_rows() == []


def test_garbage_bytes_are_stored_not_raised(world, frozen):
    inbound = receive(b"\x00\xff garbage")

    assert inbound.status == InboundMail.Status.HELD
    assert bytes(inbound.raw) == b"\x00\xff garbage"


# --- acknowledgement on other channels, reminders ---------------------------------------------


@pytest.mark.parametrize(
    ("channel", "acknowledged"), [("web", True), ("phone", True), ("api", False)]
)
def test_acknowledgement_of_tickets_of_other_channels(world, frozen, channel, acknowledged):
    ticket = TicketFactory(
        customer=world.customer,
        subscription=world.subscription,
        requester=world.yamada,
        channel=channel,
        severity="high",
    )

    rows = email_rows()

    assert [row.dedup_key for row in rows] == ([f"mail:ack:{ticket.pk}"] if acknowledged else [])
    if acknowledged:
        assert rows[0].payload["in_reply_to"] is None
        assert "初回応答期限: 2026-11-26 17:00 (JST)" in rows[0].payload["text"]


def test_waiting_on_customer_reminders_are_sent_once_each_up_to_the_maximum(world, frozen, agent):
    ticket = open_from_sample(world)
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ログをお送りください。",
        author_user=agent,
        requests_information=True,
    )

    def reminders() -> list[str]:
        return [row.dedup_key for row in email_rows() if row.dedup_key.startswith("mail:reminder:")]

    # not yet due
    assert services.reminders_send(now=NOW + datetime.timedelta(hours=71)) == 0
    # the first after 72 hours, once however often the task runs
    with time_machine.travel(NOW + datetime.timedelta(hours=73), tick=False):
        assert services.reminders_send() == 1
        assert services.reminders_send() == 0
    assert len(reminders()) == 1
    # the second after 144 hours, and never a third
    with time_machine.travel(NOW + datetime.timedelta(hours=145), tick=False):
        assert services.reminders_send() == 1
    with time_machine.travel(NOW + datetime.timedelta(hours=500), tick=False):
        assert services.reminders_send() == 0
    assert len(reminders()) == 2
    payload = OutboxMessage.objects.get(dedup_key=reminders()[0]).payload
    assert payload["subject"].startswith("[CS-2026-000001] ご回答のお願い")
    assert payload["in_reply_to"] == ORIGINAL_ID
    assert (
        TicketEvent.objects.filter(ticket=ticket, dedup_key__startswith="mail_reminder:").count()
        == 2
    )


def test_no_reminder_once_the_customer_answered(world, frozen, agent):
    ticket = open_from_sample(world)
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ログを",
        author_user=agent,
        requests_information=True,
    )
    receive(sample("reply_quoted_history.eml"))

    assert services.reminders_send(now=NOW + datetime.timedelta(hours=100)) == 0


# --- templates --------------------------------------------------------------------------------


def test_an_admins_template_replaces_the_file_template(world, frozen):
    MailTemplate.objects.create(
        key="acknowledgement",
        language="ja",
        subject="受付 {{ number }}",
        text="{{ requester_name }} 様 <受付しました> 期限 {{ first_response_due_text }}",
        html="<p>{{ subject }}</p>",
    )

    open_from_sample(world)

    [ack] = email_rows()
    assert ack.payload["subject"] == "受付 CS-2026-000001"
    assert ack.payload["text"] == "山田 太郎 様 <受付しました> 期限 2026-11-25 11:05 (JST)\n"
    assert ack.payload["html"] == "<p>【重大】メールの送受信ができません</p>"


def test_a_template_with_broken_syntax_is_refused():
    template = MailTemplate(key="reply", language="ja", subject="{% if %}", text="{{ x", html="")

    with pytest.raises(ValidationError) as error:
        template.full_clean()

    assert set(error.value.message_dict) == {"subject"}


# --- the command ------------------------------------------------------------------------------


def test_ingest_mail_command(world, frozen, capsys, tmp_path):
    path = tmp_path / "mail.eml"
    path.write_bytes(delivered(sample("iso2022jp_plain.eml")))

    call_command("ingest_mail", str(path))

    assert capsys.readouterr().out == f"{path}: ticket_opened CS-2026-000001\n"


def test_ingest_mail_command_with_a_missing_file_fails_readably(db, tmp_path):
    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("ingest_mail", str(tmp_path / "missing.eml"))
    assert InboundMail.objects.count() == 0


def test_poll_mailbox_command_without_settings_fails_readably(db, settings):
    settings.IMAP_HOST = ""

    with pytest.raises(CommandError, match="IMAP_HOST and IMAP_USER must be set"):
        call_command("poll_mailbox")
