"""Backfill where each first-response clock started (issue 11): the submission, or the last
restart the timeline records — a severity change before the first response (DOMAIN.md §9,
its event carries the moment of the change) or a reopening after the deadline (its status
event carries the previous deadline). Reversible: backwards leaves the column to be dropped."""

from __future__ import annotations

import datetime

from django.db import migrations


def _moment(value: object, fallback: datetime.datetime) -> datetime.datetime:
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return fallback
    return fallback


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    starts: dict[int, datetime.datetime] = {}
    restarts = TicketEvent.objects.filter(kind__in=["severity_changed", "status_changed"])
    for event in restarts.order_by("created_at", "id").iterator(chunk_size=2000):
        if event.kind == "status_changed" and "previous_due" not in (event.data or {}):
            continue
        moment = _moment((event.data or {}).get("at"), event.created_at)
        starts[event.ticket_id] = max(starts.get(event.ticket_id, moment), moment)
    batch = []
    for ticket in Ticket.objects.filter(first_response_started_at__isnull=True).iterator(
        chunk_size=2000
    ):
        started = ticket.submitted_at
        restart = starts.get(ticket.pk)
        # A severity change after the first response restarted nothing.
        if restart is not None and restart > started and (
            ticket.first_responded_at is None or restart < ticket.first_responded_at
        ):
            started = restart
        ticket.first_response_started_at = started
        batch.append(ticket)
        if len(batch) >= 2000:
            Ticket.objects.bulk_update(batch, ["first_response_started_at"])
            batch = []
    if batch:
        Ticket.objects.bulk_update(batch, ["first_response_started_at"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_first_response_started_at")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
