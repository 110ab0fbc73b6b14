"""Recomputing the deadlines of open, unanswered tickets after an admin edited the calendar or
a policy.

Editing a policy or the calendar never rewrites a deadline by itself (issue 3): the plan lists
what would move, a person (admin action) or an operator (command) confirms, and the apply step
records each move in the ticket's history and timeline. A ticket keeps its frozen policy; only
the current calendar and the current rules of that policy are re-read.

The clock of a ticket starts at its submission, or at its last severity change before the first
response (DOMAIN.md §9: recomputed as if received at the moment of the change)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from contracts.models import Plan
from helpdesk.history import history_change_reason_set, history_user_set
from sla import calendars, deadlines, selectors
from sla import services as sla_services
from sla.models import Severity
from tickets.events import event_record
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent

# Why a ticket's history row was written (simple_history's change reason).
CHANGE_REASON = "期限再計算"


def _iso(moment: datetime.datetime | None) -> str | None:
    # Shown in JST (DOMAIN.md point 1) whatever zone the database handed back.
    return moment.astimezone(calendars.TOKYO).isoformat() if moment is not None else None


@dataclass(frozen=True)
class Move:
    """One ticket whose receipt or first-response deadline would change, and its new fields."""

    ticket_id: int
    number: str
    plan: str
    severity: str
    clock_from: datetime.datetime
    old_received_at: datetime.datetime | None
    new_received_at: datetime.datetime
    old_due: datetime.datetime | None
    new_due: datetime.datetime | None
    fields: sla_services.DeadlineFields

    @property
    def plan_label(self) -> str:
        return str(Plan(self.plan).label)

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def token(self) -> str:
        """Identifies this move exactly: a confirmation applies only the moves it showed."""
        return "|".join(
            [
                str(self.ticket_id),
                _iso(self.old_received_at) or "",
                _iso(self.new_received_at) or "",
                _iso(self.old_due) or "",
                _iso(self.new_due) or "",
            ]
        )


def _same_instant(left: datetime.datetime | None, right: datetime.datetime | None) -> bool:
    return left == right  # aware datetimes compare as instants, whatever their zone


def _candidates():
    """Open tickets without a first response, with the moment their clock started."""
    last_severity_change = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.SEVERITY_CHANGED)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    return (
        Ticket.objects.filter(status__in=OPEN_STATUSES, first_responded_at__isnull=True)
        .annotate(severity_changed_at=Subquery(last_severity_change))
        .only(
            "id",
            "number",
            "plan",
            "severity",
            "policy_id",
            "submitted_at",
            "received_at",
            "first_response_due",
        )
        .order_by("id")
    )


def tickets_recompute_plan(
    *, now: datetime.datetime, calendar: deadlines.BusinessCalendar | None = None
) -> list[Move]:
    """The open, unanswered tickets whose receipt or deadline would change under the current
    calendar and the current rules of their frozen policy. Reads only, in a constant number of
    queries: the tickets, and the calendar and policies from the cache."""
    calendar = calendar or selectors.calendar_current()
    # Read once: the selectors check their cache with a query per call.
    policies = selectors.policies_all()
    moves: list[Move] = []
    for ticket in _candidates().iterator(chunk_size=2000):
        clock_from = max(ticket.submitted_at, ticket.severity_changed_at or ticket.submitted_at)
        # A severity change recorded after `now` (a plan for the past) does not count yet.
        if clock_from > now:
            clock_from = ticket.submitted_at
        if ticket.policy_id is not None:
            policy_id = ticket.policy_id
            deadline = deadlines.compute_deadline(
                clock_from, ticket.plan, ticket.severity, policies[policy_id], calendar
            )
        else:
            # A ticket from before policies were frozen: the one in force when received.
            policy_id, deadline = sla_services.deadline_for(
                submitted_at=clock_from,
                plan=ticket.plan,
                severity=ticket.severity,
                calendar=calendar,
            )
        if _same_instant(deadline.received_at, ticket.received_at) and _same_instant(
            deadline.first_response_due, ticket.first_response_due
        ):
            continue
        fields = sla_services.DeadlineFields(
            policy_id=policy_id,
            received_at=deadline.received_at,
            first_response_due=deadline.first_response_due,
            at_risk_at=sla_services.at_risk_at_for(
                severity=ticket.severity,
                received_at=deadline.received_at,
                first_response_due=deadline.first_response_due,
            ),
            sla_explanation=sla_services.steps_as_json(deadline),
        )
        moves.append(
            Move(
                ticket_id=ticket.pk,
                number=ticket.number,
                plan=ticket.plan,
                severity=ticket.severity,
                clock_from=clock_from,
                old_received_at=ticket.received_at,
                new_received_at=deadline.received_at,
                old_due=ticket.first_response_due,
                new_due=deadline.first_response_due,
                fields=fields,
            )
        )
    return moves


@dataclass(frozen=True)
class ApplyResult:
    applied: list[Move]
    # Moves whose ticket changed since the plan (answered, closed, or deadline moved again).
    stale: list[Move]


@transaction.atomic
def tickets_recompute_apply(
    *, moves: Iterable[Move], actor=None, now: datetime.datetime | None = None
) -> ApplyResult:
    """Apply planned moves: each ticket is saved with a history row naming `actor` and gets a
    `deadline_recomputed` event with the old and new values. A ticket that changed since the
    plan is left alone and reported as stale, so a confirmation never applies what it did not
    show."""
    now = now or timezone.now()
    applied: list[Move] = []
    stale: list[Move] = []
    for move in moves:
        ticket = Ticket.objects.select_for_update().filter(pk=move.ticket_id).first()
        if (
            ticket is None
            or not ticket.is_open
            or ticket.first_responded_at is not None
            or not _same_instant(ticket.received_at, move.old_received_at)
            or not _same_instant(ticket.first_response_due, move.old_due)
        ):
            stale.append(move)
            continue
        old = {
            "received_at": _iso(ticket.received_at),
            "first_response_due": _iso(ticket.first_response_due),
            "at_risk_at": _iso(ticket.at_risk_at),
            "breached_at": _iso(ticket.breached_at),
        }
        move.fields.apply(ticket)
        # A moved deadline is a new clock: a breach or warning that the new deadline no longer
        # justifies is withdrawn, so the sweeps judge the ticket again.
        if ticket.breached_at is not None and (move.new_due is None or move.new_due > now):
            ticket.breached_at = None
            ticket.escalation_level = 0
            ticket.next_escalation_at = None
        if ticket.at_risk_notified_at is not None and (
            ticket.at_risk_at is None or ticket.at_risk_at > now
        ):
            ticket.at_risk_notified_at = None
        history_user_set(ticket, actor if getattr(actor, "is_authenticated", False) else None)
        history_change_reason_set(ticket, CHANGE_REASON)
        ticket.save()
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.DEADLINE_RECOMPUTED,
            actor=actor,
            data={
                "from": old,
                "to": {
                    "received_at": _iso(ticket.received_at),
                    "first_response_due": _iso(ticket.first_response_due),
                    "at_risk_at": _iso(ticket.at_risk_at),
                    "breached_at": _iso(ticket.breached_at),
                },
                "clock_from": _iso(move.clock_from),
                "policy_id": ticket.policy_id,
            },
        )
        applied.append(move)
    return ApplyResult(applied=applied, stale=stale)


def _local(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "確約なし"
    return timezone.localtime(moment, calendars.TOKYO).strftime("%Y-%m-%d %H:%M")


def move_describe(move: Move) -> str:
    """One line for an operator: the ticket, its receipt and its deadline, old → new (JST)."""
    return (
        f"{move.number} ({move.plan}/{move.severity}): "
        f"受付 {_local(move.old_received_at)} → {_local(move.new_received_at)}, "
        f"初回応答期限 {_local(move.old_due)} → {_local(move.new_due)}"
    )
