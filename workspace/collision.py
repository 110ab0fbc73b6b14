"""Never reply twice (二重対応防止): what changed on a ticket since an agent's page was loaded.

The ticket page carries the id of the last event it showed (`ticket_version`); a reply
posted with an older id is not sent (`changes_since` is not empty) until the agent has seen
the changes and confirms. Events are the ticket's single record of change (tickets.events),
so anything that changed the ticket counts, except the deadline sweeps' own marks, which
change no one's answer."""

from __future__ import annotations

from django.db.models import QuerySet

from tickets.models import Message, Ticket, TicketEvent

# Written by the worker on the clock alone: they do not make a written reply stale.
_CLOCK_EVENTS = frozenset(
    {TicketEvent.Kind.AT_RISK, TicketEvent.Kind.BREACHED, TicketEvent.Kind.ESCALATED}
)


def ticket_version(*, events: list[TicketEvent]) -> int:
    """The version of a ticket as a page shows it: its last event's id (0 when none)."""
    return max((event.pk for event in events), default=0)


def ticket_version_current(*, ticket: Ticket) -> int:
    last = ticket.events.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def changes_since(*, ticket: Ticket, version: int) -> QuerySet[TicketEvent]:
    """The events after `version` that make a reply written before them stale."""
    return (
        ticket.events.filter(id__gt=version)
        .exclude(kind__in=_CLOCK_EVENTS)
        .select_related("actor")
        .order_by("id")
    )


def messages_since(*, events: list[TicketEvent], include_internal: bool = True) -> list[Message]:
    """The messages those events added, to show the agent what was written meanwhile."""
    ids = [
        event.data.get("message_id")
        for event in events
        if event.kind == TicketEvent.Kind.MESSAGE_ADDED and event.data.get("message_id")
    ]
    messages = Message.objects.filter(id__in=ids).select_related("author_user", "author_contact")
    if not include_internal:
        messages = messages.exclude(kind=Message.Kind.INTERNAL_NOTE)
    return list(messages.order_by("created_at", "id"))


class StaleReply(Exception):
    """A reply written on an older version of the ticket (not a domain error: nothing is
    wrong with the reply, it waits for the agent's confirmation)."""

    def __init__(self, changes: list[TicketEvent]) -> None:
        super().__init__("stale reply")
        self.changes = changes
