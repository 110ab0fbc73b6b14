"""Recomputing the deadlines of open, unanswered tickets after an admin edited the calendar or
a policy.

Editing a policy or the calendar never rewrites a deadline by itself (issue 3): the plan lists
what would move, a person (admin action) or an operator (command) confirms, and the apply step
records each move in the ticket's history and timeline. A ticket keeps its frozen policy; only
the current calendar and the current rules of that policy are re-read.

Where each clock started is stored on the ticket (`first_response_started_at`: the submission,
or its last restart by a severity change, DOMAIN.md §9, or a reopening after the deadline);
`tickets.clocks` derives the instants from it, here as at intake, so a recomputation with
nothing edited moves nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from contracts.models import Plan
from helpdesk.history import history_change_reason_set, history_user_set
from sla import calendars, deadlines, selectors
from sla import services as sla_services
from sla.models import Severity
from tickets import clocks
from tickets.events import event_record
from tickets.models import Ticket, TicketEvent

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
    """Open tickets without a first response (clock running or overdue, not stopped)."""
    return (
        Ticket.objects.filter(clocks.q_open(), clocks.q_first_response_unanswered())
        .only(
            "id",
            "number",
            "plan",
            "severity",
            "policy_id",
            "submitted_at",
            "first_response_started_at",
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
        fields = clocks.first_response_derived(ticket=ticket, calendar=calendar, policies=policies)
        if _same_instant(fields.received_at, ticket.received_at) and _same_instant(
            fields.first_response_due, ticket.first_response_due
        ):
            continue
        moves.append(
            Move(
                ticket_id=ticket.pk,
                number=ticket.number,
                plan=ticket.plan,
                severity=ticket.severity,
                clock_from=ticket.first_response_started_at or ticket.submitted_at,
                old_received_at=ticket.received_at,
                new_received_at=fields.received_at,
                old_due=ticket.first_response_due,
                new_due=fields.first_response_due,
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
