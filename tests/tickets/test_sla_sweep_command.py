"""`manage.py sla_sweep` runs the sweeps once: a due ticket is marked breached exactly once."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

JST = datetime.timezone(datetime.timedelta(hours=9))


def test_sla_sweep_marks_a_due_ticket_once():
    with time_machine.travel(datetime.datetime(2026, 6, 9, 10, 0, tzinfo=JST), tick=False):
        ticket = TicketFactory(severity="critical")
    assert ticket.first_response_due == datetime.datetime(2026, 6, 9, 11, 0, tzinfo=JST)

    with time_machine.travel(datetime.datetime(2026, 6, 9, 11, 0, 1, tzinfo=JST), tick=False):
        first, second = StringIO(), StringIO()
        call_command("sla_sweep", stdout=first)
        call_command("sla_sweep", stdout=second)

    ticket.refresh_from_db()
    assert ticket.breached_at is not None
    assert ticket.escalation_level == 1
    assert first.getvalue().startswith("breached: 1,")
    assert second.getvalue().startswith("breached: 0,")
    assert ticket.events.filter(kind="breached").count() == 1
