"""Every endpoint × method × {reseller A, reseller B, agent (session + CSRF), no credentials}
on reseller A's objects: A and the agent may, B gets 404 (never 403: nothing leaks that the
object exists), no credentials get 401; a denied write changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from accounts.models import Profile
from contracts.models import Contact
from notifications.models import OutboxMessage
from tests.api.conftest import CsrfSessionClient, World, token_client
from tests.conftest import data_for_the_module, desk_user_make, distributor_make
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    ResellerFactory,
    SubscriptionFactory,
    SupportContractFactory,
    TicketFactory,
    UserFactory,
)
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tickets.services import AttachmentUpload, message_add
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-matrix-0123456789"


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[Any], str]
    expected: dict[str, int]
    body: Callable[[Any], dict] = field(default=lambda w: {})


def _ticket(w) -> str:
    return f"/api/v1/tickets/{w.a.ticket.number}/"


def _new_ticket(w) -> dict:
    return {
        "customer": w.a.customer.pk,
        "subscription": w.a.subscription.pk,
        "requester": w.a.contact.pk,
        "severity": "high",
        "category": "standard_feature",
        "subject": "Teams 会議に参加できない",
        "description": "一部のユーザーで会議に参加できません。",
    }


READ = {"a": 200, "b": 404, "agent": 200, "anon": 401}
LIST = {"a": 200, "b": 200, "agent": 200, "anon": 401}
CASES = [
    Case("customers list", "get", lambda w: "/api/v1/customers/", LIST),
    Case("customer detail", "get", lambda w: f"/api/v1/customers/{w.a.customer.pk}/", READ),
    Case(
        "customer delete",
        "delete",
        lambda w: f"/api/v1/customers/{w.a.customer.pk}/",
        {"a": 405, "b": 405, "agent": 405, "anon": 401},
    ),
    Case("contacts list", "get", lambda w: "/api/v1/contacts/", LIST),
    Case("contact detail", "get", lambda w: f"/api/v1/contacts/{w.a.contact.pk}/", READ),
    Case(
        "contact create",
        "post",
        lambda w: "/api/v1/contacts/",
        {"a": 201, "b": 400, "agent": 403, "anon": 401},
        lambda w: {"customer": w.a.customer.pk, "name": "新任 管理者", "email": "new@example.jp"},
    ),
    Case(
        "contact patch",
        "patch",
        lambda w: f"/api/v1/contacts/{w.a.contact.pk}/",
        {"a": 200, "b": 404, "agent": 403, "anon": 401},
        lambda w: {"phone": "03-9999-0000"},
    ),
    Case(
        "contact put",
        "put",
        lambda w: f"/api/v1/contacts/{w.a.contact.pk}/",
        {"a": 200, "b": 404, "agent": 403, "anon": 401},
        lambda w: {"name": "改名", "email": "renamed@example.jp", "is_global_admin": True},
    ),
    Case(
        "contact delete",
        "delete",
        lambda w: f"/api/v1/contacts/{w.a.contact.pk}/",
        {"a": 405, "b": 405, "agent": 405, "anon": 401},
    ),
    Case("subscriptions list", "get", lambda w: "/api/v1/subscriptions/", LIST),
    Case(
        "subscription detail",
        "get",
        lambda w: f"/api/v1/subscriptions/{w.a.subscription.pk}/",
        READ,
    ),
    Case("tickets list", "get", lambda w: "/api/v1/tickets/", LIST),
    Case("ticket detail", "get", _ticket, READ),
    Case(
        "ticket create",
        "post",
        lambda w: "/api/v1/tickets/",
        {"a": 201, "b": 400, "agent": 201, "anon": 401},
        _new_ticket,
    ),
    Case(
        "ticket patch",
        "patch",
        _ticket,
        {"a": 200, "b": 404, "agent": 200, "anon": 401},
        lambda w: {"subject": "件名を変更"},
    ),
    Case(
        "ticket put",
        "put",
        _ticket,
        {"a": 405, "b": 405, "agent": 405, "anon": 401},
        lambda w: {"subject": "件名を変更"},
    ),
    Case("ticket delete", "delete", _ticket, {"a": 405, "b": 405, "agent": 405, "anon": 401}),
    Case("messages list", "get", lambda w: f"{_ticket(w)}messages/", READ),
    Case(
        "message create",
        "post",
        lambda w: f"{_ticket(w)}messages/",
        {"a": 201, "b": 404, "agent": 201, "anon": 401},
        lambda w: {"body": "ログを添付します。"},
    ),
    Case(
        "attachment download",
        "get",
        lambda w: f"{_ticket(w)}attachments/{w.attachment.pk}/",
        READ,
    ),
    Case(
        "attachment delete",
        "delete",
        lambda w: f"{_ticket(w)}attachments/{w.attachment.pk}/",
        {"a": 405, "b": 405, "agent": 405, "anon": 401},
    ),
    Case(
        "sla preview",
        "get",
        lambda w: (
            "/api/v1/sla/preview/?plan=24x365&severity=critical"
            "&submitted_at=2026-05-02T12:00:00%2B09:00"
        ),
        LIST,
    ),
    Case(
        "webhooks list",
        "get",
        lambda w: "/api/v1/webhooks/",
        {"a": 200, "b": 200, "agent": 403, "anon": 401},
    ),
    Case(
        "webhook create",
        "post",
        lambda w: "/api/v1/webhooks/",
        {"a": 201, "b": 201, "agent": 403, "anon": 401},
        lambda w: {
            "url": "https://hooks.example.com/in",
            "secret": SECRET,
            "events": ["ticket.created"],
        },
    ),
    Case(
        "webhook detail",
        "get",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        {"a": 200, "b": 404, "agent": 403, "anon": 401},
    ),
    Case(
        "webhook patch",
        "patch",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        {"a": 200, "b": 404, "agent": 403, "anon": 401},
        lambda w: {"is_active": False},
    ),
    Case(
        "webhook delete",
        "delete",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        {"a": 204, "b": 404, "agent": 403, "anon": 401},
    ),
    Case(
        "webhook deliveries",
        "get",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/deliveries/",
        {"a": 200, "b": 404, "agent": 403, "anon": 401},
    ),
]


@dataclass
class Worlds:
    a: Any
    b: Any
    webhook: Webhook
    attachment: Attachment


@dataclass
class Shared:
    worlds: Worlds
    users: dict[str, Any]


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker) -> Iterator[Shared]:
    """Reseller A's and B's worlds and the callers, built once for the module's 119 tests
    (tests.conftest.data_for_the_module: each test's writes are undone before the next). The
    same objects as the fixtures of tests/conftest.py and tests/api/conftest.py (`world_a`,
    `world_b`, the personas)."""
    with data_for_the_module(django_db_blocker):
        agent = desk_user_make("agent", distributor_make())
        reseller_a = ResellerFactory(code="reseller-a", name="リセラーA株式会社")
        reseller_b = ResellerFactory(code="reseller-b", name="リセラーB株式会社")
        users: dict[str, Any] = {"agent": agent}
        for key, username, reseller in (("a", "api-a", reseller_a), ("b", "api-b", reseller_b)):
            users[key] = UserFactory(username=username, roles=["reseller_api"])
            Profile.objects.create(user=users[key], reseller=reseller)
        customer_a = CustomerFactory(reseller=reseller_a, name="顧客A1株式会社")
        SupportContractFactory(reseller=reseller_a, plan="24x365")
        contact_a = ContactFactory(customer=customer_a, is_global_admin=True)
        subscription_a = SubscriptionFactory(customer=customer_a)
        ticket_a = TicketFactory(
            customer=customer_a, subscription=subscription_a, requester=contact_a
        )
        world_a = World(customer_a, contact_a, subscription_a, ticket_a)
        customer_b = CustomerFactory(reseller=reseller_b, name="顧客B1株式会社")
        SupportContractFactory(reseller=reseller_b, plan="business_hours")
        contact_b = ContactFactory(customer=customer_b, is_global_admin=True)
        subscription_b = SubscriptionFactory(customer=customer_b)
        ticket_b = TicketFactory(
            customer=customer_b, subscription=subscription_b, requester=contact_b
        )
        world_b = World(customer_b, contact_b, subscription_b, ticket_b)
        webhook = Webhook.objects.create(
            reseller=reseller_a,
            url="https://hooks.example.com/a",
            secret=SECRET,
            events=["ticket.message_added"],
        )
        message = message_add(
            ticket=ticket_a,
            kind=Message.Kind.CUSTOMER,
            body="ログを添付します。",
            author_contact=contact_a,
            attachments=[
                AttachmentUpload(
                    filename="log.txt",
                    content_type="text/plain",
                    content=SimpleUploadedFile("log.txt", b"trace"),
                )
            ],
        )
        yield Shared(Worlds(world_a, world_b, webhook, message.attachments.get()), users)


@pytest.fixture
def worlds(shared: Shared, db) -> Worlds:
    return shared.worlds


@pytest.fixture
def agent(shared: Shared, db):
    return shared.users["agent"]


@pytest.fixture
def clients(shared: Shared, db) -> dict[str, APIClient]:
    """New clients for each test (cookies and sessions of their own) of the shared users."""
    return {
        "a": token_client(shared.users["a"]),
        "b": token_client(shared.users["b"]),
        "agent": CsrfSessionClient(shared.users["agent"]),
        "anon": APIClient(),
    }


def snapshot(worlds: Worlds) -> dict[str, Any]:
    """Everything a write could touch: row counts and reseller A's objects as stored."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            Ticket,
            Message,
            TicketEvent,
            Contact,
            Webhook,
            WebhookDelivery,
            OutboxMessage,
        )
    }
    ticket = Ticket.objects.get(pk=worlds.a.ticket.pk)
    contact = Contact.objects.get(pk=worlds.a.contact.pk)
    webhook = Webhook.objects.filter(pk=worlds.webhook.pk).first()
    return {
        "counts": counts,
        "ticket": model_to_dict(ticket),
        "contact": model_to_dict(contact),
        "webhook": model_to_dict(webhook) if webhook else None,
    }


@pytest.mark.parametrize("persona", ["a", "b", "agent", "anon"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_endpoint_method_persona(case: Case, persona: str, clients, worlds) -> None:
    # given reseller A's objects and the caller
    client = clients[persona]
    before = snapshot(worlds)

    # when
    response = getattr(client, case.method)(case.url(worlds), case.body(worlds), format="json")

    # then the status is the one of the matrix, and every error has the one shape
    assert response.status_code == case.expected[persona], response.content
    if response.status_code >= 400:
        body = response.json()
        assert set(body) >= {"code", "message", "fields"}
    # and a refused write changed nothing
    if case.method != "get" and response.status_code >= 400:
        assert snapshot(worlds) == before


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/api/v1/customers/", "id"),
        ("/api/v1/contacts/", "id"),
        ("/api/v1/subscriptions/", "id"),
        ("/api/v1/tickets/", "number"),
    ],
)
def test_lists_show_only_the_callers_own(url: str, key: str, clients, worlds) -> None:
    # given both resellers' objects
    # when each reseller lists
    seen_a = {row[key] for row in clients["a"].get(url).json()["results"]}
    seen_b = {row[key] for row in clients["b"].get(url).json()["results"]}
    seen_agent = {row[key] for row in clients["agent"].get(url).json()["results"]}

    # then each sees its own only, and the agent sees both
    assert seen_a and seen_b
    assert seen_a.isdisjoint(seen_b)
    assert seen_agent == seen_a | seen_b


def test_webhook_list_of_b_does_not_show_a(clients, worlds) -> None:
    assert clients["a"].get("/api/v1/webhooks/").json()["count"] == 1
    assert clients["b"].get("/api/v1/webhooks/").json()["count"] == 0


def test_agent_write_without_csrf_token_is_refused_and_changes_nothing(agent, worlds) -> None:
    # given an agent's browser session that does not send the CSRF token
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    before = snapshot(worlds)

    # when it patches a ticket
    response = client.patch(_ticket(worlds), {"subject": "CSRF なし"}, format="json")

    # then 403 in the one shape, with its own code, and nothing changed
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert snapshot(worlds) == before


def test_user_without_reseller_or_desk_role_is_forbidden(outsider, worlds) -> None:
    response = token_client(outsider).get("/api/v1/tickets/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
