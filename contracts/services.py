"""Writes of contracts."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q

from contracts.exceptions import ContractOverlap
from contracts.models import Contact, Customer, SupportContract

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
