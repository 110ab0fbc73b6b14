"""Reads of tickets. Every list of tickets in the product starts from `tickets_visible_to`,
so scoping (reseller API users, subcontractor agents) is decided in one place."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import ticket_scope
from tickets.models import OPEN_STATUSES, Attachment, Message, Ticket


def ticket_list_queryset() -> QuerySet[Ticket]:
    """Tickets with what a list row shows, in a constant number of queries."""
    return Ticket.objects.select_related(
        "reseller", "customer", "subscription__product", "requester", "assignee", "contract"
    )


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """What `user` may see, by the one rule of `accounts.permissions.ticket_scope`: a reseller
    API user its reseller's tickets; a subcontractor agent the tickets assigned to its
    organisation (Art. 12); the distributor's desk everything; others nothing."""
    queryset = ticket_list_queryset()
    scope = ticket_scope(user)
    return queryset if scope is None else queryset.filter(scope)


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
