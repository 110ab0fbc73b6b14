"""Customers and subscriptions from Partner Center (the fake) into our models."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from contracts.models import Contact, Customer, Product, Subscription
from microsoft.clients import partner_center_client, transport_open
from microsoft.http import MicrosoftUnavailable
from microsoft.models import PartnerCenterSubscription, SyncRun
from microsoft.sync_customers import partner_center_sync
from tests.factories import ContactFactory, CustomerFactory, ProductFactory, ResellerFactory
from tests.microsoft.fake import customer_item, subscription_item
from tickets.eligibility import check_subscription
from tickets.exceptions import SubscriptionNotActive

pytestmark = pytest.mark.django_db

MPN_A, MPN_B = "1111111", "2222222"
T1, T2, T3, T4 = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4))


@pytest.fixture
def resellers(db):
    return (
        ResellerFactory(code="reseller-a", partner_center_id=MPN_A),
        ResellerFactory(code="reseller-b", partner_center_id=MPN_B),
    )


@pytest.fixture
def catalogue(fake_microsoft, resellers):
    """Three customers of two resellers and one of nobody we know, five subscriptions."""
    ProductFactory(sku="CFQ7TTC0LDPB:0001", name="Microsoft 365 Business Standard")
    state = fake_microsoft.state
    state.customers = [
        customer_item(
            T1,
            "顧客一株式会社",
            "kokyaku1.onmicrosoft.com",
            partner_id=MPN_A,
            custom_domains=["kokyaku1.co.jp"],
        ),
        customer_item(T2, "顧客二株式会社", "kokyaku2.onmicrosoft.com", partner_id=MPN_B),
        # No associatedPartnerId: its subscriptions' partnerId names the reseller.
        customer_item(T3, "顧客三株式会社", "kokyaku3.onmicrosoft.com"),
        customer_item(T4, "他社の顧客", "other.onmicrosoft.com", partner_id="9999999"),
    ]
    state.subscriptions = {
        T1: [
            subscription_item(
                "sub-1", "CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard", partner_id=MPN_A
            ),
            subscription_item(
                "sub-2",
                "CFQ7TTC0LH18:0001",
                "Exchange Online (Plan 1)",
                quantity=3,
                partner_id=MPN_A,
            ),
        ],
        T2: [
            subscription_item(
                "sub-3",
                "CFQ7TTC0LDPB:0001",
                "Microsoft 365 Business Standard",
                status="suspended",
                suspension_reasons=["CreditCheck"],
                partner_id=MPN_B,
            ),
        ],
        T3: [
            subscription_item(
                "sub-4", "CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard", partner_id=MPN_A
            ),
        ],
        T4: [subscription_item("sub-5", "CFQ7TTC0LDPB:0001", "x", partner_id="9999999")],
    }
    return state


def _sync(**kwargs):
    with transport_open() as transport:
        return partner_center_sync(client=partner_center_client(transport), **kwargs)


def _snapshot():
    return (
        list(Customer.objects.order_by("tenant_id").values()),
        list(Subscription.objects.order_by("id").values()),
        list(Product.objects.order_by("sku").values()),
        Customer.history.count(),
        Subscription.history.count(),
    )


def test_first_sync_fills_customers_and_subscriptions_of_known_resellers(catalogue, resellers):
    report = _sync()

    reseller_a, reseller_b = resellers
    customers = {str(c.tenant_id): c for c in Customer.objects.all()}
    assert set(customers) == {T1, T2, T3}
    assert customers[T1].reseller == reseller_a
    assert customers[T1].name == "顧客一株式会社"
    assert customers[T1].primary_domain == "kokyaku1.onmicrosoft.com"
    assert customers[T1].domains == ["kokyaku1.onmicrosoft.com", "kokyaku1.co.jp"]
    assert customers[T2].reseller == reseller_b
    assert customers[T3].reseller == reseller_a

    by_id = {
        link.partner_center_id: link.subscription
        for link in PartnerCenterSubscription.objects.select_related("subscription__product")
    }
    assert set(by_id) == {"sub-1", "sub-2", "sub-3", "sub-4"}
    assert by_id["sub-1"].status == Subscription.Status.ACTIVE
    available_at = by_id["sub-1"].available_at
    assert available_at is not None
    assert available_at.isoformat() == "2025-04-01T00:00:00+00:00"
    assert by_id["sub-2"].quantity == 3
    # Microsoft suspended it for a failed credit check: ended for non-payment (Art. 7.1.4).
    assert by_id["sub-3"].status == Subscription.Status.ENDED
    assert by_id["sub-3"].end_reason == Subscription.EndReason.UNPAID
    # A product first seen in Partner Center carries no support until classified.
    new = by_id["sub-2"].product
    assert (new.sku, new.support_included, new.support_scope) == (
        "CFQ7TTC0LH18:0001",
        False,
        Product.SupportScope.NONE,
    )
    assert report.counts["customer_created"] == 3
    assert report.counts["customer_unmapped"] == 1
    assert report.counts["subscription_created"] == 4
    assert report.counts["product_created"] == 1
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts["customer_created"] == 3
    assert {"action": "customer_unmapped", "object": f"他社の顧客 ({T4})", "detail": "9999999"} in (
        run.changes
    )


def test_the_same_data_twice_changes_nothing(catalogue):
    _sync()
    before = _snapshot()

    report = _sync()

    assert _snapshot() == before
    assert [c for c in report.changes if c["action"] != "customer_unmapped"] == []
    assert report.counts["customer_unchanged"] == 3
    assert report.counts["subscription_unchanged"] == 4


def test_changes_at_microsoft_are_applied_and_reported(catalogue):
    _sync()
    catalogue.customers[0]["companyProfile"]["companyName"] = "顧客一ホールディングス"
    catalogue.subscriptions[T1][0]["quantity"] = 25
    catalogue.subscriptions[T1][1]["status"] = "deleted"

    report = _sync()

    customer = Customer.objects.get(tenant_id=T1)
    assert customer.name == "顧客一ホールディングス"
    first = PartnerCenterSubscription.objects.get(partner_center_id="sub-1").subscription
    second = PartnerCenterSubscription.objects.get(partner_center_id="sub-2").subscription
    assert first.quantity == 25
    assert (second.status, second.end_reason) == ("ended", Subscription.EndReason.CANCELLED)
    assert second.ended_at is not None
    assert report.counts["customer_updated"] == 1
    assert report.counts["subscription_updated"] == 1
    assert report.counts["subscription_ended"] == 1
    # History keeps who changed what: the sync itself (no user).
    assert customer.history.first().name == "顧客一ホールディングス"


def test_an_ended_subscription_refuses_intake(catalogue):
    _sync()
    subscription = PartnerCenterSubscription.objects.get(partner_center_id="sub-3").subscription
    with pytest.raises(SubscriptionNotActive):
        check_subscription(
            subscription=subscription, customer=subscription.customer, at=timezone.now()
        )


def test_contacts_and_their_verification_are_never_touched(catalogue, resellers):
    customer = CustomerFactory(reseller=resellers[0], tenant_id=T1, name="旧名")
    contact = ContactFactory(customer=customer, is_global_admin=True)
    verified = contact.global_admin_verified_at
    contacts_before = Contact.objects.count()

    _sync()

    contact.refresh_from_db()
    assert contact.global_admin_verified_at == verified
    assert contact.is_global_admin is True
    assert Contact.objects.count() == contacts_before
    assert Customer.objects.get(tenant_id=T1).name == "顧客一株式会社"


def test_a_customer_of_another_reseller_here_is_reported_not_moved(catalogue, resellers):
    CustomerFactory(reseller=resellers[1], tenant_id=T1)

    report = _sync()

    assert Customer.objects.get(tenant_id=T1).reseller == resellers[1]
    assert report.counts["customer_reseller_mismatch"] == 1
    assert not PartnerCenterSubscription.objects.filter(partner_center_id="sub-1").exists()


def test_a_failure_half_way_loses_and_duplicates_nothing(catalogue, settings, fake_microsoft):
    settings.MICROSOFT_MAX_RETRIES = 1
    # The second page of customers (T3, T4) fails beyond the retries.
    original = fake_microsoft._paged

    def failing(handler, items, headers, uri):
        if uri.startswith("/customers?") and headers.get("ms-continuationtoken") == "2":
            fake_microsoft._send(handler, 503, {"error": "busy"})
            return
        original(handler, items, headers, uri)

    fake_microsoft._paged = failing
    with pytest.raises(MicrosoftUnavailable):
        _sync()
    assert set(map(str, Customer.objects.values_list("tenant_id", flat=True))) == {T1, T2}
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED

    fake_microsoft._paged = original
    report = _sync()

    assert set(map(str, Customer.objects.values_list("tenant_id", flat=True))) == {T1, T2, T3}
    assert Subscription.objects.count() == 4
    assert report.counts["customer_created"] == 1
    assert report.counts["customer_unchanged"] == 2


def test_dry_run_reports_and_writes_nothing(catalogue):
    report = _sync(dry_run=True)

    assert report.counts["customer_created"] == 3
    assert Customer.objects.count() == 0
    assert Product.objects.count() == 1
    assert SyncRun.objects.count() == 0


def test_command_prints_a_summary_and_progress(catalogue, capsys):
    call_command("partner_center_sync", "--dry-run")
    out = capsys.readouterr().out
    assert "--dry-run" in out
    assert "顧客を追加: 3" in out
    assert "… 顧客 4 件" in out
    assert f"[リセラー不明の顧客（未取り込み）] 他社の顧客 ({T4}) — 9999999" in out


def test_command_without_settings_exits_with_one_line(settings):
    settings.MICROSOFT_TENANT_ID = ""
    with pytest.raises(CommandError, match="MICROSOFT_TENANT_ID"):
        call_command("partner_center_sync")


def test_task_without_settings_does_nothing(settings):
    from microsoft.tasks import partner_center_sync_all

    settings.MICROSOFT_TENANT_ID = ""
    partner_center_sync_all()
    assert SyncRun.objects.count() == 0


def test_command_with_a_failed_part_prints_its_summary_then_exits_non_zero(
    catalogue, settings, fake_microsoft, capsys
):
    settings.MICROSOFT_MAX_RETRIES = 1
    original = fake_microsoft._paged

    def failing(handler, items, headers, uri):
        if uri == f"/customers/{T2}/subscriptions":
            fake_microsoft._send(handler, 500, {"error": "boom"})
            return
        original(handler, items, headers, uri)

    fake_microsoft._paged = failing
    with pytest.raises(CommandError, match="1 件のエラー"):
        call_command("partner_center_sync")
    out = capsys.readouterr().out
    assert "顧客を追加: " in out  # the rest was synced, and said so first
    assert Customer.objects.filter(tenant_id=T1).exists()
