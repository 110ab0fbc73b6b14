"""The ticket page and the phone intake show the GDAP roles, the end date and a lapse."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from contracts.models import DelegatedAccess
from microsoft.models import GdapRelationship
from microsoft.roles import SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed_customer(db):
    customer = CustomerFactory(delegated_access=DelegatedAccess.LAPSED)
    GdapRelationship.objects.create(
        relationship_id="rel-1",
        customer=customer,
        customer_tenant_id=customer.tenant_id,
        display_name="CSP_Default",
        status="active",
        end_at=timezone.now() + datetime.timedelta(days=40),
        role_ids=[SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR],
        synced_at=timezone.now(),
    )
    return customer


def test_ticket_page_shows_roles_end_and_the_lapse(agent_client, lapsed_customer):
    ticket = TicketFactory(customer=lapsed_customer)

    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()

    assert 'id="delegated-access-warning"' in html
    assert "委任アクセス（GDAP）が失効しています" in html
    assert "Service Support Administrator" in html
    assert "User Administrator" in html
    # License Administrator is missing: the panel says why access lapsed.
    assert "サポートに必要なロールがありません" in html
    assert "CSP_Default" in html


def test_phone_intake_shows_the_same_panel(agent_client, lapsed_customer):
    html = agent_client.get(f"/tickets/new/{lapsed_customer.pk}/").content.decode()
    assert 'id="gdap-panel"' in html
    assert "委任アクセス（GDAP）が失効しています" in html
    assert "Service Support Administrator" in html


def test_english_mode_translates_the_panel(agent_client, lapsed_customer):
    ticket = TicketFactory(customer=lapsed_customer)
    agent_client.cookies["django_language"] = "en"
    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "保持ロール" not in html
    assert "Roles held" in html
