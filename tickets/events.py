"""Ticket events: written in the transaction of the change they record.

After writing an event, `event_record` hands it to each function named in the setting
`TICKET_EVENT_SUBSCRIBERS` (dotted paths), still inside the transaction: that is how
webhooks and mail put their outbox rows next to the change, with no signals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from tickets.models import Ticket, TicketEvent


@cache
def event_subscribers() -> tuple[Callable[[TicketEvent], object], ...]:
    """The functions of settings.TICKET_EVENT_SUBSCRIBERS, imported once."""
    return tuple(import_string(path) for path in getattr(settings, "TICKET_EVENT_SUBSCRIBERS", ()))


def events_fan_out(events: Sequence[TicketEvent]) -> None:
    """Hand recorded events to every subscriber, inside the current transaction. A subscriber
    with a `many` attribute takes a whole batch at once (events written in bulk), so its reads
    do not grow with the batch."""
    if not events:
        return
    for subscriber in event_subscribers():
        many = getattr(subscriber, "many", None)
        if many is not None:
            many(events)
        else:
            for event in events:
                subscriber(event)


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    actor=None,
    data: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data=data or {},
        dedup_key=dedup_key,
    )
    events_fan_out([event])
    return event
