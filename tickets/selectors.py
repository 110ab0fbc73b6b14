"""Reads of tickets. Every list of tickets in the product starts from `tickets_visible_to`,
so scoping (reseller API users, subcontractor agents) is decided in one place."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organisation
from accounts.roles import Role
from tickets.models import OPEN_STATUSES, Attachment, Message, Ticket


def ticket_list_queryset() -> QuerySet[Ticket]:
    """Tickets with what a list row shows, in a constant number of queries."""
    return Ticket.objects.select_related(
        "reseller", "customer", "subscription__product", "requester", "assignee", "contract"
    )


def _group_names(user) -> set[str]:
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def user_reseller_id(user) -> int | None:
    """The one reseller a reseller API user acts for (None for desk users)."""
    profile = getattr(user, "profile", None)
    return profile.reseller_id if profile is not None else None


def user_is_subcontractor(user) -> bool:
    if user.is_superuser:
        return False
    profile = getattr(user, "profile", None)
    return Role.SUBCONTRACTOR_AGENT in _group_names(user) or (
        profile is not None
        and profile.organisation is not None
        and profile.organisation.kind == Organisation.Kind.SUBCONTRACTOR
    )


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """What `user` may see: a reseller API user its reseller's tickets; a subcontractor agent
    the tickets assigned to its organisation (Art. 12); desk agents everything; others
    nothing."""
    queryset = ticket_list_queryset()
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    reseller_id = user_reseller_id(user)
    if reseller_id is not None:
        return queryset.filter(reseller_id=reseller_id)
    if user_is_subcontractor(user):
        organisation_id = user.profile.organisation_id if hasattr(user, "profile") else None
        if organisation_id is None:
            return queryset.none()
        return queryset.filter(assigned_organisation_id=organisation_id)
    if _group_names(user) & {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}:
        return queryset
    return queryset.none()


def tickets_open() -> QuerySet[Ticket]:
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


def attachments_public(*, ticket: Ticket) -> QuerySet[Attachment]:
    """The files of what the requester's side sees (`messages_public`): never an internal
    note's."""
    return Attachment.objects.filter(message__ticket=ticket).exclude(
        message__kind=Message.Kind.INTERNAL_NOTE
    )


def messages_public(*, ticket: Ticket) -> QuerySet[Message]:
    """What the requester's side sees: never internal notes."""
    return (
        ticket.messages.exclude(kind=Message.Kind.INTERNAL_NOTE)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )


def messages_all(*, ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author_user", "author_contact").prefetch_related(
        "attachments"
    )
