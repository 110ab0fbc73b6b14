"""Personas and tickets of the agent workspace tests."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from accounts.models import Organisation, Profile
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    OrganisationFactory,
    SubscriptionFactory,
    TicketFactory,
    UserFactory,
)

# Wednesday 2026-11-25 10:00 JST: a business day, inside business hours.
NOW = datetime.datetime(2026, 11, 25, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def subcontractor_org(db) -> Organisation:
    return OrganisationFactory(name="再委託先A", kind=Organisation.Kind.SUBCONTRACTOR)


@pytest.fixture
def subcontractor_agent(subcontractor_org):
    user = UserFactory(username="sub-agent", roles=["subcontractor_agent"])
    Profile.objects.create(user=user, organisation=subcontractor_org)
    return user


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(customer_a, subscription_a, admin_contact_a):
    """A 高 ticket on a 24x365 contract: first response due the next business day."""
    return TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        severity="high",
        subject="Outlook on the web でフォルダーが表示されない",
    )


def make_ticket(customer, **kwargs):
    subscription = kwargs.pop("subscription", None) or SubscriptionFactory(customer=customer)
    requester = kwargs.pop("requester", None) or ContactFactory(customer=customer)
    return TicketFactory(
        customer=customer, subscription=subscription, requester=requester, **kwargs
    )


@pytest.fixture
def other_customer(reseller_b):
    return CustomerFactory(reseller=reseller_b, name="顧客B1株式会社")
