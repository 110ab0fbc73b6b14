"""Reads of tickets. Every list of tickets in the product starts from `tickets_visible_to`,
so scoping (reseller API users, subcontractor agents) is decided in one place."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import F, Q, QuerySet

from accounts.permissions import ticket_scope
from sla import deadlines
from sla.models import Severity
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


def tickets_breached(*, now: datetime.datetime) -> QuerySet[Ticket]:
    """Unanswered tickets whose deadline has passed (marked or not yet marked)."""
    return Ticket.objects.filter(
        Q(breached_at__isnull=False) | Q(first_response_due__lte=now),
        first_responded_at__isnull=True,
        first_response_due__isnull=False,
        status__in=OPEN_STATUSES,
    )


def tickets_at_risk(*, now: datetime.datetime) -> QuerySet[Ticket]:
    """Unanswered tickets past their warning point but not yet past the deadline."""
    return Ticket.objects.filter(
        first_responded_at__isnull=True,
        at_risk_at__lte=now,
        first_response_due__gt=now,
        status__in=OPEN_STATUSES,
    )


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


def ticket_sla_state(*, ticket: Ticket, now: datetime.datetime) -> deadlines.SlaState:
    """Where the ticket's first-response clock stands at `now` (DOMAIN.md §7, §8), with the
    same warning rule the sweep uses (a share of the window; for 重大 also minutes before)."""
    return deadlines.sla_state(
        now=now,
        received_at=ticket.received_at,
        first_response_due=ticket.first_response_due,
        first_responded_at=ticket.first_responded_at,
        at_risk_share=settings.SLA_AT_RISK_SHARE,
        critical_at_risk_minutes=settings.SLA_CRITICAL_AT_RISK_MINUTES
        if ticket.severity == Severity.CRITICAL
        else None,
        breached_at=ticket.breached_at,
        stopped_at=ticket.resolved_at or ticket.closed_at,
    )


def q_stopped_before_due() -> Q:
    """Finished (resolved, or closed without being resolved) before the first-response
    deadline and never answered: SlaState.STOPPED, owed nothing (`ticket_sla_state`)."""
    due = F("first_response_due")
    return Q(
        first_responded_at__isnull=True, first_response_due__isnull=False, breached_at__isnull=True
    ) & (
        Q(resolved_at__isnull=False, resolved_at__lt=due)
        | Q(resolved_at__isnull=True, closed_at__isnull=False, closed_at__lt=due)
    )


def ticket_sla_margin(*, ticket: Ticket, now: datetime.datetime) -> datetime.timedelta | None:
    """Deadline minus the first response (or `now` while unanswered); negative when late."""
    return deadlines.sla_margin(
        now=now,
        first_response_due=ticket.first_response_due,
        first_responded_at=ticket.first_responded_at,
    )
