"""Writes of tickets: intake on every channel, the workflow, messages and the first response.

Every function is keyword-only, runs in one transaction, records its events, and raises a
named `DomainError` on a rule of the terms."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Profile
from contracts.models import Contact, Customer, Subscription
from contracts.selectors import contract_for
from helpdesk.history import history_user_set
from search import services as search_services
from sla.deadlines import SlaState
from tickets import attachments as attachment_rules
from tickets import clocks, eligibility, escalation, notices, targets
from tickets.events import event_record
from tickets.exceptions import (
    AttachmentRejected,
    InvalidTransition,
    NoActiveContract,
    ReasonRequired,
    SubmittedInFuture,
    TicketMergedElsewhere,
)
from tickets.models import (
    Attachment,
    Message,
    RefusalReason,
    Status,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from tickets.workflow import can_transition

Kind = TicketEvent.Kind


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(instance, actor, **kwargs) -> None:
    """Save with the acting user on the history row (outside a request too)."""
    history_user_set(instance, _actor_or_none(actor))
    instance.save(**kwargs)


def ticket_number_next(*, year: int) -> str:
    """CS-<year>-<6 digits>, gap-free per year: the row lock serialises concurrent intakes."""
    TicketSequence.objects.get_or_create(year=year)
    sequence = TicketSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"CS-{year}-{sequence.last_number:06d}"


@dataclass(frozen=True)
class AttachmentUpload:
    """A file to attach: from a form, the API or a mail part."""

    filename: str
    content_type: str
    content: File  # an UploadedFile from a form or the API, a ContentFile from a mail part

    @property
    def size(self) -> int:
        size = self.content.size
        assert size is not None, "an upload and a mail part both know their length"
        return size


def attachment_filename(name: str, *, max_chars: int = 100, max_bytes: int = 200) -> str:
    """A file name the column (255 characters) and the file system (255 bytes a name, with
    room for the storage's de-duplicating suffix) both take: a longer one keeps its extension
    and loses the end of its stem; NUL, which PostgreSQL refuses, is dropped."""
    name = name.replace("\x00", "").strip()
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:
        stem, ext = name, ""
    stem = stem[: max_chars - len(ext)]
    while stem and len((stem + ext).encode()) > max_bytes:
        stem = stem[:-1]
    return (stem or "attachment") + ext


def attachments_check(uploads: Sequence[AttachmentUpload]) -> list[AttachmentUpload]:
    """The uploads with their type read from their content (`tickets.attachments`), or
    AttachmentRejected naming each file refused and why: a type not accepted, a file over
    ATTACHMENT_MAX_BYTES, or the message's files together over ATTACHMENT_MAX_TOTAL_BYTES."""
    verdicts = attachment_rules.judge_all(
        [
            (
                upload.filename,
                upload.content_type,
                attachment_rules.file_head(upload.content),
                upload.size,
            )
            for upload in uploads
        ]
    )
    refused = [verdict for verdict in verdicts if verdict.problem is not None]
    if refused:
        japanese, english = attachment_rules.problem_texts(refused)
        raise AttachmentRejected(
            f"添付ファイルを受け付けられません: {japanese}。",
            f"Attachments refused: {english}.",
            fields={"attachments": [f"{v.filename}: {v.problem}" for v in refused]},
        )
    return [
        replace(upload, content_type=verdict.content_type)
        for upload, verdict in zip(uploads, verdicts, strict=True)
    ]


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    subscription: Subscription,
    requester: Contact,
    severity: str,
    category: str,
    subject: str,
    description: str,
    channel: str,
    actor=None,
    submitted_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    needs_triage: bool = False,
    idempotency_key: str | None = None,
    assignee=None,
) -> Ticket:
    """Open a ticket on any channel, after the terms' intake rules (each its own error code).

    `submitted_at` defaults to now and is never in the future; received_at, the deadline and
    the policy come from the SLA engine and are frozen on the ticket with the contract."""
    now = now or timezone.now()
    submitted_at = submitted_at or now
    if submitted_at > now:
        raise SubmittedInFuture(fields={"submitted_at": [SubmittedInFuture.code]})
    eligibility.check_eligibility(
        customer=customer,
        subscription=subscription,
        requester=requester,
        category=category,
        at=submitted_at,
    )
    local_day = timezone.localtime(submitted_at).date()
    contract = contract_for(customer=customer, on=local_day)
    if contract is None:
        raise NoActiveContract(fields={"customer": [NoActiveContract.code]})

    ticket = Ticket(
        number=ticket_number_next(year=timezone.localtime(submitted_at).year),
        reseller_id=customer.reseller_id,
        customer=customer,
        subscription=subscription,
        requester=requester,
        contract=contract,
        plan=contract.plan,
        channel=channel,
        severity=severity,
        needs_triage=needs_triage,
        category=category,
        subject=subject,
        description=description,
        submitted_at=submitted_at,
        created_by=_actor_or_none(actor),
        idempotency_key=idempotency_key,
        assignee=assignee,
        last_customer_activity_at=submitted_at,
    )
    deadline = clocks.first_response_start(ticket=ticket, at=submitted_at)
    _save(ticket, actor)
    search_services.search_document_rebuild(ticket=ticket)
    event_record(
        ticket=ticket,
        kind=Kind.CREATED,
        actor=actor,
        data={
            "channel": channel,
            "severity": severity,
            "received_at": deadline.received_at.isoformat(),
            "first_response_due": ticket.first_response_due.isoformat()
            if ticket.first_response_due
            else None,
        },
    )
    targets.targets_open(ticket=ticket, now=now, actor=actor)
    return ticket


def ticket_find_idempotent(*, reseller_id: int, idempotency_key: str) -> Ticket | None:
    return Ticket.objects.filter(reseller_id=reseller_id, idempotency_key=idempotency_key).first()


def ticket_open_idempotent(*, idempotency_key: str, **kwargs) -> tuple[Ticket, bool]:
    """`ticket_open` keyed by a client's Idempotency-Key: a retry returns the first ticket."""
    reseller_id = kwargs["customer"].reseller_id
    existing = ticket_find_idempotent(reseller_id=reseller_id, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    try:
        return ticket_open(idempotency_key=idempotency_key, **kwargs), True
    except IntegrityError:
        # A concurrent retry won the race: answer with its ticket.
        existing = ticket_find_idempotent(reseller_id=reseller_id, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False


def _stamp_status(ticket: Ticket, target: str, now: datetime.datetime) -> None:
    if target == Status.RESOLVED:
        ticket.resolved_at = now
    elif target == Status.CLOSED:
        ticket.closed_at = now
    elif target == Status.IN_PROGRESS and ticket.status in (Status.RESOLVED, Status.CLOSED):
        # Reopened: the ticket is live again.
        ticket.resolved_at = None
        ticket.closed_at = None


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    to: str,
    actor=None,
    now: datetime.datetime | None = None,
    note: str = "",
    changes: dict[str, object] | None = None,
) -> Ticket:
    """The one way to change a ticket's status: the workflow table decides, else
    InvalidTransition. `changes` are other fields set in the same save (a refusal's reason)."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == to or not can_transition(ticket.status, to):
        raise InvalidTransition(
            f"「{ticket.get_status_display()}」から「{Status(to).label}」には変更できません。",
            f"A ticket cannot move from {ticket.status} to {to}.",
            fields={"status": [InvalidTransition.code]},
        )
    previous = ticket.status
    data: dict[str, object] = {"from": previous, "to": to, "note": note}
    # Reopened unanswered after its clock stopped in time, and the deadline has passed since:
    # nothing was owed while it was finished, so a new clock starts now (as §9 does for a
    # severity change). A deadline still ahead stands.
    # (STOPPED means a deadline that was not reached, so there is one.)
    due = ticket.first_response_due
    passed_due = (
        due
        if to == Status.IN_PROGRESS
        and previous in (Status.RESOLVED, Status.CLOSED)
        and clocks.first_response_state(ticket=ticket, now=now) == SlaState.STOPPED
        and due is not None
        and due <= now
        else None
    )
    _stamp_status(ticket, to, now)
    ticket.status = to
    for field, value in (changes or {}).items():
        setattr(ticket, field, value)
    if passed_due is not None:
        data["previous_due"] = passed_due.isoformat()
        clocks.first_response_restart(ticket=ticket, now=now)
        data["first_response_due"] = (
            ticket.first_response_due.isoformat() if ticket.first_response_due else None
        )
    _save(ticket, actor)
    event_record(ticket=ticket, kind=Kind.STATUS_CHANGED, actor=actor, data=data)
    targets.targets_on_status(ticket=ticket, previous=previous, now=now, actor=actor)
    return ticket


def ticket_resolve(*, ticket: Ticket, actor=None, now=None) -> Ticket:
    return ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=actor, now=now)


def ticket_close(*, ticket: Ticket, actor=None, now=None) -> Ticket:
    return ticket_transition(ticket=ticket, to=Status.CLOSED, actor=actor, now=now)


def ticket_reopen(*, ticket: Ticket, actor=None, now=None) -> Ticket:
    return ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=actor, now=now)


@transaction.atomic
def ticket_wait_on_microsoft(*, ticket: Ticket, case_number: str, actor=None, now=None) -> Ticket:
    case_number = case_number.strip()
    if not case_number:
        raise ReasonRequired(
            "Microsoft のケース番号を入力してください。",
            "Microsoft's case number is required.",
            fields={"microsoft_case_number": [ReasonRequired.code]},
        )
    ticket = ticket_transition(
        ticket=ticket,
        to=Status.WAITING_ON_MICROSOFT,
        actor=actor,
        now=now,
        note=case_number,
        changes={"microsoft_case_number": case_number},
    )
    search_services.search_document_rebuild(ticket=ticket)  # the case number is searchable
    return ticket


@transaction.atomic
def ticket_refuse(
    *,
    ticket: Ticket,
    reason: str,
    note: str,
    actor=None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Art. 3.5: refuse at reception or stop an investigation, with a reason from the list and
    a message to the requester (which is a public reply)."""
    if reason not in RefusalReason.values:
        raise ReasonRequired(fields={"refusal_reason": [ReasonRequired.code]})
    if not note.strip():
        raise ReasonRequired(fields={"refusal_note": [ReasonRequired.code]})
    now = now or timezone.now()
    ticket = ticket_transition(
        ticket=ticket,
        to=Status.REFUSED,
        actor=actor,
        now=now,
        note=reason,
        changes={"refusal_reason": reason, "refusal_note": note.strip()},
    )
    message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body=note.strip(),
        author_user=actor,
        actor=actor,
        now=now,
        move_status=False,
    )
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee, actor=None, organisation=None) -> Ticket:
    """Give the ticket to `assignee` (None: unassigned) and to `organisation`, by default the
    assignee's own. The organisation decides who sees the ticket (Art. 12): unassigning, or
    giving it to someone of no subcontractor, takes it away from the subcontractor that had it."""
    # The previous assignee is read with the row (its notice, tickets.notices); only the
    # ticket's row is locked (PostgreSQL locks no nullable side of an outer join).
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ticket.pk)
    )
    previous = ticket.assignee_id
    previous_user = ticket.assignee
    ticket.assignee = assignee
    if organisation is None and assignee is not None:
        profile = Profile.objects.filter(user_id=assignee.pk).only("organisation_id").first()
        organisation_id = profile.organisation_id if profile is not None else None
    else:
        organisation_id = organisation.pk if organisation is not None else None
    ticket.assigned_organisation_id = organisation_id
    _save(ticket, actor)
    event_record(
        ticket=ticket,
        kind=Kind.ASSIGNED,
        actor=actor,
        data={
            "from": previous,
            "to": assignee.pk if assignee else None,
            "organisation": ticket.assigned_organisation_id,
        },
    )
    notices.notify_assignment(ticket=ticket, previous=previous_user, assignee=assignee, actor=actor)
    return ticket


@transaction.atomic
def ticket_change_severity(
    *,
    ticket: Ticket,
    severity: str,
    reason: str,
    actor=None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Change the severity, with a reason. Before the first response the deadline is
    recomputed as if received at the moment of the change, under the same contract
    (DOMAIN.md §9), whatever the status (the sweeps leave closed tickets alone, and a reopened
    one must not keep the old severity's clock); after it, the first response stands and
    nothing is recomputed. The internal targets are re-timed from their own starts under the
    new severity (`targets.targets_on_severity`). Confirming the current severity only clears
    the triage flag."""
    if not reason.strip():
        raise ReasonRequired(fields={"reason": [ReasonRequired.code]})
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if severity == ticket.severity:
        if ticket.needs_triage:
            ticket.needs_triage = False
            _save(ticket, actor)
            event_record(
                ticket=ticket,
                kind=Kind.UPDATED,
                actor=actor,
                data={"field": "needs_triage", "from": True, "to": False, "reason": reason.strip()},
            )
        return ticket
    previous = {
        "severity": ticket.severity,
        "first_response_due": ticket.first_response_due.isoformat()
        if ticket.first_response_due
        else None,
    }
    ticket.severity = severity
    ticket.needs_triage = False
    if ticket.first_responded_at is None:
        clocks.first_response_restart(ticket=ticket, now=now)
    _save(ticket, actor)
    # The internal targets are re-timed whatever the first response: from their own starts.
    targets.targets_on_severity(ticket=ticket, now=now, actor=actor)
    event_record(
        ticket=ticket,
        kind=Kind.SEVERITY_CHANGED,
        actor=actor,
        data={
            "from": previous["severity"],
            "to": severity,
            "reason": reason.strip(),
            "at": now.isoformat(),
            "previous_due": previous["first_response_due"],
            "first_response_due": ticket.first_response_due.isoformat()
            if ticket.first_response_due
            else None,
        },
    )
    return ticket


@transaction.atomic
def ticket_update_subject(*, ticket: Ticket, subject: str, actor=None) -> Ticket:
    subject = subject.strip()
    if not subject:
        raise ReasonRequired(
            "件名を入力してください。", "The subject is required.", fields={"subject": ["blank"]}
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.subject == subject:
        return ticket
    previous = ticket.subject
    ticket.subject = subject
    _save(ticket, actor, update_fields=["subject", "updated_at"])
    search_services.search_document_rebuild(ticket=ticket)
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.UPDATED,
        actor=actor,
        data={"field": "subject", "from": previous, "to": subject},
    )
    return ticket


def _counts_as_first_response(kind: str, direction: str) -> bool:
    """DOMAIN.md §8: a public reply by an agent, or a phone call logged as made."""
    return kind == Message.Kind.REPLY or (
        kind == Message.Kind.PHONE_CALL and direction == Message.Direction.OUTBOUND
    )


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    kind: str,
    body: str,
    author_user=None,
    author_contact: Contact | None = None,
    direction: str = "",
    requests_information: bool = False,
    attachments: Iterable[AttachmentUpload] = (),
    actor=None,
    now: datetime.datetime | None = None,
    email_message_id: str | None = None,
    move_status: bool = True,
) -> Message:
    """Add a message to the thread and apply what it means for the ticket:
    - the first reply to the requester (or an outbound call) sets first_responded_at, once;
    - a reply that requests information or logs moves the ticket to waiting_on_customer
      (Art. 3.4), and the customer's answer moves it back to in_progress;
    - the first agent reply moves a new ticket to in_progress."""
    uploads = attachments_check(list(attachments))
    if not body.strip():
        raise ReasonRequired(
            "本文を入力してください。",
            "The message body is required.",
            fields={"body": [ReasonRequired.code]},
        )
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.merged_into_id is not None:
        # A message on a merged duplicate (a customer's mail to its old number) joins the
        # original, where the thread now is (tickets.merge); a user who may not see the
        # original (a subcontractor) is refused, not sent where it cannot follow.
        original = Ticket.objects.select_for_update().get(pk=ticket.merged_into_id)
        writer = _actor_or_none(author_user)
        if writer is not None and not permissions.may_see_ticket(writer, original):
            raise TicketMergedElsewhere(fields={"body": [TicketMergedElsewhere.code]})
        ticket = original
    message = Message(
        ticket=ticket,
        kind=kind,
        direction=direction if kind == Message.Kind.PHONE_CALL else "",
        author_user=_actor_or_none(author_user),
        author_contact=author_contact,
        body=body,
        requests_information=requests_information and kind == Message.Kind.REPLY,
        email_message_id=email_message_id,
    )
    _save(message, actor)
    for upload in uploads:
        filename = attachment_filename(upload.filename)
        attachment = Attachment(
            message=message,
            filename=filename,
            content_type=upload.content_type,
            size=upload.size,
        )
        attachment.file.save(filename, upload.content, save=False)
        _save(attachment, actor)
    search_services.search_document_add_text(
        ticket=ticket, text=body, internal=kind == Message.Kind.INTERNAL_NOTE
    )
    # Every message is an update of the ticket (the queues' 最終更新 and unread markers), and
    # one from the customer's side is their latest activity; no history row for either.
    touched: dict[str, datetime.datetime] = {"updated_at": now}
    if kind == Message.Kind.CUSTOMER or (
        kind == Message.Kind.PHONE_CALL and message.direction == Message.Direction.INBOUND
    ):
        touched["last_customer_activity_at"] = now
    Ticket.objects.filter(pk=ticket.pk).update(**touched)
    for field_name, value in touched.items():
        setattr(ticket, field_name, value)
    if kind == Message.Kind.CUSTOMER:
        notices.notify_customer_replied(ticket=ticket, body=body)
    event_record(
        ticket=ticket,
        kind=Kind.MESSAGE_ADDED,
        actor=actor,
        data={"message_id": message.pk, "kind": kind, "direction": message.direction},
    )

    changed = False
    if ticket.first_responded_at is None and _counts_as_first_response(kind, message.direction):
        ticket.first_responded_at = now
        ticket.first_response_business_seconds = clocks.business_seconds_elapsed(
            ticket.received_at, now
        )
        ticket.next_escalation_at = None  # a first response stops further levels
        changed = True
        # A late answer the sweep had not caught still leaves the breach on record.
        escalation.breach_record_on_late_response(ticket=ticket, now=now)
        event_record(
            ticket=ticket,
            kind=Kind.FIRST_RESPONSE,
            actor=actor,
            data={
                "message_id": message.pk,
                "at": now.isoformat(),
                "on_time": ticket.first_response_due is None or now <= ticket.first_response_due,
            },
            dedup_key="first_response",
        )
    if changed:
        _save(ticket, actor)

    if (
        move_status
        and kind == Message.Kind.CUSTOMER
        and ticket.status in (Status.RESOLVED, Status.CLOSED)
    ):
        # The customer writes again on a finished ticket: it goes back to the desk's queue
        # rather than sitting unseen (a refusal stands; an agent may reopen it).
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=actor, now=now)
    elif move_status and ticket.is_open:
        target = None
        if kind == Message.Kind.REPLY and message.requests_information:
            target = Status.WAITING_ON_CUSTOMER
        else:
            customer_answered = (
                kind == Message.Kind.CUSTOMER and ticket.status == Status.WAITING_ON_CUSTOMER
            )
            first_answer = ticket.status == Status.NEW and _counts_as_first_response(
                kind, message.direction
            )
            if customer_answered or first_answer:
                target = Status.IN_PROGRESS
        if target is not None and target != ticket.status:
            ticket_transition(ticket=ticket, to=target, actor=actor, now=now)
    # The internal targets, once the status says where the ticket stands (a pause ended).
    current = Ticket.objects.get(pk=ticket.pk)
    if kind == Message.Kind.CUSTOMER:
        targets.targets_on_customer_message(ticket=current, now=now, actor=actor)
    elif _counts_as_first_response(kind, message.direction):
        targets.targets_on_agent_reply(ticket=current, now=now, actor=actor)
    return message
