"""The message of "the other side" through the API: the customer's reply for a reseller, the
desk's reply for an agent."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from tickets.exceptions import TicketClosed
from tickets.models import Message, Status, Ticket
from tickets.services import AttachmentUpload, message_add


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
