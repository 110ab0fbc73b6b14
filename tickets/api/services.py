"""Writes the reseller API needs beyond `tickets.services`: a subject edit, and the message
of "the other side" (the customer's reply for a reseller, the desk's reply for an agent)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from tickets.events import event_record
from tickets.exceptions import ReasonRequired, TicketClosed
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import AttachmentUpload, message_add


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
    ticket._history_user = actor if getattr(actor, "is_authenticated", False) else None
    ticket.save(update_fields=["subject", "updated_at"])
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.UPDATED,
        actor=actor,
        data={"field": "subject", "from": previous, "to": subject},
    )
    return ticket


@transaction.atomic
def message_add_from_api(
    *,
    ticket: Ticket,
    body: str,
    attachments: Sequence[AttachmentUpload] = (),
    actor,
    from_desk: bool,
) -> Message:
    """A reseller's message is the customer side's (by the requester): answering a ticket
    waiting on the customer moves it back to in_progress (`message_add`). A desk user's is a
    public reply. A closed ticket takes no more messages: the reseller opens a new ticket."""
    if ticket.status == Status.CLOSED:
        raise TicketClosed(fields={"ticket": [TicketClosed.code]})
    if from_desk:
        return message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body=body,
            author_user=actor,
            attachments=attachments,
            actor=actor,
        )
    return message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body=body,
        author_contact=ticket.requester,
        attachments=attachments,
        actor=actor,
    )
