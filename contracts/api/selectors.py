"""Reads of contracts for the API, scoped to the caller: a reseller API user sees its own
reseller's customers, contacts and subscriptions; a subcontractor agent the customers of the
tickets assigned to its organisation (Art. 12); desk agents everything; anyone else nothing:
the rules of `accounts.permissions.customer_scope`."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.permissions import access_of, customer_scope
from contracts.models import Contact, Customer, Subscription
from contracts.selectors import contacts_with_domains, contracts_in_force


def customers_visible_to(user) -> QuerySet[Customer]:
    """Customers with the support contracts in force today prefetched (own and reseller's),
    in a constant number of queries."""
    today = timezone.localdate()
    scope = customer_scope(user)
    queryset = Customer.objects.select_related("reseller").prefetch_related(
        Prefetch(
            "support_contracts", queryset=contracts_in_force(on=today), to_attr="contracts_own"
        ),
        Prefetch(
            "reseller__support_contracts",
            queryset=contracts_in_force(on=today).filter(customer__isnull=True),
            to_attr="contracts_reseller",
        ),
    )
    if scope is not None:
        queryset = queryset.filter(scope).distinct()
    return queryset


def contacts_visible_to(user) -> QuerySet[Contact]:
    """Contacts of the visible customers, and a reseller user's own reseller contacts, with
    what their global-admin verification reads (no query per row)."""
    queryset = contacts_with_domains(Contact.objects.all())
    access = access_of(user)
    if access.is_reseller:
        reseller_id = access.reseller_id
        return queryset.filter(Q(reseller_id=reseller_id) | Q(customer__reseller_id=reseller_id))
    scope = customer_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(customer__in=Customer.objects.filter(scope))


def subscriptions_visible_to(user) -> QuerySet[Subscription]:
    queryset = Subscription.objects.select_related("product", "customer")
    scope = customer_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(customer__in=Customer.objects.filter(scope))
