"""Reads of tickets for the API. The SLA filters are `tickets.clocks`' conditions (so
`?breached=true` pages through the database, not Python)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from sla.models import Severity
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

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
        .prefetch_related("clocks")
        .annotate(severity_rank=SEVERITY_RANK)
    )
