"""Customers, contacts and subscriptions of the caller's reseller."""

from __future__ import annotations

import pytest

from contracts.models import Contact
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    SubscriptionFactory,
    SupportContractFactory,
)

pytestmark = pytest.mark.django_db


def test_customer_shows_the_contract_in_force(client_a, world_a):
    # given a customer-level contract that overrides the reseller's
    SupportContractFactory(
        reseller=world_a.customer.reseller, customer=world_a.customer, plan="business_hours"
    )
    other = CustomerFactory(reseller=world_a.customer.reseller)

    rows = {row["id"]: row for row in client_a.get("/api/v1/customers/").json()["results"]}

    assert rows[world_a.customer.pk]["contract"] == {
        "plan": "business_hours",
        "status": "active",
        "starts_on": "2020-01-01",
        "ends_on": None,
    }
    assert rows[other.pk]["contract"]["plan"] == "24x365"
    assert rows[world_a.customer.pk]["tenant_id"] == str(world_a.customer.tenant_id)


def test_contacts_filter_by_customer(client_a, world_a):
    other = CustomerFactory(reseller=world_a.customer.reseller)
    ContactFactory(customer=other)

    rows = client_a.get(f"/api/v1/contacts/?customer={world_a.customer.pk}").json()["results"]

    assert [row["id"] for row in rows] == [world_a.contact.pk]


def test_reseller_creates_a_contact_of_its_own_without_customer(client_a, reseller_a):
    response = client_a.post(
        "/api/v1/contacts/",
        {
            "name": "リセラー 管理者",
            "email": "admin@reseller-a.example.jp",
            "is_global_admin": True,
        },
        format="json",
    )

    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.reseller_id == reseller_a.pk
    assert contact.customer_id is None
    assert contact.history.first().history_user is not None


def test_a_supervisor_must_name_the_customer(supervisor_client, world_a):
    before = Contact.objects.count()

    response = supervisor_client.post(
        "/api/v1/contacts/", {"name": "誰か", "email": "x@example.jp"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"customer": ["required"]}
    assert Contact.objects.count() == before


def test_only_desk_users_allowed_to_change_contacts_may_write_them(
    agent_client, supervisor_client, world_a
):
    # Art. 3.2: the global-admin flag decides who may ask; a plain agent may not set it.
    url = f"/api/v1/contacts/{world_a.contact.pk}/"
    denied = agent_client.patch(url, {"is_global_admin": False}, format="json")
    world_a.contact.refresh_from_db()
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    assert world_a.contact.is_global_admin is True

    allowed = supervisor_client.patch(url, {"phone": "03-0000-1111"}, format="json")
    world_a.contact.refresh_from_db()
    assert allowed.status_code == 200
    assert world_a.contact.phone == "03-0000-1111"


def test_contact_update_cannot_move_it_to_another_customer(client_a, world_a):
    other = CustomerFactory(reseller=world_a.customer.reseller)

    response = client_a.patch(
        f"/api/v1/contacts/{world_a.contact.pk}/",
        {"customer": other.pk, "is_global_admin": False},
        format="json",
    )

    assert response.status_code == 200
    world_a.contact.refresh_from_db()
    assert world_a.contact.customer_id == world_a.customer.pk
    assert world_a.contact.is_global_admin is False
    assert world_a.contact.global_admin_verified_at is None


def test_subscription_shows_product_and_end(client_a, world_a):
    ended = SubscriptionFactory(
        customer=world_a.customer,
        status="ended",
        ended_at="2025-01-01T00:00:00Z",
        end_reason="unpaid",
    )

    rows = client_a.get(f"/api/v1/subscriptions/?customer={world_a.customer.pk}").json()
    row = next(r for r in rows["results"] if r["id"] == ended.pk)

    assert row["status"] == "ended"
    assert row["end_reason"] == "unpaid"
    assert row["ended_at"] == "2025-01-01T09:00:00+09:00"
    assert set(row["product"]) == {"sku", "name", "family", "support_scope"}
