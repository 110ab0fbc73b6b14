"""Writes of contracts."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from contracts.exceptions import (
    ContactEmailTaken,
    ContractOverlap,
    MaskedValue,
    VerificationNotApplicable,
)
from contracts.models import (
    Contact,
    Customer,
    Product,
    Reseller,
    Subscription,
    SupportContract,
    VerificationMethod,
)
from helpdesk.history import history_user_set

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
    history_user_set(contract, actor)
    contract.save()
    return contract


CONTACT_EDITABLE = ("name", "email", "phone", "is_global_admin", "is_active")

# The character workspace.selectors.mask_email / mask_phone write in place of what a screen
# hides (Art. 14). No real address or phone number contains it.
_MASK = "•"


def _masked_fields(values: dict[str, object]) -> list[str]:
    return [
        name
        for name in ("email", "phone")
        if isinstance(values.get(name), str) and _MASK in str(values[name])
    ]


def contact_email_check(*, email: str, exclude_pk: int | None = None) -> None:
    """DOMAIN.md §12: an address belongs to at most one active contact, across all resellers.
    The error does not say whose it is."""
    taken = Contact.objects.filter(email__iexact=email.strip(), is_active=True)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ContactEmailTaken(fields={"email": [ContactEmailTaken.code]})


def _contact_save(contact: Contact, actor) -> None:
    """Save, turning a concurrent claim of the same address (the database's unique
    constraint) into the same error as the check before it."""
    history_user_set(contact, actor)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        if contact.is_active:
            contact_email_check(email=contact.email, exclude_pk=contact.pk)
        raise


def _verification_clear(contact: Contact) -> None:
    contact.global_admin_verified_at = None
    contact.global_admin_verified_by = None
    contact.global_admin_verification_method = ""
    contact.global_admin_verification_note = ""


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
    """A person of a customer (or, without a customer, of the reseller itself). Its address
    must not be another active contact's (DOMAIN.md §12); a global admin may ask once the
    address is in the tenant's domains or a desk user verified it."""
    masked = _masked_fields({"email": email, "phone": phone})
    if masked:
        raise MaskedValue(fields={name: [MaskedValue.code] for name in masked})
    email = email.strip()
    contact_email_check(email=email)
    contact = Contact(
        customer=customer,
        reseller_id=None if customer is not None else reseller_id,
        name=name,
        email=email,
        phone=phone,
        is_global_admin=is_global_admin,
    )
    _contact_save(contact, actor)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor=None, **changes: object) -> Contact:
    """Change a contact's name, email, phone, global-admin flag (Art. 3.2: who may ask) or
    whether it is active.

    A masked email or phone sent back (what a masked screen or API answer showed, Art. 14)
    stands for "unchanged": it never replaces the real value. A new address, or the flag
    turned off, clears a desk user's verification: it was of the old address."""
    unknown = set(changes) - set(CONTACT_EDITABLE)
    if unknown:
        raise TypeError(f"contact_update cannot change {sorted(unknown)}")
    for name in _masked_fields(changes):
        del changes[name]
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if isinstance(changes.get("email"), str):
        changes["email"] = str(changes["email"]).strip()
    new_email = changes.get("email")
    email_changed = new_email is not None and str(new_email).lower() != contact.email.lower()
    reactivated = changes.get("is_active") is True and not contact.is_active
    if email_changed or reactivated:
        contact_email_check(email=str(new_email or contact.email), exclude_pk=contact.pk)
    for name, value in changes.items():
        setattr(contact, name, value)
    if email_changed or changes.get("is_global_admin") is False:
        _verification_clear(contact)
    _contact_save(contact, actor)
    return contact


@transaction.atomic
def contact_verify_global_admin(
    *,
    contact: Contact,
    actor,
    method: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Contact:
    """A desk user confirmed that this address belongs to a global admin of the contact's
    tenant (DOMAIN.md §12: by a call-back to the registered number, or in the admin center):
    who, when and how are kept, and the change is in the contact's history."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not (contact.is_active and contact.is_global_admin):
        raise VerificationNotApplicable(fields={"contact": [VerificationNotApplicable.code]})
    contact.global_admin_verified_at = now or timezone.now()
    contact.global_admin_verified_by = actor if getattr(actor, "is_authenticated", False) else None
    contact.global_admin_verification_method = VerificationMethod(method).value
    contact.global_admin_verification_note = note.strip()
    _contact_save(contact, actor)
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
    history_user_set(customer, actor)
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
    history_user_set(customer, actor)
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
    history_user_set(product, actor)
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
    history_user_set(subscription, actor)
    subscription.save()
    return subscription
