"""GDAP relationships from Graph (the fake): delegated access derived, warnings sent once."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.management import call_command

from contracts.models import Customer, DelegatedAccess
from microsoft.clients import graph_client, transport_open
from microsoft.models import GdapRelationship, GdapWarning, PartnerCenterCustomer
from microsoft.roles import LICENSE_ADMINISTRATOR, SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR
from microsoft.sync_gdap import gdap_sync
from notifications.models import Notification, OutboxMessage
from tests.factories import CustomerFactory, ResellerFactory
from tests.microsoft.fake import relationship_item
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

SUPPORT_ROLES = (SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR, LICENSE_ADMINISTRATOR)
NOW = datetime.datetime(2027, 5, 1, 3, 0, tzinfo=datetime.UTC)
T = [str(uuid.UUID(int=n)) for n in range(1, 7)]


def _sync(now=NOW, **kwargs):
    with transport_open() as transport:
        return gdap_sync(client=graph_client(transport), now=now, **kwargs)


@pytest.fixture
def reseller(db):
    return ResellerFactory(code="reseller-a")


@pytest.fixture
def tenants(fake_microsoft, reseller):
    customers = [
        CustomerFactory(reseller=reseller, tenant_id=tenant, delegated_access="unknown")
        for tenant in T[:5]
    ]
    fake_microsoft.state.relationships = [
        relationship_item("r1", T[0], name="CSP_Default", roles=SUPPORT_ROLES, auto_extend="P180D"),
        relationship_item("r2", T[1], roles=(USER_ADMINISTRATOR,)),
        relationship_item("r3", T[2], status="terminated", roles=SUPPORT_ROLES),
        relationship_item(
            "r4", T[3], status="expired", end="2027-04-01T00:00:00Z", roles=SUPPORT_ROLES
        ),
        # Two relationships that hold the roles only together.
        relationship_item("r5a", T[4], roles=SUPPORT_ROLES[:1], end="2027-05-21T00:00:00Z"),
        relationship_item(
            "r5b", T[4], roles=SUPPORT_ROLES[1:], auto_extend="P180D", end="2027-12-31T00:00:00Z"
        ),
        relationship_item("r9", T[5], roles=SUPPORT_ROLES),  # not our customer
    ]
    return customers


def _state():
    return {
        str(c.tenant_id): (c.delegated_access, c.gdap_expires_on, tuple(c.gdap_roles))
        for c in Customer.objects.all()
    }


def test_access_is_derived_from_the_relationships(tenants):
    report = _sync()

    state = _state()
    assert state[T[0]] == ("active", datetime.date(2027, 6, 30), tuple(sorted(SUPPORT_ROLES)))
    assert state[T[1]][0] == DelegatedAccess.LAPSED  # roles missing
    assert state[T[2]][0] == DelegatedAccess.REVOKED  # the customer terminated it
    assert state[T[3]][0] == DelegatedAccess.LAPSED  # expired
    assert state[T[4]] == ("active", datetime.date(2027, 12, 31), tuple(sorted(SUPPORT_ROLES)))
    first = Customer.objects.get(tenant_id=T[0])
    assert first.gdap_holder == "CSP_Default"
    assert first.delegated_access_changed_by == "GDAP (in_force)"
    assert GdapRelationship.objects.get(relationship_id="r9").customer is None
    assert report.counts["access_changed"] == 5
    assert report.counts["relationship_unmapped"] == 1


def test_the_same_data_twice_changes_nothing(tenants, supervisor):
    _sync()
    before = (
        _state(),
        Customer.history.count(),
        GdapRelationship.history.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        GdapWarning.objects.count(),
    )

    report = _sync()

    after = (
        _state(),
        Customer.history.count(),
        GdapRelationship.history.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        GdapWarning.objects.count(),
    )
    assert after == before
    assert report.changes == []


def test_a_relationship_gone_from_graph_stops_counting(tenants, fake_microsoft):
    _sync()
    fake_microsoft.state.relationships = [
        r for r in fake_microsoft.state.relationships if r["id"] != "r1"
    ]

    _sync()

    assert GdapRelationship.objects.get(relationship_id="r1").status == "absent"
    assert Customer.objects.get(tenant_id=T[0]).delegated_access == DelegatedAccess.LAPSED


def test_customers_microsoft_does_not_know_keep_what_was_typed(fake_microsoft, reseller):
    typed = CustomerFactory(reseller=reseller, delegated_access="active")
    synced = CustomerFactory(reseller=reseller, delegated_access="active")
    PartnerCenterCustomer.objects.create(customer=synced, synced_at=NOW)

    _sync()

    typed.refresh_from_db()
    synced.refresh_from_db()
    assert typed.delegated_access == "active"
    assert synced.delegated_access == DelegatedAccess.LAPSED  # no relationship at all


def test_warnings_go_once_per_threshold_to_the_desk_and_the_reseller(tenants, supervisor, agent):
    webhook = Webhook.objects.create(
        reseller=tenants[0].reseller,
        url="https://hooks.example.jp/x",
        secret="s" * 32,
        events=["customer.gdap_expiring"],
    )
    # r5a ends on 2027-05-21 without auto-extend: 20 days after NOW.
    _sync()

    warnings = GdapWarning.objects.order_by("threshold_days")
    assert [(w.relationship.relationship_id, w.threshold_days, w.sent) for w in warnings] == [
        ("r5a", 30, True)
    ]
    notes = Notification.objects.filter(kind="gdap_expiring")
    assert [n.recipient for n in notes] == [supervisor]  # the desk's leads, not every agent
    assert "2027-05-21" in notes[0].title
    assert OutboxMessage.objects.filter(dedup_key__startswith="email:gdap:").count() == 1
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.outbox is not None
    body = delivery.outbox.payload["body"]
    assert body["event"] == "customer.gdap_expiring"
    assert body["data"]["days_left"] == 19
    assert body["data"]["tenant_id"] == T[4]

    # Two weeks later the 7-day threshold is reached: one more warning.
    _sync(now=NOW + datetime.timedelta(days=14))
    assert [w.threshold_days for w in GdapWarning.objects.order_by("threshold_days")] == [7, 30]
    assert Notification.objects.filter(kind="gdap_expiring").count() == 2
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 2


def test_a_first_sync_close_to_the_end_warns_once_with_the_nearest_threshold(tenants, supervisor):
    _sync(now=datetime.datetime(2027, 5, 16, tzinfo=datetime.UTC))

    warnings = {w.threshold_days: w.sent for w in GdapWarning.objects.all()}
    assert warnings == {7: True, 30: False}
    assert Notification.objects.filter(kind="gdap_expiring").count() == 1


def test_auto_extended_relationships_never_warn(tenants, supervisor):
    _sync(now=datetime.datetime(2027, 6, 25, tzinfo=datetime.UTC))
    assert not GdapWarning.objects.filter(relationship__relationship_id="r1").exists()


def test_a_malformed_relationship_is_skipped_and_the_rest_kept(tenants, fake_microsoft):
    fake_microsoft.state.relationships.append(
        {**relationship_item("bad", T[0], roles=SUPPORT_ROLES), "autoExtendDuration": "forever"}
    )
    report = _sync()
    assert not GdapRelationship.objects.filter(relationship_id="bad").exists()
    assert Customer.objects.get(tenant_id=T[0]).delegated_access == "active"
    assert [(r.key, r.reason) for r in report.rejected] == [("bad", "duration 'forever'")]


def test_command_prints_the_summary(tenants, capsys):
    call_command("gdap_sync")
    out = capsys.readouterr().out
    assert "委任アクセスの状態を変更: 5" in out
