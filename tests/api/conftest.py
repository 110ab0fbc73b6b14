"""API fixtures: a token client per reseller, an agent's browser session with CSRF, an
anonymous client, and a small world of two resellers (customer, global admin, active
subscription, one ticket each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contracts.models import Contact, Customer, Subscription
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    SubscriptionFactory,
    SupportContractFactory,
    TicketFactory,
)
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _fresh_throttle_and_settings(settings):
    """Throttle counters live in the cache: each test starts with none."""
    cache.clear()
    settings.API_THROTTLE_RATE = "10000/minute"
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_a(reseller_a_user) -> APIClient:
    return token_client(reseller_a_user)


@pytest.fixture
def client_b(reseller_b_user) -> APIClient:
    return token_client(reseller_b_user)


class CsrfSessionClient(APIClient):
    """An agent's browser: session cookie plus the CSRF cookie and header, CSRF enforced."""

    def __init__(self, user, **kwargs) -> None:
        super().__init__(enforce_csrf_checks=True, **kwargs)
        self.force_login(user)
        secret = _get_new_csrf_string()
        self.cookies["csrftoken"] = secret
        self.csrf_token = secret

    # Same signature as djangorestframework-stubs' APIClient.generic, which they too mark as an
    # incompatible override of Django's RequestFactory.generic.
    def generic(  # type: ignore[override]
        self,
        method: str,
        path: str,
        data: str = "",
        content_type: str = "application/octet-stream",
        **extra: Any,
    ) -> Any:
        if method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            extra.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token)
        return super().generic(method, path, data, content_type, **extra)


@pytest.fixture
def agent_client(agent) -> CsrfSessionClient:
    return CsrfSessionClient(agent)


@pytest.fixture
def supervisor_client(supervisor) -> CsrfSessionClient:
    return CsrfSessionClient(supervisor)


@pytest.fixture
def anon_client(db) -> APIClient:
    return APIClient()


@dataclass
class World:
    customer: Customer
    contact: Contact
    subscription: Subscription
    ticket: Ticket


@pytest.fixture
def world_a(customer_a, admin_contact_a, subscription_a) -> World:
    ticket = TicketFactory(
        customer=customer_a, subscription=subscription_a, requester=admin_contact_a
    )
    return World(customer_a, admin_contact_a, subscription_a, ticket)


@pytest.fixture
def world_b(reseller_b) -> World:
    customer = CustomerFactory(reseller=reseller_b, name="顧客B1株式会社")
    SupportContractFactory(reseller=reseller_b, plan="business_hours")
    contact = ContactFactory(customer=customer, is_global_admin=True)
    subscription = SubscriptionFactory(customer=customer)
    ticket = TicketFactory(customer=customer, subscription=subscription, requester=contact)
    return World(customer, contact, subscription, ticket)


@pytest.fixture
def clients(client_a, client_b, agent_client, anon_client) -> dict[str, APIClient]:
    return {"a": client_a, "b": client_b, "agent": agent_client, "anon": anon_client}
