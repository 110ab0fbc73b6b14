"""Reads of the Microsoft integration for the workspace: a customer's GDAP panel, a ticket's
service request, the incidents that may concern a ticket."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from contracts.models import Customer
from microsoft.models import GdapRelationship, Incident
from microsoft.roles import DEFAULT_REQUIRED_ROLES, role_name
from microsoft.rules import (
    IN_FORCE_STATUSES,
    AccessState,
    RelationshipFacts,
    delegated_access_state,
)
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


def required_roles() -> frozenset[str]:
    configured = getattr(settings, "GDAP_REQUIRED_ROLES", None) or DEFAULT_REQUIRED_ROLES
    return frozenset(role.lower() for role in configured)


def facts(relationship: GdapRelationship) -> RelationshipFacts:
    return RelationshipFacts(
        status=relationship.status,
        end_at=relationship.end_at,
        auto_extend_days=relationship.auto_extend_days,
        role_ids=tuple(relationship.role_ids),
        display_name=relationship.display_name,
    )


def access_state_for(customer: Customer, *, now: datetime.datetime) -> AccessState:
    relationships = [facts(r) for r in customer.gdap_relationships.all()]
    return delegated_access_state(relationships, required_roles=required_roles(), now=now)


@dataclass(frozen=True)
class GdapPanel:
    customer: Customer
    access: str
    reason: str
    roles: list[str]
    ends_at: datetime.datetime | None
    relationships: list[GdapRelationship]
    synced: bool


def gdap_panel(*, customer: Customer, now: datetime.datetime | None = None) -> GdapPanel:
    """What an agent sees of the distributor's access to a tenant (Art. 4.1): its state, the
    roles held and when they end; from the relationships when the GDAP sync knows any."""
    now = now or timezone.now()
    relationships = list(customer.gdap_relationships.order_by("-end_at", "relationship_id"))
    if relationships:
        state = access_state_for(customer, now=now)
        return GdapPanel(
            customer=customer,
            access=customer.delegated_access,
            reason=state.reason,
            roles=[role_name(r) for r in state.roles],
            ends_at=state.ends_at,
            relationships=relationships,
            synced=True,
        )
    return GdapPanel(
        customer=customer,
        access=customer.delegated_access,
        reason="",
        roles=[role_name(r) for r in customer.gdap_roles],
        ends_at=None,
        relationships=[],
        synced=False,
    )


def relationship_in_force(relationship: GdapRelationship) -> bool:
    return relationship.status.lower() in IN_FORCE_STATUSES


# --- incidents -----------------------------------------------------------------------------------


def incidents_listed():
    """Every incident, unresolved first, with the number of tenants it touches."""
    return Incident.objects.annotate(tenant_count=Count("tenants", distinct=True)).order_by(
        "is_resolved", "-start_at", "-id"
    )


def incident_for(*, issue_id: str) -> Incident:
    incident = Incident.objects.filter(issue_id=issue_id).first()
    if incident is None:
        raise Http404
    return incident


def incident_tickets_visible(*, incident: Incident, user) -> QuerySet[Ticket]:
    """The linked tickets the user may see (a subcontractor only its organisation's)."""
    return (
        tickets_visible_to(user)
        .filter(incident_links__incident=incident)
        .order_by("received_at", "id")
    )


def incident_suggestions(*, ticket: Ticket) -> tuple[list[Incident], list[Incident]]:
    """The incidents linked to the ticket, and the active ones in its tenant not yet linked."""
    linked = list(Incident.objects.filter(links__ticket=ticket).order_by("-start_at", "-id"))
    active = [
        incident
        for incident in Incident.objects.filter(
            is_resolved=False, tenants__customer=ticket.customer_id
        )
        .distinct()
        .order_by("-start_at", "-id")
        if incident not in linked
    ]
    return linked, active
