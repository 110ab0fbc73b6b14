"""Reads of contracts: which support contract applies to a customer, and whether a global
admin's address is known to be theirs."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace

from contracts import phones, verification
from contracts.models import Contact, Customer, SupportContract


def contracts_in_force(*, on: datetime.date) -> QuerySet[SupportContract]:
    return SupportContract.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        status=SupportContract.Status.ACTIVE,
        starts_on__lte=on,
    )


def contract_for(*, customer: Customer, on: datetime.date) -> SupportContract | None:
    """The contract that applies to `customer` on `on`: its own contract overrides its
    reseller's. At most one exists at each level (database constraint + contract_save)."""
    candidates = list(
        contracts_in_force(on=on)
        .filter(Q(customer=customer) | Q(customer__isnull=True, reseller_id=customer.reseller_id))
        .order_by("customer_id")  # nulls last on PostgreSQL, first on SQLite: sorted below
    )
    own = [c for c in candidates if c.customer_id == customer.id]
    if own:
        return own[0]
    return candidates[0] if candidates else None


def contacts_global_admins_for(*, customer: Customer) -> QuerySet[Contact]:
    """Who may ask about this customer (Art. 3.2): its global admins and its reseller's."""
    return Contact.objects.filter(
        Q(customer=customer) | Q(reseller_id=customer.reseller_id),
        is_global_admin=True,
        is_active=True,
    )


def customer_domains(*, customer: Customer) -> list[str]:
    return verification.tenant_domains(
        primary_domain=customer.primary_domain, domains=customer.domains or []
    )


def contacts_with_domains(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """Contacts with what `contact_domains` reads loaded: the customer, and for a person of a
    reseller the reseller's own tenant, in a constant number of queries for a whole list."""
    return queryset.select_related("customer", "reseller").prefetch_related(
        Prefetch(
            "reseller__customers",
            queryset=Customer.objects.filter(is_reseller_tenant=True),
            to_attr="own_tenants",
        )
    )


def contact_domains(*, contact: Contact) -> list[str]:
    """The domains a contact's address may be in: its customer's; for a person of the
    reseller itself, those of the reseller's own tenant (none when it has no tenant here)."""
    if contact.customer is not None:
        return customer_domains(customer=contact.customer)
    reseller_field = Contact._meta.get_field("reseller")
    own_tenants: Iterable[Customer]
    reseller = contact.reseller if reseller_field.is_cached(contact) else None
    if reseller is not None and hasattr(reseller, "own_tenants"):
        # Prefetched by contacts_with_domains() (to_attr).
        own_tenants = reseller.own_tenants
    else:
        reseller_id = contact.reseller_id
        assert reseller_id is not None, "contact_one_party: no customer, so a reseller"
        own_tenants = Customer.objects.filter(reseller_id=reseller_id, is_reseller_tenant=True)
    return [domain for tenant in own_tenants for domain in customer_domains(customer=tenant)]


def contact_global_admin_verification(*, contact: Contact) -> str | None:
    """DOMAIN.md §12, for one contact: 'domain', 'desk', 'unverified', or None when it is not
    flagged global admin. The one decision every channel and screen asks."""
    if not contact.is_global_admin:
        return None
    return verification.global_admin_verification(
        email=contact.email,
        is_global_admin=contact.is_global_admin,
        verified_at=contact.global_admin_verified_at,
        domains=contact_domains(contact=contact),
    )


_PHONE_SEPARATORS = ("-", " ", "(", ")", "+", "‐", "－", "ー")


def contacts_with_phone(*, number: str) -> QuerySet[Contact]:
    """Contacts registered with exactly this telephone number, however either side wrote it
    (`contracts.phones`); none for fewer than MIN_PHONE_DIGITS digits. One query, in SQL that
    SQLite speaks too."""
    digits = phones.phone_digits(number)
    if len(digits) < phones.MIN_PHONE_DIGITS:
        return Contact.objects.none()
    stored = Replace("phone", Value(_PHONE_SEPARATORS[0]), Value(""))
    for separator in _PHONE_SEPARATORS[1:]:
        stored = Replace(stored, Value(separator), Value(""))
    return (
        Contact.objects.exclude(phone="")
        .alias(digits=stored)
        .filter(digits__in=phones.stored_digit_forms(digits))
    )
