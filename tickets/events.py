"""Ticket events: written in the transaction of the change they record.

After writing an event, `event_record` hands it to each function named in the setting
`TICKET_EVENT_SUBSCRIBERS` (dotted paths), still inside the transaction: that is how
webhooks and mail put their outbox rows next to the change, with no signals."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from tickets.models import Ticket, TicketEvent


@cache
def _subscribers() -> tuple:
    return tuple(import_string(path) for path in getattr(settings, "TICKET_EVENT_SUBSCRIBERS", ()))


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
    for subscriber in _subscribers():
        subscriber(event)
    return event
