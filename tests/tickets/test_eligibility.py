"""The terms' intake rules: every refusal has its own code, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from contracts.models import Product, Subscription, SupportContract
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    ProductFactory,
    ResellerFactory,
    SubscriptionFactory,
    SupportContractFactory,
)
from tickets.exceptions import (
    NoActiveContract,
    OutOfScope,
    ProductNotSupported,
    RequesterNotGlobalAdmin,
    RequesterNotVerified,
    SubmittedInFuture,
    SubscriptionNotActive,
)
from tickets.models import Category, Channel, Ticket
from tickets.services import ticket_open

pytestmark = pytest.mark.django_db

JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 6, 9, 10, 0, tzinfo=JST)


@pytest.fixture
def world():
    reseller = ResellerFactory()
    customer = CustomerFactory(reseller=reseller)
    SupportContractFactory(reseller=reseller, plan="business_hours")
    return {
        "reseller": reseller,
        "customer": customer,
        "admin": ContactFactory(customer=customer, is_global_admin=True),
        "subscription": SubscriptionFactory(customer=customer),
    }


def open_for(world, **overrides) -> Ticket:
    kwargs = {
        "customer": world["customer"],
        "subscription": world["subscription"],
        "requester": world["admin"],
        "severity": "critical",
        "category": Category.CLOUD_OUTAGE,
        "subject": "メールが届かない",
        "description": "全社でメールが届きません。",
        "channel": Channel.PHONE,
        "now": NOW,
    }
    kwargs.update(overrides)
    return ticket_open(**kwargs)


def test_a_global_admin_of_the_customer_opens_a_ticket(world):
    ticket = open_for(world)

    assert ticket.number == "CS-2026-000001"
    assert ticket.contract.plan == "business_hours"
    assert ticket.plan == "business_hours"
    assert ticket.received_at == NOW
    assert ticket.first_response_due == NOW + datetime.timedelta(hours=1)
    # Opening records it, and the internal targets' clocks start (issue 11).
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "sla_started"]


def test_a_global_admin_of_the_reseller_may_file_for_its_customer(world):
    reseller_admin = ContactFactory(customer=None, reseller=world["reseller"])

    ticket = open_for(world, requester=reseller_admin)

    assert ticket.requester == reseller_admin


def test_an_address_in_a_further_domain_of_the_customer_is_verified(world):
    world["customer"].domains = ["sakura.example.jp"]
    world["customer"].save()
    requester = ContactFactory(customer=world["customer"], email="it@SAKURA.example.jp")

    assert open_for(world, requester=requester).requester == requester


def test_a_desk_verified_admin_outside_the_domains_may_ask(world):
    requester = ContactFactory(
        customer=world["customer"],
        email="cio@freemail.example",
        global_admin_verified_at=NOW,
        global_admin_verification_method="phone_callback",
    )

    assert open_for(world, requester=requester).requester == requester


def test_numbers_count_up_within_a_year(world):
    first = open_for(world)
    second = open_for(world)

    assert (first.number, second.number) == ("CS-2026-000001", "CS-2026-000002")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("not_admin", RequesterNotGlobalAdmin),
        ("other_customers_admin", RequesterNotGlobalAdmin),
        ("other_resellers_admin", RequesterNotGlobalAdmin),
        ("inactive_contact", RequesterNotGlobalAdmin),
        ("unverified_admin", RequesterNotVerified),
        ("reseller_admin_unverified", RequesterNotVerified),
        ("pending_subscription", SubscriptionNotActive),
        ("ended_subscription", SubscriptionNotActive),
        ("other_customers_subscription", SubscriptionNotActive),
        ("not_yet_available", SubscriptionNotActive),
        ("no_support_included", ProductNotSupported),
        ("scope_none", ProductNotSupported),
        ("client_app_behaviour", OutOfScope),
        ("app_usage", OutOfScope),
        ("operating_system", OutOfScope),
        ("perpetual_beyond_product_key", OutOfScope),
        ("dynamics_client_setup", OutOfScope),
        ("no_contract", NoActiveContract),
        ("contract_ended", NoActiveContract),
        ("future_submission", SubmittedInFuture),
    ],
)
def test_each_rule_of_the_terms_refuses_with_its_own_code(world, change, error):
    overrides: dict[str, Any] = {}
    customer = world["customer"]
    if change == "not_admin":
        overrides["requester"] = ContactFactory(customer=customer, is_global_admin=False)
    elif change == "other_customers_admin":
        overrides["requester"] = ContactFactory(
            customer=CustomerFactory(reseller=world["reseller"])
        )
    elif change == "other_resellers_admin":
        overrides["requester"] = ContactFactory(customer=None, reseller=ResellerFactory())
    elif change == "inactive_contact":
        overrides["requester"] = ContactFactory(customer=customer, is_active=False)
    elif change == "unverified_admin":
        # flagged global admin, address in none of the customer's domains, not desk-verified
        overrides["requester"] = ContactFactory(customer=customer, email="cio@freemail.example")
    elif change == "reseller_admin_unverified":
        overrides["requester"] = ContactFactory(
            customer=None,
            reseller=world["reseller"],
            global_admin_verified_at=None,
            global_admin_verification_method="",
        )
    elif change == "pending_subscription":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer, status=Subscription.Status.PENDING, available_at=None
        )
    elif change == "ended_subscription":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer,
            status=Subscription.Status.ENDED,
            ended_at=NOW - datetime.timedelta(days=1),
            end_reason=Subscription.EndReason.UNPAID,
        )
    elif change == "other_customers_subscription":
        overrides["subscription"] = SubscriptionFactory(
            customer=CustomerFactory(reseller=world["reseller"])
        )
    elif change == "not_yet_available":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer, available_at=NOW + datetime.timedelta(days=1)
        )
    elif change == "no_support_included":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer, product=ProductFactory(support_included=False)
        )
    elif change == "scope_none":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer, product=ProductFactory(support_scope=Product.SupportScope.NONE)
        )
    elif change in ("client_app_behaviour", "app_usage", "operating_system"):
        overrides["category"] = change
    elif change == "perpetual_beyond_product_key":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer,
            product=ProductFactory(
                family=Product.Family.PERPETUAL,
                support_scope=Product.SupportScope.PRODUCT_KEY_ONLY,
            ),
        )
        overrides["category"] = Category.CLIENT_SETUP
    elif change == "dynamics_client_setup":
        overrides["subscription"] = SubscriptionFactory(
            customer=customer, product=ProductFactory(family=Product.Family.DYNAMICS_365)
        )
        overrides["category"] = Category.CLIENT_SETUP
    elif change == "no_contract":
        SupportContract.objects.all().delete()
    elif change == "contract_ended":
        SupportContract.objects.update(ends_on=datetime.date(2026, 6, 8))
    elif change == "future_submission":
        overrides["submitted_at"] = NOW + datetime.timedelta(minutes=1)

    with pytest.raises(error) as raised:
        open_for(world, **overrides)

    assert raised.value.code == error.code
    assert raised.value.message_ja and raised.value.message_en
    assert Ticket.objects.count() == 0


def test_limited_scopes_admit_exactly_their_category(world):
    customer = world["customer"]
    esu = SubscriptionFactory(
        customer=customer,
        product=ProductFactory(
            family=Product.Family.PERPETUAL, support_scope=Product.SupportScope.PRODUCT_KEY_ONLY
        ),
    )
    rooms = SubscriptionFactory(
        customer=customer,
        product=ProductFactory(
            family=Product.Family.OTHER, support_scope=Product.SupportScope.USER_AND_LICENCE_ONLY
        ),
    )

    key = open_for(world, subscription=esu, category=Category.PRODUCT_KEY)
    licence = open_for(world, subscription=rooms, category=Category.USER_AND_LICENCE)

    assert (key.category, licence.category) == ("product_key", "user_and_licence")
    with pytest.raises(OutOfScope):
        open_for(world, subscription=rooms, category=Category.STANDARD_FEATURE)


def test_a_customer_contract_overrides_the_resellers(world):
    SupportContractFactory(reseller=world["reseller"], customer=world["customer"], plan="24x365")

    ticket = open_for(world, severity="high")

    assert ticket.plan == "24x365"
    assert ticket.contract.customer == world["customer"]
