"""Writes of contacts made through the reseller API (a reseller keeps its people current).

Contacts had no write service yet; these follow the house shape (keyword-only, atomic, the
acting user on the history row) so that other channels can call them too."""

from __future__ import annotations

from django.db import transaction

from contracts.models import Contact, Customer

_EDITABLE = ("name", "email", "phone", "is_global_admin")


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
    unknown = set(changes) - set(_EDITABLE)
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
