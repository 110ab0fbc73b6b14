"""seed_demo (tickets/demo.py) is idempotent and gives the demo resellers their tokens."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from contracts.models import Contact, Customer, Reseller, Subscription
from tickets.models import Status, Ticket

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = [
        Model.objects.count() for Model in (Reseller, Customer, Contact, Subscription, Ticket)
    ]
    call_command("seed_demo", stdout=StringIO())

    assert [
        Model.objects.count() for Model in (Reseller, Customer, Contact, Subscription, Ticket)
    ] == counts
    assert counts[0] == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    printed = out.getvalue()
    for username in (
        "admin",
        "demo-agent",
        "demo-supervisor",
        "demo-subcontractor",
        "demo-reseller-a",
        "demo-reseller-b",
    ):
        assert username in printed
    assert Customer.objects.filter(support_contracts__plan="24x365").exists()
    assert set(Subscription.objects.values_list("status", flat=True)) == {
        "active",
        "pending",
        "ended",
    }


@pytest.mark.django_db
def test_drf_create_token_issues_a_key_for_the_demo_reseller():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("drf_create_token", "demo-reseller-a", stdout=out)
    assert "Generated token" in out.getvalue()
