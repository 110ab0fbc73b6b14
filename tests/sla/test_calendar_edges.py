"""Instants at the very edge of what a datetime holds: bad input, one readable line."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from sla.deadlines import DeadlineError
from sla.services import deadline_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("at", ["9999-12-31T23:59+00:00", "9999-12-31T23:59-14:00"])
def test_sla_preview_command_past_year_9999_in_tokyo_is_one_line(at):
    with pytest.raises(CommandError) as raised:
        call_command("sla_preview", "--plan", "business_hours", "--severity", "high", "--at", at)

    assert str(raised.value).startswith("--at: ")
    assert "\n" not in str(raised.value)


def test_sla_preview_command_before_year_1_in_utc_is_one_line():
    with pytest.raises(CommandError) as raised:
        call_command(
            "sla_preview",
            "--plan",
            "24x365",
            "--severity",
            "critical",
            "--at",
            "0001-01-01T00:00+14:00",
        )

    assert str(raised.value).startswith("--at: ")


def test_deadline_for_an_instant_tokyo_cannot_hold_is_a_deadline_error():
    moment = datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC)

    with pytest.raises(DeadlineError):
        deadline_for(submitted_at=moment, plan="24x365", severity="critical")
