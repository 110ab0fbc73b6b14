"""Reads of contracts: which support contract applies to a customer."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

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
