"""Writes of contracts."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q

from contracts.exceptions import ContractOverlap
from contracts.models import Contact, Customer, Product, Reseller, Subscription, SupportContract

_FAR_FUTURE = datetime.date(9999, 12, 31)


def contract_overlaps(contract: SupportContract) -> bool:
    """True when another active contract at the same level covers part of this one's period."""
    if contract.status != SupportContract.Status.ACTIVE:
        return False
    others = SupportContract.objects.filter(status=SupportContract.Status.ACTIVE).exclude(
        pk=contract.pk
    )
    if contract.customer_id is not None:
        others = others.filter(customer_id=contract.customer_id)
    else:
        others = others.filter(customer__isnull=True, reseller_id=contract.reseller_id)
    ends_on = contract.ends_on or _FAR_FUTURE
    return (
        others.filter(starts_on__lte=ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=contract.starts_on))
        .exists()
    )


@transaction.atomic
def contract_save(*, contract: SupportContract, actor=None) -> SupportContract:
    """Save a contract after checking that exactly one contract applies at every moment."""
    if contract.customer_id is not None:
        # A customer contract always belongs to the customer's reseller.
        contract.reseller_id = (
            Customer.objects.only("reseller_id").get(pk=contract.customer_id).reseller_id
        )
    if contract_overlaps(contract):
        raise ContractOverlap(fields={"starts_on": ["overlap"], "ends_on": ["overlap"]})
    contract._history_user = actor
    contract.save()
    return contract


_CONTACT_EDITABLE = ("name", "email", "phone", "is_global_admin")


@transaction.atomic
def contact_create(
    *,
    name: str,
    email: str,
    phone: str = "",
    is_global_admin: bool = False,
    customer: Customer | None = None,
    reseller_id: int | None = None,
    actor=None,
) -> Contact:
    """A person of a customer (or, without a customer, of the reseller itself)."""
    contact = Contact(
        customer=customer,
        reseller_id=None if customer is not None else reseller_id,
        name=name,
        email=email,
        phone=phone,
        is_global_admin=is_global_admin,
    )
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor=None, **changes: object) -> Contact:
    """Change a contact's name, email, phone or global-admin flag (Art. 3.2: who may ask)."""
    unknown = set(changes) - set(_CONTACT_EDITABLE)
    if unknown:
        raise TypeError(f"contact_update cannot change {sorted(unknown)}")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    for name, value in changes.items():
        setattr(contact, name, value)
    if changes.get("is_global_admin") is False:
        contact.global_admin_verified_at = None
    contact._history_user = actor
    contact.save()
    return contact


# --- customers, products and subscriptions (written by the Microsoft sync and the admin) -------

_CUSTOMER_SYNCED = (
    "name",
    "primary_domain",
    "domains",
    "delegated_access",
    "delegated_access_changed_at",
    "delegated_access_changed_by",
    "gdap_expires_on",
    "gdap_roles",
    "gdap_holder",
)


@transaction.atomic
def customer_create(
    *,
    reseller: Reseller,
    name: str,
    tenant_id,
    primary_domain: str,
    domains: list[str] | None = None,
    actor=None,
) -> Customer:
    customer = Customer(
        reseller=reseller,
        name=name,
        tenant_id=tenant_id,
        primary_domain=primary_domain,
        domains=list(domains or []),
    )
    customer._history_user = actor
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor=None, **changes: object) -> Customer:
    """Change what Microsoft is the source of (name, domains, delegated access). The
    reseller, the contracts and the contacts are never changed here."""
    unknown = set(changes) - set(_CUSTOMER_SYNCED)
    if unknown:
        raise TypeError(f"customer_update cannot change {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in changes.items():
        setattr(customer, name, value)
    customer._history_user = actor
    customer.save()
    return customer


@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    family: str,
    support_included: bool,
    support_scope: str,
    actor=None,
) -> Product:
    product = Product(
        sku=sku,
        name=name,
        family=family,
        support_included=support_included,
        support_scope=support_scope,
    )
    product._history_user = actor
    product.save()
    return product


_SUBSCRIPTION_FIELDS = (
    "product",
    "quantity",
    "ordered_at",
    "available_at",
    "status",
    "ended_at",
    "end_reason",
)


@transaction.atomic
def subscription_save(
    *,
    subscription: Subscription | None = None,
    customer: Customer | None = None,
    actor=None,
    **fields: object,
) -> Subscription:
    """Create a subscription of `customer`, or change one. Art. 5.1 / 7: an active one has
    become available; an ended one says when and why; a live one says neither (the
    database checks both)."""
    unknown = set(fields) - set(_SUBSCRIPTION_FIELDS)
    if unknown:
        raise TypeError(f"subscription_save cannot change {sorted(unknown)}")
    if subscription is None:
        subscription = Subscription(customer=customer)
    else:
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    for name, value in fields.items():
        setattr(subscription, name, value)
    if subscription.status != Subscription.Status.ENDED:
        subscription.ended_at = None
        subscription.end_reason = ""
    subscription._history_user = actor
    subscription.save()
    return subscription
