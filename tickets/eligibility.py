"""The terms' rules on who may ask about what (Art. 3.1, 3.2, 5, 7), as plain functions.

Each rule raises its own named error, so every channel (phone, email, web, API) refuses the
same inquiries with the same code."""

from __future__ import annotations

import datetime

from contracts.models import Contact, Customer, Product, Subscription
from contracts.selectors import contact_global_admin_verification
from contracts.verification import GlobalAdminVerification
from tickets.exceptions import (
    OutOfScope,
    ProductNotSupported,
    RequesterNotGlobalAdmin,
    RequesterNotVerified,
    SubscriptionNotActive,
)
from tickets.models import Category

Scope = Product.SupportScope

_M365_SCOPE = frozenset(
    {
        Category.STANDARD_FEATURE,
        Category.CLOUD_OUTAGE,
        Category.ISOLATION,
        Category.TECHNICAL_INFORMATION,
        Category.CLIENT_SETUP,
        # DOMAIN.md §11: creating users and assigning licences in the admin center is a
        # standard cloud feature of Microsoft 365 / Office 365, so in scope there too.
        Category.USER_AND_LICENCE,
    }
)
# Dynamics 365: its own list, without client application setup (Art. 3.1 <Dynamics 365>)
# nor the Microsoft 365 admin center's user creation.
_DYNAMICS_SCOPE = _M365_SCOPE - {Category.CLIENT_SETUP, Category.USER_AND_LICENCE}

# Which inquiry categories a product admits, by family and support scope (DOMAIN.md).
#  - full: Microsoft 365 / Office 365 standard scope, Dynamics 365 its own scope;
#  - product_key_only: perpetual / Software in CSP (Windows ESU too): up to the product key;
#  - user_and_licence_only: products with a support-hours suffix: user creation and licences.
# Client app behaviour, how to use apps, and Windows / the OS are never in scope.


def categories_in_scope(product: Product) -> frozenset[str]:
    if not product.support_included or product.support_scope == Scope.NONE:
        return frozenset()
    if product.support_scope == Scope.PRODUCT_KEY_ONLY:
        return frozenset({Category.PRODUCT_KEY})
    if product.support_scope == Scope.USER_AND_LICENCE_ONLY:
        return frozenset({Category.USER_AND_LICENCE})
    if product.family == Product.Family.DYNAMICS_365:
        return _DYNAMICS_SCOPE
    return _M365_SCOPE


def check_requester(*, requester: Contact, customer: Customer) -> None:
    """Art. 3.2 / 6.1: a global admin of the customer, or of the customer's reseller, whose
    address is known to be theirs (DOMAIN.md §12: in the tenant's domains, or verified by a
    desk user) — on every channel, so a flag typed into a form is not enough."""
    belongs = requester.customer_id == customer.id or (
        requester.reseller_id is not None and requester.reseller_id == customer.reseller_id
    )
    if not (belongs and requester.is_global_admin and requester.is_active):
        raise RequesterNotGlobalAdmin(fields={"requester": [RequesterNotGlobalAdmin.code]})
    verification = contact_global_admin_verification(contact=requester)
    if verification == GlobalAdminVerification.UNVERIFIED:
        raise RequesterNotVerified(fields={"requester": [RequesterNotVerified.code]})


def check_subscription(
    *, subscription: Subscription, customer: Customer, at: datetime.datetime
) -> None:
    """Art. 5.1 / 7: service runs from availability until the subscription ends."""
    active = (
        subscription.customer_id == customer.id
        and subscription.status == Subscription.Status.ACTIVE
        and subscription.available_at is not None
        and subscription.available_at <= at
    )
    if not active:
        raise SubscriptionNotActive(fields={"subscription": [SubscriptionNotActive.code]})


def check_product_and_category(*, product: Product, category: str) -> None:
    if not product.support_included or product.support_scope == Scope.NONE:
        raise ProductNotSupported(fields={"subscription": [ProductNotSupported.code]})
    if category not in categories_in_scope(product):
        raise OutOfScope(fields={"category": [OutOfScope.code]})


def check_eligibility(
    *,
    customer: Customer,
    subscription: Subscription,
    requester: Contact,
    category: str,
    at: datetime.datetime,
) -> None:
    """All of the terms' intake rules, in the order an agent would check them."""
    check_requester(requester=requester, customer=customer)
    check_subscription(subscription=subscription, customer=customer, at=at)
    check_product_and_category(product=subscription.product, category=category)
