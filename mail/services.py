"""Writes of the email channel.

Inbound: `inbound_receive` stores a raw mail once per Message-ID (its bytes are never lost)
and turns it into a ticket, a message on a ticket, a held mail with a polite answer, or a
recorded auto-reply that is never answered. Only a mail whose sender is authenticated
(mail/authentication.py, DOMAIN.md §12) opens or joins a ticket; any other is held as
`sender_unauthenticated`, unanswered, until an agent who verified the sender by phone releases
it (`inbound_release`).

Outbound: every mail the desk sends is an outbox row (`notifications.services.outbox_enqueue`)
written in the transaction of the change that causes it, in the payload format shared with
the dispatcher: {"to", "subject", "text", "html", "headers", "message_id", "in_reply_to",
"references"}. `on_ticket_event` is listed in settings.TICKET_EVENT_SUBSCRIBERS."""

from __future__ import annotations

import datetime
import logging
import secrets
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from contracts.models import Contact, VerificationMethod
from helpdesk.exceptions import DomainError
from helpdesk.history import history_user_set
from mail import authentication, parsing, selectors
from mail.exceptions import MailNotHeld, MailNotUnauthenticated, ReleaseReasonRequired
from mail.models import InboundMail, MailTemplate
from mail.rendering import RenderedMail, format_jst, mail_render
from notifications.services import outbox_enqueue
from sla.models import Severity
from tickets import attachments as attachment_rules
from tickets import eligibility
from tickets import services as ticket_services
from tickets.events import event_record
from tickets.exceptions import RequesterNotVerified
from tickets.models import Category, Channel, Message, Status, Ticket, TicketEvent

logger = logging.getLogger(__name__)

InboundStatus = InboundMail.Status
SenderAuthentication = InboundMail.SenderAuthentication
EMAIL = "email"

# Held reasons of DOMAIN.md §12: the sender did not prove its address (never answered: the
# From address may be anyone's), or the address is more than one contact's (never guessed).
SENDER_UNAUTHENTICATED = "sender_unauthenticated"
AMBIGUOUS_SENDER = "ambiguous_sender"
# How an agent may have checked that a held mail's sender really sent it.
RELEASE_METHODS = (VerificationMethod.PHONE_CALLBACK,)

# The first category in scope is recorded when a mail does not say; agents triage it.
_CATEGORY_PREFERENCE = (
    Category.STANDARD_FEATURE,
    Category.PRODUCT_KEY,
    Category.USER_AND_LICENCE,
)


# ---------------------------------------------------------------------------------------------
# Outbound
# ---------------------------------------------------------------------------------------------


def _message_id_new(*, ticket: Ticket | None, purpose: str) -> str:
    """A Message-ID on the desk's domain carrying the ticket number, so that a reply to it
    finds its ticket even when References was trimmed by the customer's client."""
    prefix = f"{ticket.number}.{purpose}" if ticket is not None else purpose
    # Short enough to stay on one header line (78 characters) in every client.
    return f"<{prefix}.{secrets.token_hex(8)}@{settings.MAIL_MESSAGE_ID_DOMAIN}>"


def _automatic_headers(kind: str) -> dict[str, str]:
    """RFC 3834: mail the desk sends by itself says so, and asks Exchange not to answer it."""
    return {"Auto-Submitted": kind, "X-Auto-Response-Suppress": "All"}


def email_payload(
    *,
    to: list[str],
    rendered: RenderedMail,
    message_id: str | None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The outbox payload of one mail, in the format the dispatcher reads."""
    return {
        "to": to,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "headers": headers or {},
        "message_id": message_id,
        "in_reply_to": in_reply_to,
        "references": references or [],
    }


def _ticket_context(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "number": ticket.number,
        "subject": ticket.subject,
        "customer_name": ticket.customer.name,
        "requester_name": ticket.requester.name,
        "severity_label": Severity(ticket.severity).label,
        "severity": ticket.severity,
        "needs_triage": ticket.needs_triage,
        "received_at_text": format_jst(ticket.received_at),
        "submitted_at_text": format_jst(ticket.submitted_at),
        "first_response_due": ticket.first_response_due,
        "first_response_due_text": format_jst(ticket.first_response_due),
    }


def _enqueue(
    *,
    dedup_key: str,
    ticket: Ticket | None,
    to: list[str],
    key: str,
    context: dict[str, Any],
    purpose: str,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bool]:
    rendered = mail_render(key=key, context=context)
    payload = email_payload(
        to=to,
        rendered=rendered,
        message_id=_message_id_new(ticket=ticket, purpose=purpose),
        in_reply_to=in_reply_to,
        references=references,
        headers={**(headers or {}), **({"X-Helpdesk-Ticket": ticket.number} if ticket else {})},
    )
    row, created = outbox_enqueue(
        channel=EMAIL, dedup_key=dedup_key, payload=payload, ticket=ticket
    )
    return row.payload, created


def acknowledgement_enqueue(
    *, ticket: Ticket, in_reply_to: str | None = None, references: list[str] | None = None
) -> bool:
    """受付確認: the number, received_at and the first-response deadline or 確約なし. It is
    not a first response (DOMAIN.md §8): it records nothing on the ticket."""
    if not ticket.requester.email:
        return False
    _payload, created = _enqueue(
        dedup_key=f"mail:ack:{ticket.pk}",
        ticket=ticket,
        to=[ticket.requester.email],
        key="acknowledgement",
        context=_ticket_context(ticket),
        purpose="ack",
        in_reply_to=in_reply_to,
        references=references,
        headers=_automatic_headers("auto-replied"),
    )
    return created


def reply_enqueue(*, message: Message) -> bool:
    """An agent's reply as mail to the requester, threaded under the customer's last mail;
    its Message-ID is stored on the message so the customer's answer threads back."""
    ticket = message.ticket
    if not ticket.requester.email:
        return False
    references = selectors.thread_message_ids(ticket=ticket)
    in_reply_to = selectors.last_customer_message_id(ticket=ticket)
    context = {**_ticket_context(ticket), "body": message.body, "message": message}
    payload, created = _enqueue(
        dedup_key=f"mail:reply:{message.pk}",
        ticket=ticket,
        to=[ticket.requester.email],
        key="reply",
        context=context,
        purpose=f"reply{message.pk}",
        in_reply_to=in_reply_to,
        references=references,
    )
    Message.objects.filter(pk=message.pk, email_message_id__isnull=True).update(
        email_message_id=payload["message_id"]
    )
    return created


def merged_enqueue(*, ticket: Ticket, original_number: str) -> bool:
    """Tell the requester that a duplicate inquiry continues under its original's number
    (tickets.merge), threaded under the duplicate's mails."""
    if not ticket.requester.email:
        return False
    _payload, created = _enqueue(
        dedup_key=f"mail:merged:{ticket.pk}",
        ticket=ticket,
        to=[ticket.requester.email],
        key=MailTemplate.Key.MERGED,
        context={**_ticket_context(ticket), "original_number": original_number},
        purpose="merged",
        in_reply_to=selectors.last_customer_message_id(ticket=ticket),
        references=selectors.thread_message_ids(ticket=ticket),
    )
    return created


def _mails_customer(ticket: Ticket) -> bool:
    return ticket.channel in settings.MAIL_CUSTOMER_CHANNELS


def on_ticket_event(event: TicketEvent) -> None:
    """TICKET_EVENT_SUBSCRIBERS entry: the mail each event causes, in its transaction.
    SLA alerts (at risk, breached, escalated) are mailed by tickets.escalation itself."""
    ticket = event.ticket
    if event.kind == TicketEvent.Kind.CREATED:
        # Mail-born tickets are acknowledged by the inbound service, in reply to the mail.
        if ticket.channel != Channel.EMAIL and _mails_customer(ticket):
            acknowledgement_enqueue(ticket=ticket)
    elif (
        event.kind == TicketEvent.Kind.MESSAGE_ADDED
        and event.data.get("kind") == Message.Kind.REPLY
        and _mails_customer(ticket)
    ):
        message = Message.objects.select_related("ticket").get(pk=event.data["message_id"])
        reply_enqueue(message=message)
    elif event.kind == TicketEvent.Kind.MERGED and _mails_customer(ticket):
        merged_enqueue(ticket=ticket, original_number=event.data["into"])


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind requesters of tickets waiting on them (Art. 3.4) every MAIL_REMINDER_AFTER_HOURS
    since the desk asked, at most MAIL_REMINDER_MAX times. Each reminder is a ticket event
    with a unique key, so a second worker or a rerun sends nothing twice."""
    now = now or timezone.now()
    interval = datetime.timedelta(hours=settings.MAIL_REMINDER_AFTER_HOURS)
    waiting_events = TicketEvent.objects.filter(
        ticket=OuterRef("pk"),
        kind=TicketEvent.Kind.STATUS_CHANGED,
        data__to=Status.WAITING_ON_CUSTOMER,
    ).order_by("-created_at", "-id")
    tickets = (
        Ticket.objects.filter(
            status=Status.WAITING_ON_CUSTOMER, channel__in=settings.MAIL_CUSTOMER_CHANNELS
        )
        .annotate(
            waiting_event_id=Subquery(waiting_events.values("pk")[:1]),
            waiting_since=Subquery(waiting_events.values("created_at")[:1]),
        )
        .filter(waiting_since__lte=now - interval)
        .values_list("pk", "waiting_event_id", "waiting_since")
    )
    sent = 0
    for ticket_id, waiting_event_id, waiting_since in tickets:
        count = min(int((now - waiting_since) / interval), settings.MAIL_REMINDER_MAX)
        if count >= 1 and _reminder_send(
            ticket_id=ticket_id, waiting_event_id=waiting_event_id, count=count
        ):
            sent += 1
    return sent


@transaction.atomic
def _reminder_send(*, ticket_id: int, waiting_event_id: int, count: int) -> bool:
    ticket = (
        Ticket.objects.select_for_update().select_related("requester", "customer").get(pk=ticket_id)
    )
    dedup_key = f"mail_reminder:{waiting_event_id}:{count}"
    if ticket.status != Status.WAITING_ON_CUSTOMER or not ticket.requester.email:
        return False
    if TicketEvent.objects.filter(ticket=ticket, dedup_key=dedup_key).exists():
        return False
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.REMINDER_SENT,
        data={"mail": "waiting_reminder", "count": count},
        dedup_key=dedup_key,
    )
    _enqueue(
        dedup_key=f"mail:reminder:{waiting_event_id}:{count}",
        ticket=ticket,
        to=[ticket.requester.email],
        key="waiting_reminder",
        context={**_ticket_context(ticket), "count": count},
        purpose=f"reminder{count}",
        in_reply_to=selectors.last_customer_message_id(ticket=ticket),
        references=selectors.thread_message_ids(ticket=ticket),
        headers=_automatic_headers("auto-generated"),
    )
    return True


# ---------------------------------------------------------------------------------------------
# Inbound
# ---------------------------------------------------------------------------------------------


def _inbound_store(
    *, raw: bytes, parsed: parsing.ParsedMail | None, message_id: str, arrived: datetime.datetime
) -> InboundMail:
    """The row of a mail, created once per Message-ID in its own transaction: the bytes are
    safe before anything else is attempted. `received_at` is when the mail reached the
    mailbox, so a held mail reprocessed later is still submitted then (DOMAIN.md §4)."""
    defaults = {
        "raw": raw,
        "from_address": (parsed.from_address if parsed else "")[:320],
        "subject": (parsed.subject if parsed else "")[:998],
        "received_at": arrived,
    }
    try:
        with transaction.atomic():
            inbound, _created = InboundMail.objects.get_or_create(
                message_id=message_id, defaults=defaults
            )
    except IntegrityError:
        # A concurrent delivery of the same mail stored it first.
        inbound = InboundMail.objects.get(message_id=message_id)
    return inbound


def inbound_receive(
    *,
    raw: bytes,
    delivered_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> InboundMail:
    """Take one raw mail, idempotently by Message-ID: the second delivery of a mail changes
    nothing and returns the first one's row. Never raises on a mail's content: a mail that
    cannot be processed is held for an agent with the reason."""
    now = now or timezone.now()
    arrived = min(delivered_at or now, now)
    try:
        parsed = parsing.parse(raw)
        message_id = parsed.message_id
    except Exception as error:
        logger.exception("Unparseable mail")
        message_id = parsing.synthetic_message_id(raw)
        inbound = _inbound_store(raw=raw, parsed=None, message_id=message_id, arrived=arrived)
        _inbound_finish(inbound=inbound, status=InboundStatus.HELD, reason=f"parse_error: {error}")
        return inbound
    inbound = _inbound_store(raw=raw, parsed=parsed, message_id=message_id, arrived=arrived)
    if inbound.status != InboundStatus.RECEIVED:
        return inbound
    try:
        # Before the transaction: a DKIM key lookup may wait on DNS, never while rows are locked.
        verdict = sender_verdict(raw=raw)
        return inbound_process(
            inbound=inbound, parsed=parsed, verdict=verdict, delivered_at=delivered_at, now=now
        )
    except Exception as error:
        # A bug must not lose the mail or block the mailbox: an agent sees it in the held list.
        logger.exception("Processing of %s failed", message_id)
        _inbound_finish(
            inbound=inbound,
            status=InboundStatus.HELD,
            reason=f"processing_error: {type(error).__name__}: {error}",
        )
        inbound.refresh_from_db()
        return inbound


def _inbound_finish(
    *, inbound: InboundMail, status: str, reason: str = "", ticket: Ticket | None = None
) -> None:
    inbound.status = status
    inbound.reason = reason
    inbound.ticket = ticket
    inbound.processed_at = timezone.now()
    inbound.save(
        update_fields=[
            "status",
            "reason",
            "ticket",
            "processed_at",
            "sender_authentication",
            "sender_authentication_detail",
        ]
    )


def sender_verdict(*, raw: bytes) -> authentication.Verdict:
    """Whether the mail's sender is authenticated, under the settings in force."""
    return authentication.sender_authenticate(raw=raw, config=authentication.config_from_settings())


def _verdict_record(inbound: InboundMail, verdict: authentication.Verdict) -> None:
    inbound.sender_authentication = verdict.method or SenderAuthentication.FAILED
    inbound.sender_authentication_detail = verdict.detail[:500]


def _attachments_split(
    attachments: list[parsing.MailAttachment],
) -> tuple[list[ticket_services.AttachmentUpload], list[dict[str, str]]]:
    """The attachments the rules accept (`tickets.attachments`: type from content, size per
    file and per message) as uploads, and the dropped ones with the reason: a refused file
    never costs the customer the mail itself."""
    verdicts = attachment_rules.judge_all(
        [
            (a.filename, a.content_type, a.content[: attachment_rules.SNIFF_BYTES], len(a.content))
            for a in attachments
        ]
    )
    accepted: list[ticket_services.AttachmentUpload] = []
    dropped: list[dict[str, str]] = []
    for attachment, verdict in zip(attachments, verdicts, strict=True):
        if verdict.problem is not None:
            dropped.append({"filename": attachment.filename, "reason": verdict.problem})
            continue
        accepted.append(
            ticket_services.AttachmentUpload(
                filename=attachment.filename,
                content_type=verdict.content_type,
                content=ContentFile(attachment.content, name=attachment.filename),
            )
        )
    return accepted, dropped


def _is_desk_address(address: str) -> bool:
    desk = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), *settings.MAIL_DESK_ADDRESSES}
    return address.lower() in desk


@transaction.atomic
def inbound_process(
    *,
    inbound: InboundMail,
    parsed: parsing.ParsedMail,
    verdict: authentication.Verdict,
    delivered_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> InboundMail:
    """Decide what a stored mail becomes, in one transaction with everything it causes.
    `verdict` says whether its sender is authenticated (`sender_verdict`)."""
    now = now or timezone.now()
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status != InboundStatus.RECEIVED:
        return inbound
    _verdict_record(inbound, verdict)
    known = Message.objects.filter(email_message_id=parsed.message_id).first()
    if known is not None:
        _inbound_finish(
            inbound=inbound,
            status=InboundStatus.DUPLICATE,
            reason="message_id_known",
            ticket=known.ticket,
        )
        return inbound
    ticket = selectors.ticket_for_mail(
        subject_number=parsed.ticket_number, thread_ids=parsed.thread_ids
    )
    if parsed.is_auto or _is_desk_address(parsed.from_address):
        # Recorded, never answered: answering an auto-reply or a bounce starts a mail loop.
        _inbound_finish(
            inbound=inbound,
            status=InboundStatus.IGNORED_AUTO,
            reason=parsed.auto_reason or "from_desk_address",
            ticket=ticket,
        )
        return inbound
    if not parsed.from_address:
        _inbound_finish(inbound=inbound, status=InboundStatus.HELD, reason="no_sender")
        return inbound
    if not verdict.passed:
        # DOMAIN.md §12: held for an agent and never answered — the From address may be
        # forged, and an answer would go to whoever it names (backscatter).
        _inbound_finish(inbound=inbound, status=InboundStatus.HELD, reason=SENDER_UNAUTHENTICATED)
        return inbound
    contacts = selectors.contacts_by_email(address=parsed.from_address)
    if len(contacts) > 1:
        # Whose mail it is is never guessed: the desk finds out and puts the contacts right.
        return _hold(inbound=inbound, parsed=parsed, reason=AMBIGUOUS_SENDER, now=now)
    contact = contacts[0] if contacts else None
    accepted, dropped = _attachments_split(parsed.attachments)
    if ticket is not None:
        return _inbound_thread(
            inbound=inbound,
            parsed=parsed,
            ticket=ticket,
            contact=contact,
            accepted=accepted,
            dropped=dropped,
            now=now,
        )
    return _inbound_open(
        inbound=inbound,
        parsed=parsed,
        contact=contact,
        accepted=accepted,
        dropped=dropped,
        submitted_at=min(delivered_at or now, now),
        now=now,
    )


# Verdicts that stand once given: a DKIM key rotated since, or a setting changed, does not undo
# what was proven (or what an agent verified) when the mail arrived.
_VERDICTS_KEPT = (
    SenderAuthentication.DMARC,
    SenderAuthentication.DKIM,
    SenderAuthentication.RELEASED,
)


def inbound_reprocess(
    *, inbound: InboundMail, actor=None, now: datetime.datetime | None = None
) -> InboundMail:
    """Decide again what a held mail becomes, after an agent fixed what held it (the sender
    added as a global admin, a subscription activated). The clock runs from the mail's arrival
    (DOMAIN.md §4: received when submitted). Still ineligible, it is held again; the sender's
    polite answer is not sent twice (same outbox key). A sender that was not authenticated
    is checked again (the settings may have been put right), outside the transaction."""
    stored = InboundMail.objects.only(
        "raw", "sender_authentication", "sender_authentication_detail"
    ).get(pk=inbound.pk)
    if stored.sender_authentication in _VERDICTS_KEPT:
        verdict = authentication.Verdict(
            method=stored.sender_authentication,
            domain="",
            detail=stored.sender_authentication_detail,
        )
    else:
        verdict = sender_verdict(raw=bytes(stored.raw))
    return _inbound_reprocess(inbound=inbound, verdict=verdict, actor=actor, now=now)


@transaction.atomic
def _inbound_reprocess(
    *,
    inbound: InboundMail,
    verdict: authentication.Verdict,
    actor=None,
    now: datetime.datetime | None = None,
) -> InboundMail:
    now = now or timezone.now()
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status != InboundStatus.HELD:
        raise MailNotHeld(fields={"status": [MailNotHeld.code]})
    parsed = parsing.parse(bytes(inbound.raw))
    inbound.status = InboundStatus.RECEIVED
    history_user_set(inbound, actor if getattr(actor, "is_authenticated", False) else None)
    inbound.save(update_fields=["status"])
    return inbound_process(
        inbound=inbound, parsed=parsed, verdict=verdict, delivered_at=inbound.received_at, now=now
    )


@transaction.atomic
def inbound_release(
    *,
    inbound: InboundMail,
    actor,
    method: str,
    reason: str,
    now: datetime.datetime | None = None,
) -> InboundMail:
    """An agent checked with the sender (a call-back to the contact's registered number) that
    a mail held as sender_unauthenticated is really theirs: the mail then opens or joins a
    ticket as if authenticated, received when it arrived. Who, when, how and why are kept on
    the mail and in its history, and the ticket's timeline shows the release."""
    now = now or timezone.now()
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status != InboundStatus.HELD or inbound.reason != SENDER_UNAUTHENTICATED:
        raise MailNotUnauthenticated(fields={"status": [MailNotUnauthenticated.code]})
    if not reason.strip():
        raise ReleaseReasonRequired(fields={"reason": [ReleaseReasonRequired.code]})
    if method not in RELEASE_METHODS:
        raise ReleaseReasonRequired(fields={"method": ["invalid_choice"]})
    inbound.released_at = now
    inbound.released_by = actor if getattr(actor, "is_authenticated", False) else None
    inbound.release_method = method
    inbound.release_reason = reason.strip()
    inbound.status = InboundStatus.RECEIVED
    history_user_set(inbound, inbound.released_by)
    inbound.save(
        update_fields=["released_at", "released_by", "release_method", "release_reason", "status"]
    )
    verdict = authentication.Verdict(
        method=SenderAuthentication.RELEASED,
        domain="",
        detail=f"released by {actor.get_username()}" if inbound.released_by else "released",
    )
    return inbound_process(
        inbound=inbound,
        parsed=parsing.parse(bytes(inbound.raw)),
        verdict=verdict,
        delivered_at=inbound.received_at,
        now=now,
    )


def _release_event_record(*, inbound: InboundMail, ticket: Ticket) -> None:
    """The ticket's timeline says that this mail came in on an agent's release, by whom,
    how and why (the release itself is in the mail's history)."""
    if inbound.released_at is None:
        return
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.MAIL_RELEASED,
        actor=inbound.released_by,
        data={
            "inbound_mail_id": inbound.pk,
            "method": inbound.release_method,
            "reason": inbound.release_reason,
        },
        dedup_key=f"mail_released:{inbound.pk}",
    )


# Why a mail was held, as the answer to the sender explains it: who may ask (Art. 3.2), or no
# subscription / contract in force (Art. 5, 7); anything else is left to an agent's review.
_HELD_SENDER_REASONS = ("unknown_sender", "not_global_admin", "requester_not_global_admin")
_HELD_SUBSCRIPTION_REASONS = ("subscription_not_active", "no_active_contract")


def _held_reason_kind(reason: str) -> str:
    code = reason.split(" ", 1)[0]
    if code in _HELD_SENDER_REASONS:
        return "sender"
    if code in _HELD_SUBSCRIPTION_REASONS:
        return "subscription"
    if code == RequesterNotVerified.code:
        return "verification"
    return "other"


def _hold(
    *, inbound: InboundMail, parsed: parsing.ParsedMail, reason: str, now: datetime.datetime
) -> InboundMail:
    """Keep the mail for an agent and answer the sender politely, in Japanese and English,
    who may ask and how (Art. 3.2) — at most MAIL_HELD_REPLIES_PER_DAY times a day per
    address, so a misbehaving autoresponder cannot start a loop."""
    _inbound_finish(inbound=inbound, status=InboundStatus.HELD, reason=reason)
    replies_today = InboundMail.objects.filter(
        status=InboundStatus.HELD,
        from_address=inbound.from_address,
        received_at__gte=now - datetime.timedelta(days=1),
    ).count()
    if replies_today > settings.MAIL_HELD_REPLIES_PER_DAY:
        logger.warning("Held reply to %s not sent: daily limit", inbound.from_address)
        return inbound
    _enqueue(
        dedup_key=f"mail:held:{inbound.pk}",
        ticket=None,
        to=[parsed.from_address],
        key="held",
        context={
            "subject": parsed.subject,
            "sender_name": parsed.from_name,
            "reason": reason,
            "reason_kind": _held_reason_kind(reason),
        },
        purpose=f"held{inbound.pk}",
        in_reply_to=parsed.message_id,
        references=[*parsed.references, parsed.message_id],
        headers=_automatic_headers("auto-replied"),
    )
    return inbound


def _dropped_note(
    *,
    inbound: InboundMail,
    parsed: parsing.ParsedMail,
    ticket: Ticket,
    dropped: list[dict[str, str]],
) -> None:
    """Tell the sender, and the agents in an internal note, which attachments were dropped."""
    if not dropped:
        return
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    reasons = {
        "too_large": "サイズ超過 / too large",
        "total_too_large": "合計サイズ超過 / total too large",
    }
    lines = [
        f"- {item['filename']}: {reasons.get(item['reason'], '種類 / type not accepted')}"
        for item in dropped
    ]
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.INTERNAL_NOTE,
        body="メールの添付ファイルを破棄しました / Attachments dropped:\n" + "\n".join(lines),
        move_status=False,
    )
    _enqueue(
        dedup_key=f"mail:dropped:{inbound.pk}",
        ticket=ticket,
        to=[parsed.from_address],
        key="attachments_dropped",
        context={
            **_ticket_context(ticket),
            "dropped": dropped,
            "limit_mb": limit_mb,
            "total_limit_mb": settings.ATTACHMENT_MAX_TOTAL_BYTES // (1024 * 1024),
            "allowed_types": settings.ATTACHMENT_ALLOWED_TYPES,
        },
        purpose=f"dropped{inbound.pk}",
        in_reply_to=parsed.message_id,
        references=[*parsed.references, parsed.message_id],
        headers=_automatic_headers("auto-replied"),
    )


def _inbound_thread(
    *,
    inbound: InboundMail,
    parsed: parsing.ParsedMail,
    ticket: Ticket,
    contact: Contact | None,
    accepted: list[ticket_services.AttachmentUpload],
    dropped: list[dict[str, str]],
    now: datetime.datetime,
) -> InboundMail:
    """A reply on a ticket: from a person who may ask about its customer (Art. 3.2), whose
    address is known to be theirs (DOMAIN.md §12)."""
    reason = "unknown_sender" if contact is None else ""
    if contact is not None:
        try:
            eligibility.check_requester(requester=contact, customer=ticket.customer)
        except RequesterNotVerified as error:
            reason = error.code
        except DomainError:
            reason = "not_global_admin"
    if reason:
        return _hold(inbound=inbound, parsed=parsed, reason=f"{reason} ({ticket.number})", now=now)
    author = contact
    body = parsing.strip_quoted(parsed.text) or "（本文なし / no text）"
    try:
        with transaction.atomic():
            ticket_services.message_add(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                body=body,
                author_contact=author,
                attachments=accepted,
                email_message_id=parsed.message_id,
                now=now,
            )
    except DomainError as error:
        return _hold(inbound=inbound, parsed=parsed, reason=error.code, now=now)
    _dropped_note(inbound=inbound, parsed=parsed, ticket=ticket, dropped=dropped)
    _release_event_record(inbound=inbound, ticket=ticket)
    _inbound_finish(
        inbound=inbound,
        status=InboundStatus.THREADED,
        reason=_dropped_reason(dropped),
        ticket=ticket,
    )
    return inbound


def _dropped_reason(dropped: list[dict[str, str]]) -> str:
    return "; ".join(f"dropped {item['filename']}: {item['reason']}" for item in dropped)


def _category_for(subscription) -> str:
    in_scope = eligibility.categories_in_scope(subscription.product)
    for category in _CATEGORY_PREFERENCE:
        if category in in_scope:
            return category
    return sorted(in_scope)[0] if in_scope else Category.STANDARD_FEATURE


def _inbound_open(
    *,
    inbound: InboundMail,
    parsed: parsing.ParsedMail,
    contact: Contact | None,
    accepted: list[ticket_services.AttachmentUpload],
    dropped: list[dict[str, str]],
    submitted_at: datetime.datetime,
    now: datetime.datetime,
) -> InboundMail:
    """A new inquiry from a known global admin opens a ticket on the customer's active
    subscription; anyone else is held and answered (Art. 3.2)."""
    if contact is None or not contact.is_global_admin:
        return _hold(
            inbound=inbound,
            parsed=parsed,
            reason="unknown_sender" if contact is None else "not_global_admin",
            now=now,
        )
    requester = contact
    customer = selectors.customer_for_contact(contact=requester, text=parsed.text)
    if customer is None:
        return _hold(inbound=inbound, parsed=parsed, reason="customer_unknown", now=now)
    subscription = selectors.subscription_for_mail(customer=customer, at=submitted_at)
    if subscription is None:
        return _hold(inbound=inbound, parsed=parsed, reason="subscription_not_active", now=now)
    severity = parsed.severity or Severity.NON_CRITICAL
    try:
        with transaction.atomic():
            ticket = ticket_services.ticket_open(
                customer=customer,
                subscription=subscription,
                requester=requester,
                severity=severity,
                category=_category_for(subscription),
                subject=(parsed.subject or "（件名なし / no subject）")[:255],
                description=parsed.text or "（本文なし / no text）",
                channel=Channel.EMAIL,
                submitted_at=submitted_at,
                now=now,
                needs_triage=parsed.severity is None,
            )
            if accepted:
                ticket_services.message_add(
                    ticket=ticket,
                    kind=Message.Kind.CUSTOMER,
                    body="お問い合わせメールの添付ファイル / Attachments of the inquiry mail",
                    author_contact=requester,
                    attachments=accepted,
                    now=now,
                    move_status=False,
                )
    except DomainError as error:
        return _hold(inbound=inbound, parsed=parsed, reason=error.code, now=now)
    _inbound_finish(
        inbound=inbound,
        status=InboundStatus.TICKET_OPENED,
        reason=_dropped_reason(dropped),
        ticket=ticket,
    )
    _release_event_record(inbound=inbound, ticket=ticket)
    acknowledgement_enqueue(
        ticket=ticket,
        in_reply_to=parsed.message_id,
        references=[*parsed.references, parsed.message_id],
    )
    _dropped_note(inbound=inbound, parsed=parsed, ticket=ticket, dropped=dropped)
    return inbound
