"""A reseller registers its webhooks and reads their deliveries; the secret never comes back."""

from __future__ import annotations

import pytest

from tests.api.conftest import token_client
from tests.factories import TicketFactory
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

SECRET = "a-very-long-shared-secret-0123456789"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.API_THROTTLE_RATE = "none"


@pytest.fixture
def client_a(reseller_a_user):
    return token_client(reseller_a_user)


def test_register_never_shows_the_secret_back(client_a, reseller_a):
    response = client_a.post(
        "/api/v1/webhooks/",
        {
            "url": "https://hooks.reseller-a.example.jp/helpdesk",
            "secret": SECRET,
            "events": ["ticket.status_changed", "ticket.created", "ticket.created"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body
    assert SECRET not in response.content.decode()
    assert body["secret_hint"] == "…6789"
    assert body["events"] == ["ticket.created", "ticket.status_changed"]
    webhook = Webhook.objects.get(pk=body["id"])
    assert (webhook.reseller, webhook.secret) == (reseller_a, SECRET)
    assert not hasattr(webhook.history.first(), "secret")  # history keeps no secret
    listed = client_a.get("/api/v1/webhooks/").content.decode()
    assert SECRET not in listed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"url": "http://hooks.example.com/x", "secret": SECRET, "events": ["ticket.created"]},
            "url",
        ),
        ({"url": "https://127.0.0.1/x", "secret": SECRET, "events": ["ticket.created"]}, "url"),
        (
            {"url": "https://hooks.example.com/x", "secret": "short", "events": ["ticket.created"]},
            "secret",
        ),
        ({"url": "https://hooks.example.com/x", "secret": SECRET, "events": []}, "events"),
        ({"url": "https://hooks.example.com/x", "events": ["ticket.created"]}, "secret"),
    ],
)
def test_invalid_registrations_are_refused(client_a, reseller_a, payload, field, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    response = client_a.post("/api/v1/webhooks/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Webhook.objects.count() == 0


def test_secret_rotation_and_switch_off(client_a, reseller_a):
    webhook = Webhook.objects.create(
        reseller=reseller_a,
        url="https://hooks.example.com/x",
        secret=SECRET,
        events=["ticket.created"],
    )

    response = client_a.patch(
        f"/api/v1/webhooks/{webhook.pk}/",
        {"secret": "rotated-secret-abcdefghijklmnopqrstu", "is_active": False},
        format="json",
    )

    assert response.status_code == 200
    assert "secret" not in response.json()
    webhook.refresh_from_db()
    assert (webhook.secret, webhook.is_active) == ("rotated-secret-abcdefghijklmnopqrstu", False)


def test_deliveries_show_their_status(
    client_a, reseller_a, customer_a, admin_contact_a, subscription_a
):
    webhook = Webhook.objects.create(
        reseller=reseller_a,
        url="https://hooks.example.com/x",
        secret=SECRET,
        events=["ticket.created"],
    )
    ticket = TicketFactory(
        customer=customer_a, subscription=subscription_a, requester=admin_contact_a
    )

    rows = client_a.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()["results"]

    assert len(rows) == 1
    assert rows[0]["event"] == "ticket.created"
    assert rows[0]["ticket"] == ticket.number
    assert rows[0]["status"] == "pending"
    assert rows[0]["attempts"] == 0
