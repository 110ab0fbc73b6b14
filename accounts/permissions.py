"""Who may see and do what: the one home of the desk's authorization rules (issue 10).

Every screen, the API, the admin, the mail views, exports and the worker ask this module;
none checks groups or profiles itself. A user's place in the desk (its role groups, the one
reseller an API user acts for, the organisation an agent works for) is read once per user
object, in two queries, and kept on it (`access_of`).

Each rule that scopes a list has two forms tested to agree: the Python decision
(`may_see_ticket`) and its queryset twin (`ticket_scope`, `customer_scope`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from accounts.models import Organisation, Profile
from accounts.roles import Role

# Roles of the desk (the distributor's agents and its subcontractors' agents, Art. 12).
DESK_ROLES = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN, Role.SUBCONTRACTOR_AGENT}
)
# The distributor's own desk: reads what comes from anyone about anything (held mail, every
# customer), which a subcontractor does not (Art. 12: only what their work needs).
DISTRIBUTOR_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})

_CACHE_ATTRIBUTE = "_helpdesk_access"
_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Access:
    """What the rules need to know about a user, read once."""

    authenticated: bool = False
    superuser: bool = False
    roles: frozenset[str] = frozenset()
    reseller_id: int | None = None
    organisation_id: int | None = None
    organisation_is_subcontractor: bool = False

    @property
    def is_reseller(self) -> bool:
        """A reseller API user: acts for its one reseller and never as the desk, whatever
        else it holds (a reseller's token must not read other resellers' tickets)."""
        return self.authenticated and self.reseller_id is not None

    def has_role(self, role: str) -> bool:
        """In the role's group; a superuser holds every desk role (not a reseller's)."""
        if not self.authenticated or self.is_reseller:
            return False
        return self.superuser or role in self.roles

    def has_any_role(self, roles) -> bool:
        return any(self.has_role(role) for role in roles)

    @property
    def is_subcontractor(self) -> bool:
        """An agent of a subcontractor (Art. 12): by its role, or by its organisation."""
        if not self.authenticated or self.superuser or self.is_reseller:
            return False
        return Role.SUBCONTRACTOR_AGENT in self.roles or self.organisation_is_subcontractor

    @property
    def is_desk(self) -> bool:
        """Works tickets in the workspace (the distributor's agents and subcontractors')."""
        return self.has_any_role(DESK_ROLES)

    @property
    def is_distributor_desk(self) -> bool:
        """The distributor's own desk, not a subcontractor."""
        return self.has_any_role(DISTRIBUTOR_ROLES) and not self.is_subcontractor


def access_of(user) -> Access:
    """The user's `Access`, computed on first use and kept on the user object (one request,
    one computation)."""
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated:
        return Access()
    profile: Mapping[str, Any] = (
        Profile.objects.filter(user_id=user.pk)
        .values("reseller_id", "organisation_id", "organisation__kind")
        .first()
    ) or {}
    access = Access(
        authenticated=True,
        superuser=bool(user.is_superuser),
        roles=frozenset(user.groups.values_list("name", flat=True)),
        reseller_id=profile.get("reseller_id"),
        organisation_id=profile.get("organisation_id"),
        organisation_is_subcontractor=profile.get("organisation__kind")
        == Organisation.Kind.SUBCONTRACTOR,
    )
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def access_forget(user) -> None:
    """Drop the kept `Access` (after a change of the user's groups or profile)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# --- what a role may do -------------------------------------------------------------------------


def may_use_workspace(user) -> bool:
    """The agent workspace, incidents, notifications of the desk."""
    return access_of(user).is_desk


def may_use_api(user) -> bool:
    """The REST API: a reseller API user, or a desk user's browser session."""
    access = access_of(user)
    return access.is_reseller or access.is_desk


def may_manage_webhooks(user) -> bool:
    """Webhooks belong to one reseller: only its API users."""
    return access_of(user).is_reseller


def may_see_dashboard(user) -> bool:
    return access_of(user).has_any_role(SUPERVISOR_ROLES) and not access_of(user).is_subcontractor


def may_supervise(user) -> bool:
    """Supervisors, managers and admins: bulk actions on the queue, the shared reply
    templates."""
    return access_of(user).has_any_role(SUPERVISOR_ROLES)


def may_read_reports(user) -> bool:
    """SLA and workload reports: supervisors, managers and admins (a subcontractor's
    supervisor sees its own tickets' figures: the report is scoped by `ticket_scope`)."""
    return access_of(user).has_any_role(SUPERVISOR_ROLES)


def may_edit_articles(user) -> bool:
    """Knowledge articles are written by the distributor's desk; subcontractors read them."""
    return access_of(user).is_distributor_desk


def may_read_held_mail(user) -> bool:
    """Held mail comes from anyone about anything: the distributor's desk only."""
    return access_of(user).is_distributor_desk


def may_open_tickets(user) -> bool:
    """Intake (phone, API on a customer's behalf) is the distributor's: a subcontractor works
    only the tickets handed to its organisation (Art. 12), and would not see a new one."""
    access = access_of(user)
    return access.is_reseller or access.is_distributor_desk


def may_browse_customers(user) -> bool:
    """Search the distributor's customers (phone intake): not a subcontractor."""
    return access_of(user).is_distributor_desk


def may_assign_others(user) -> bool:
    """Hand a ticket to another agent or organisation: the distributor's desk."""
    return access_of(user).is_distributor_desk


def may_write_contacts(user) -> bool:
    """Who may change the people of a customer, global-admin flag included (Art. 3.2): a
    reseller for its own customers; on the desk those allowed to change contacts
    (supervisors, managers, admins), not every agent nor a subcontractor."""
    access = access_of(user)
    if access.is_reseller:
        return True
    return access.is_distributor_desk and user.has_perm("contracts.change_contact")


def may_read_reveal_log(user) -> bool:
    """The log of personal-data reveals is read by admins (Art. 14)."""
    return access_of(user).has_role(Role.ADMIN)


def may_change_ticket_workflow(user) -> bool:
    """Admin actions on tickets (status, severity, assignment) go through the same services
    as the workspace: the distributor's supervisors, managers and admins."""
    return access_of(user).has_any_role(SUPERVISOR_ROLES) and not access_of(user).is_subcontractor


def personal_data_unmasked(user, *, revealed: bool) -> bool:
    """Art. 14: a reseller reads its own contacts as it registered them; a desk user reads
    a contact's email and phone masked unless it revealed them with a purpose (logged)."""
    access = access_of(user)
    if access.is_reseller:
        return True
    return revealed


def mask_email(email: str) -> str:
    """What a masked screen shows of an address: its first letter and its domain."""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def mask_phone(phone: str) -> str:
    """What a masked screen shows of a phone number: its last two digits."""
    return f"•••-••••-{phone[-2:]}" if len(phone) >= 2 else ("•••" if phone else "")


# --- what a role may see ------------------------------------------------------------------------


def ticket_scope(user) -> Q | None:
    """The tickets `user` may see, as a condition on Ticket; None means every ticket.

    A reseller API user: its reseller's tickets. A subcontractor agent: the tickets assigned
    to its organisation (Art. 12). The distributor's desk: everything. Anyone else: nothing."""
    access = access_of(user)
    if access.is_reseller:
        return Q(reseller_id=access.reseller_id)
    if access.is_subcontractor:
        if access.organisation_id is None:
            return _NOTHING
        return Q(assigned_organisation_id=access.organisation_id)
    if access.is_desk:
        return None
    return _NOTHING


def may_see_ticket(user, ticket) -> bool:
    """The Python twin of `ticket_scope`, for one ticket in hand."""
    access = access_of(user)
    if access.is_reseller:
        return ticket.reseller_id == access.reseller_id
    if access.is_subcontractor:
        return (
            access.organisation_id is not None
            and ticket.assigned_organisation_id == access.organisation_id
        )
    return access.is_desk


def may_merge_tickets(user, duplicate, original) -> bool:
    """Merge a duplicate into its original, or link two tickets: a desk user who sees both
    (a subcontractor only within its organisation's tickets, Art. 12)."""
    return (
        access_of(user).is_desk
        and may_see_ticket(user, duplicate)
        and may_see_ticket(user, original)
    )


def customer_scope(user) -> Q | None:
    """The customers `user` may see, as a condition on Customer; None means every customer:
    a reseller its own; a subcontractor those of the tickets it may see; the distributor's
    desk all."""
    access = access_of(user)
    if access.is_reseller:
        return Q(reseller_id=access.reseller_id)
    if access.is_subcontractor:
        if access.organisation_id is None:
            return _NOTHING
        return Q(tickets__assigned_organisation_id=access.organisation_id)
    if access.is_desk:
        return None
    return _NOTHING
