"""Reads of tickets for the API: the SLA states of `tickets.selectors.ticket_sla_state` as
database filters (so `?breached=true` and `?at_risk=true` page through the database, not
Python). The Q objects say exactly what `sla.deadlines.sla_state` says, row by row: a test
compares them on every state."""

from __future__ import annotations

import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from sla.models import Severity
from tickets.models import Ticket
from tickets.selectors import q_stopped_before_due, tickets_visible_to


def q_breached(*, now: datetime.datetime) -> Q:
    """BREACHED: answered after the deadline, or unanswered and past it (or marked), unless
    finished before it without a response (STOPPED)."""
    answered_late = Q(
        first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due")
    )
    unanswered_late = Q(first_responded_at__isnull=True) & (
        Q(breached_at__isnull=False) | Q(first_response_due__lte=now)
    )
    return (
        Q(first_response_due__isnull=False)
        & (answered_late | unanswered_late)
        & ~q_stopped_before_due()
    )


def q_not_breached(*, now: datetime.datetime) -> Q:
    """The complement of `q_breached`, spelled out so NULLs cannot drop rows from either."""
    return (
        Q(first_response_due__isnull=True)
        | Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due"))
        | Q(first_responded_at__isnull=True, breached_at__isnull=True, first_response_due__gt=now)
        | q_stopped_before_due()
    )


def q_at_risk(*, now: datetime.datetime) -> Q:
    """AT_RISK: open (never finished), unanswered, not breached, past the warning point stored
    on the ticket."""
    return Q(
        resolved_at__isnull=True,
        closed_at__isnull=True,
        first_response_due__gt=now,
        first_responded_at__isnull=True,
        breached_at__isnull=True,
        at_risk_at__lte=now,
    )


def q_not_at_risk(*, now: datetime.datetime) -> Q:
    return (
        Q(first_response_due__isnull=True)
        | Q(first_response_due__lte=now)
        | Q(first_responded_at__isnull=False)
        | Q(breached_at__isnull=False)
        | Q(at_risk_at__isnull=True)
        | Q(at_risk_at__gt=now)
        | Q(resolved_at__isnull=False)
        | Q(closed_at__isnull=False)
    )


SEVERITY_RANK = Case(
    When(severity=Severity.CRITICAL, then=Value(0)),
    When(severity=Severity.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def tickets_for_api(*, user) -> QuerySet[Ticket]:
    """The caller's tickets (reseller scoping in `tickets_visible_to`), with the severity
    rank for ordering by 重大 → 高 → 重大でない."""
    # Only the relations the API shows: fewer joins keep the planner and the sort cheap.
    return (
        tickets_visible_to(user)
        .select_related(None)
        .select_related("customer", "subscription__product", "requester")
        .annotate(severity_rank=SEVERITY_RANK)
    )
