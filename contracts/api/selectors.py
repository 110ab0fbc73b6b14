"""Reads of contracts for the API, scoped to the caller: a reseller API user sees its own
reseller's customers, contacts and subscriptions; a subcontractor agent the customers of the
tickets assigned to its organisation (Art. 12); desk agents everything; anyone else nothing."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from contracts.models import Contact, Customer, Subscription
from contracts.selectors import contacts_with_domains, contracts_in_force
from helpdesk.api import caller_is_desk, caller_reseller_id
from tickets.selectors import user_is_subcontractor


def _customer_scope(user) -> Q | None:
    """The filter on Customer that the caller may see; None means "everything"."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    reseller_id = caller_reseller_id(user)
    if reseller_id is not None:
        return Q(reseller_id=reseller_id)
    if not caller_is_desk(user):
        return Q(pk__in=[])
    if user_is_subcontractor(user):
        organisation_id = getattr(getattr(user, "profile", None), "organisation_id", None)
        if organisation_id is None:
            return Q(pk__in=[])
        return Q(tickets__assigned_organisation_id=organisation_id)
    return None


def customers_visible_to(user) -> QuerySet[Customer]:
    """Customers with the support contracts in force today prefetched (own and reseller's),
    in a constant number of queries."""
    today = timezone.localdate()
    scope = _customer_scope(user)
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
    reseller_id = caller_reseller_id(user) if user.is_authenticated else None
    if reseller_id is not None:
        return queryset.filter(Q(reseller_id=reseller_id) | Q(customer__reseller_id=reseller_id))
    scope = _customer_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(customer__in=Customer.objects.filter(scope))


def subscriptions_visible_to(user) -> QuerySet[Subscription]:
    queryset = Subscription.objects.select_related("product", "customer")
    scope = _customer_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(customer__in=Customer.objects.filter(scope))
