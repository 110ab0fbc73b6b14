"""Fixtures of the escalation tests: a clock frozen on a Tuesday morning (JST), and critical
tickets opened through the intake service."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from sla.calendars import TOKYO
from tests.factories import TicketFactory

# Tuesday 2026-06-09 10:00 JST: a 重大 ticket opened now is due at 11:00 (60 wall minutes).
OPENED = datetime.datetime(2026, 6, 9, 10, 0, tzinfo=TOKYO)
DUE = OPENED + datetime.timedelta(minutes=60)


@pytest.fixture
def frozen():
    with time_machine.travel(OPENED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def open_critical(frozen, customer_a, subscription_a, admin_contact_a):
    """Open a 重大 ticket of customer A at the frozen moment (optionally assigned)."""

    def make(**kwargs):
        return TicketFactory(
            customer=customer_a,
            subscription=subscription_a,
            requester=admin_contact_a,
            severity="critical",
            **kwargs,
        )

    return make
