"""The SLA clocks of a ticket, in one home (issue 11).

A clock is stored as instants: where it started, when it is due, when its warning is due,
when it was fulfilled, when its breach was recorded, and when the ticket finished. Where it
started is stored (`first_response_started_at`); receipt, the due instant, the warning and the
explanation are derived from it by `sla.services` and only here. This module owns:

- the decision: `first_response_state(ticket, now)`, through the pure rule
  `sla.deadlines.clock_state`, which reads the stored instants only;
- its twin in the database: `q_first_response(state, now)`, built from the same column spec,
  so the API filters, the workspace queues and their counts, the dashboard and the sweeps ask
  the database exactly what the Python rule decides (`tests/tickets/test_clock_agreement.py`
  compares them over a zoo of tickets in every situation);
- the conditions the sweeps claim by (`q_breach_pending` …), from which the partial indexes of
  `tickets.models.Ticket` are built too;
- starting and restarting a clock (intake, DOMAIN.md §9 severity change, a reopening after the
  deadline) and deriving its instants again for `tickets.recompute`.

No other module filters on these fields (`tests/tickets/test_clock_home.py` fails if one
does). The module imports no model, so that `tickets.models` can build its indexes from it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import F, Q

from sla import deadlines
from sla import services as sla_services
from sla.deadlines import SlaState
from tickets.workflow import OPEN_STATUSES

if TYPE_CHECKING:
    from tickets.models import Ticket

__all__ = [
    "FIRST_RESPONSE",
    "INTERNAL_TARGET",
    "OPEN_STATUS_VALUES",
    "ClockColumns",
    "SlaState",
    "business_seconds_elapsed",
    "first_response_derived",
    "first_response_margin",
    "first_response_restart",
    "first_response_start",
    "first_response_state",
    "q_at_risk_due",
    "q_at_risk_pending",
    "q_breach_between",
    "q_breach_due",
    "q_breach_pending",
    "q_escalation_between",
    "q_escalation_due",
    "q_escalation_pending",
    "q_first_response",
    "q_first_response_due_within",
    "q_first_response_not",
    "q_first_response_unanswered",
    "q_open",
    "q_state",
    "q_state_not",
    "q_target",
    "q_target_at_risk_due",
    "q_target_at_risk_pending",
    "q_target_breach_between",
    "q_target_breach_due",
    "q_target_breach_pending",
    "q_target_escalation_between",
    "q_target_escalation_due",
    "q_target_escalation_pending",
    "q_target_live",
    "q_target_not",
    "q_tickets_with_target",
    "state_of",
    "target_state",
]

# Open statuses in a fixed order for index conditions (migrations must not change run to run).
OPEN_STATUS_VALUES = sorted(str(status) for status in OPEN_STATUSES)


@dataclass(frozen=True)
class ClockColumns:
    """Where one clock's instants are stored. `stopped` lists the fields that say the ticket
    finished, in order: the first one set is when the clock stopped."""

    due: str
    at_risk_at: str
    fulfilled_at: str
    breached_at: str
    stopped: tuple[str, ...]
    paused_since: str | None = None


# Art. 3.3: the terms' first response. Finished = resolved, else closed; it never pauses.
FIRST_RESPONSE = ClockColumns(
    due="first_response_due",
    at_risk_at="at_risk_at",
    fulfilled_at="first_responded_at",
    breached_at="breached_at",
    stopped=("resolved_at", "closed_at"),
)


# An internal target (TicketClock): fulfilled by the reply or the resolution, stopped when the
# ticket finished without it, paused while waiting (DOMAIN.md point 13).
INTERNAL_TARGET = ClockColumns(
    due="due",
    at_risk_at="at_risk_at",
    fulfilled_at="fulfilled_at",
    breached_at="breached_at",
    stopped=("stopped_at",),
    paused_since="paused_since",
)


# --- the decision in Python --------------------------------------------------------------------


def _stopped_at(row: Any, columns: ClockColumns) -> datetime.datetime | None:
    for name in columns.stopped:
        value = _value(row, name)
        if value is not None:
            return value
    return None


def _value(row: Any, name: str) -> Any:
    # "ticket__resolved_at" reads row.ticket.resolved_at: the same path the database follows.
    for part in name.split("__"):
        row = getattr(row, part)
        if row is None:
            return None
    return row


def state_of(row: Any, columns: ClockColumns, *, now: datetime.datetime) -> SlaState:
    """The state of the clock stored in `columns` of `row` at `now`."""
    return deadlines.clock_state(
        now=now,
        due=_value(row, columns.due),
        fulfilled_at=_value(row, columns.fulfilled_at),
        at_risk_at=_value(row, columns.at_risk_at),
        breached_at=_value(row, columns.breached_at),
        stopped_at=_stopped_at(row, columns),
        paused_since=_value(row, columns.paused_since) if columns.paused_since else None,
    )


def business_seconds_elapsed(
    start: datetime.datetime | None, end: datetime.datetime | None
) -> int | None:
    """Business seconds from `start` to `end` by the current business calendar (what the
    reports store for a first response and a fulfilled target); None when either is missing
    or the calendar does not cover them."""
    if start is None or end is None:
        return None
    from sla.selectors import calendar_current

    try:
        [seconds] = deadlines.business_seconds_many([(start, end)], calendar_current())
    except deadlines.OutOfCalendarRange:
        return None
    return seconds


def first_response_state(*, ticket: Ticket, now: datetime.datetime) -> SlaState:
    """Where the ticket's first-response clock stands at `now` (DOMAIN.md §7, §8)."""
    return state_of(ticket, FIRST_RESPONSE, now=now)


def target_state(*, clock: Any, now: datetime.datetime) -> SlaState:
    """Where an internal target's clock (a TicketClock) stands at `now`. A clock that has not
    started (no customer message awaits a reply) has no due instant: NO_COMMITMENT."""
    return state_of(clock, INTERNAL_TARGET, now=now)


def first_response_margin(*, ticket: Ticket, now: datetime.datetime) -> datetime.timedelta | None:
    """Due instant minus the first response (or `now` while unanswered); negative when late."""
    return deadlines.sla_margin(
        now=now,
        first_response_due=ticket.first_response_due,
        first_responded_at=ticket.first_responded_at,
    )


# --- the same decision as database conditions --------------------------------------------------

_NOTHING = Q(pk__in=[])


def _isnull(name: str, value: bool) -> Q:
    return Q(**{f"{name}__isnull": value})


def _q_stopped(columns: ClockColumns, lookup: str) -> Q:
    """Finished, with the first set `stopped` field compared to the due instant by `lookup`."""
    parts = []
    preceding: dict[str, bool] = {}
    for name in columns.stopped:
        parts.append(
            Q(**preceding, **{f"{name}__isnull": False, f"{name}__{lookup}": F(columns.due)})
        )
        preceding[f"{name}__isnull"] = True
    return reduce(or_, parts) if parts else _NOTHING


def _q_not_stopped(columns: ClockColumns) -> Q:
    return Q(**{f"{name}__isnull": True for name in columns.stopped})


def q_state(columns: ClockColumns, state: SlaState, *, now: datetime.datetime) -> Q:
    """Rows whose clock in `columns` is in `state` at `now`: `sla.deadlines.clock_state`, case
    by case, with every NULL spelled out so that the states partition all rows."""
    due = F(columns.due)
    has_due = _isnull(columns.due, False)
    unfulfilled = _isnull(columns.fulfilled_at, True)
    unrecorded = _isnull(columns.breached_at, True)
    if columns.paused_since is not None:
        paused, not_paused = (
            _isnull(columns.paused_since, False),
            _isnull(columns.paused_since, True),
        )
    else:
        paused, not_paused = _NOTHING, Q()
    live = has_due & unfulfilled & unrecorded & _q_not_stopped(columns)
    if state is SlaState.NO_COMMITMENT:
        return _isnull(columns.due, True)
    if state is SlaState.MET:
        return (
            has_due
            & Q(**{f"{columns.fulfilled_at}__isnull": False})
            & Q(**{f"{columns.fulfilled_at}__lte": due})
        )
    if state is SlaState.BREACHED:
        fulfilled_late = Q(**{f"{columns.fulfilled_at}__isnull": False}) & Q(
            **{f"{columns.fulfilled_at}__gt": due}
        )
        late = (
            _isnull(columns.breached_at, False)
            | (unrecorded & _q_stopped(columns, "gte"))
            | (live & not_paused & Q(**{f"{columns.due}__lte": now}))
        )
        return has_due & (fulfilled_late | (unfulfilled & late))
    if state is SlaState.STOPPED:
        return has_due & unfulfilled & unrecorded & _q_stopped(columns, "lt")
    if state is SlaState.PAUSED:
        return live & paused
    ahead = live & not_paused & Q(**{f"{columns.due}__gt": now})
    if state is SlaState.AT_RISK:
        return ahead & Q(
            **{f"{columns.at_risk_at}__isnull": False, f"{columns.at_risk_at}__lte": now}
        )
    if state is SlaState.RUNNING:
        return ahead & (_isnull(columns.at_risk_at, True) | Q(**{f"{columns.at_risk_at}__gt": now}))
    raise ValueError(f"unknown clock state {state!r}")


def q_state_not(columns: ClockColumns, state: SlaState, *, now: datetime.datetime) -> Q:
    """Every other state: the complement of `q_state` built from the partition, so NULLs
    cannot drop a row from both."""
    return reduce(or_, (q_state(columns, other, now=now) for other in SlaState if other != state))


def q_first_response(state: SlaState, *, now: datetime.datetime) -> Q:
    return q_state(FIRST_RESPONSE, state, now=now)


def q_first_response_not(state: SlaState, *, now: datetime.datetime) -> Q:
    return q_state_not(FIRST_RESPONSE, state, now=now)


def q_open() -> Q:
    return Q(status__in=OPEN_STATUS_VALUES)


def q_first_response_due_within(
    *, start: datetime.datetime, end: datetime.datetime | None = None
) -> Q:
    """Deadline in [start, end) (reports: today's breaches, the month's on-time share)."""
    condition = Q(first_response_due__gte=start)
    if end is not None:
        condition &= Q(first_response_due__lt=end)
    return condition


def q_first_response_unanswered() -> Q:
    """No first response yet (DOMAIN.md §8), whatever the state of the clock."""
    return Q(first_responded_at__isnull=True)


# --- what the sweeps claim (each is the condition of one partial index of Ticket) -------------


def q_breach_pending() -> Q:
    """Open, unanswered, with a due instant, breach not yet recorded (`ticket_due_unanswered`).
    A ticket finished before its deadline leaves it: it never breaches."""
    return Q(
        breached_at__isnull=True,
        first_responded_at__isnull=True,
        first_response_due__isnull=False,
        status__in=OPEN_STATUS_VALUES,
    )


def q_at_risk_pending() -> Q:
    """Open, unanswered, with a warning instant, warning not yet handled
    (`ticket_at_risk_pending`)."""
    return Q(
        at_risk_at__isnull=False,
        at_risk_notified_at__isnull=True,
        first_responded_at__isnull=True,
        status__in=OPEN_STATUS_VALUES,
    )


def q_escalation_pending() -> Q:
    """Breached, unanswered, open, with a further level to fire (`ticket_next_escalation`).
    A first response clears next_escalation_at, which stops them."""
    return Q(
        first_responded_at__isnull=True,
        next_escalation_at__isnull=False,
        status__in=OPEN_STATUS_VALUES,
    )


def q_breach_due(*, now: datetime.datetime) -> Q:
    """Breached by time at `now` and not yet recorded: what the breach sweep marks. These are
    exactly the open rows of `q_first_response(BREACHED)` without a recorded breach."""
    return q_breach_pending() & Q(first_response_due__lte=now)


def q_at_risk_due(*, now: datetime.datetime) -> Q:
    """Warning instant reached and the warning not yet handled: what the at-risk sweep sends."""
    return q_at_risk_pending() & Q(at_risk_at__lte=now)


def q_escalation_due(*, now: datetime.datetime) -> Q:
    return q_escalation_pending() & Q(next_escalation_at__lte=now)


def q_breach_between(*, after: datetime.datetime, until: datetime.datetime) -> Q:
    """Deadlines falling in (after, until]: the sweep arms an exact-time check for each."""
    return q_breach_pending() & Q(first_response_due__gt=after, first_response_due__lte=until)


def q_escalation_between(*, after: datetime.datetime, until: datetime.datetime) -> Q:
    return q_escalation_pending() & Q(next_escalation_at__gt=after, next_escalation_at__lte=until)


# --- the same for the internal targets (rows of TicketClock) ----------------------------------


def q_target(state: SlaState, *, now: datetime.datetime) -> Q:
    return q_state(INTERNAL_TARGET, state, now=now)


def q_target_not(state: SlaState, *, now: datetime.datetime) -> Q:
    return q_state_not(INTERNAL_TARGET, state, now=now)


def q_target_breach_pending() -> Q:
    """Running, unpaused, unfulfilled, not stopped, breach not recorded (`clock_due_pending`)."""
    return Q(
        breached_at__isnull=True,
        due__isnull=False,
        fulfilled_at__isnull=True,
        paused_since__isnull=True,
        stopped_at__isnull=True,
    )


def q_target_at_risk_pending() -> Q:
    """Running, unpaused, warning not yet handled (`clock_at_risk_pending`)."""
    return Q(
        at_risk_at__isnull=False,
        at_risk_notified_at__isnull=True,
        breached_at__isnull=True,
        fulfilled_at__isnull=True,
        paused_since__isnull=True,
        stopped_at__isnull=True,
    )


def q_target_escalation_pending() -> Q:
    """Breached, still owed and unpaused, with a further level of its own matrix to fire
    (`clock_next_escalation`)."""
    return Q(
        next_escalation_at__isnull=False,
        fulfilled_at__isnull=True,
        paused_since__isnull=True,
        stopped_at__isnull=True,
    )


def q_target_escalation_due(*, now: datetime.datetime) -> Q:
    return q_target_escalation_pending() & Q(next_escalation_at__lte=now)


def q_target_escalation_between(*, after: datetime.datetime, until: datetime.datetime) -> Q:
    return q_target_escalation_pending() & Q(
        next_escalation_at__gt=after, next_escalation_at__lte=until
    )


def q_target_breach_due(*, now: datetime.datetime) -> Q:
    return q_target_breach_pending() & Q(due__lte=now)


def q_target_at_risk_due(*, now: datetime.datetime) -> Q:
    return q_target_at_risk_pending() & Q(at_risk_at__lte=now)


def q_target_breach_between(*, after: datetime.datetime, until: datetime.datetime) -> Q:
    return q_target_breach_pending() & Q(due__gt=after, due__lte=until)


def q_target_live() -> Q:
    """Started and not finished (running or paused): what a pause, a resume, a reply or the
    end of the ticket acts on."""
    return Q(
        due__isnull=False,
        fulfilled_at__isnull=True,
        stopped_at__isnull=True,
    )


def q_tickets_with_target(target: str, state: SlaState, *, now: datetime.datetime) -> Q:
    """Tickets whose `target` clock is in `state` (API `sla_target` + `sla_state`, queues).
    The first response is the ticket's own clock; an internal target without a clock row is
    NO_COMMITMENT, as its row would be."""
    if target == deadlines.Target.FIRST_RESPONSE:
        return q_first_response(state, now=now)
    # Through the app registry, not an import: `tickets.models` imports this module.
    rows = apps.get_model("tickets", "TicketClock").objects.filter(target=target)
    condition = Q(pk__in=rows.filter(q_target(state, now=now)).values("ticket_id"))
    if state is SlaState.NO_COMMITMENT:
        return condition | ~Q(pk__in=rows.values("ticket_id"))
    return condition


# --- starting a clock, and deriving its instants from the stored start -------------------------


def first_response_start(
    *,
    ticket: Ticket,
    at: datetime.datetime,
    policy_id: int | None = None,
    calendar: deadlines.BusinessCalendar | None = None,
) -> sla_services.DeadlineFields:
    """Start the first-response clock at `at` (in memory; the caller saves): store the start,
    and derive receipt, due instant, warning and explanation from it under `policy_id` (at
    intake: the policy in force, then frozen). Returns what it derived."""
    ticket.first_response_started_at = at
    fields = sla_services.deadline_fields(
        submitted_at=at,
        plan=ticket.plan,
        severity=ticket.severity,
        policy_id=policy_id,
        calendar=calendar,
    )
    fields.apply(ticket)
    return fields


def first_response_restart(*, ticket: Ticket, now: datetime.datetime) -> None:
    """A new clock as if the ticket were received at `now`, under the same contract and policy
    (DOMAIN.md §9, and a reopening after the deadline): a breach or warning of the old clock
    does not carry over."""
    first_response_start(ticket=ticket, at=now, policy_id=ticket.policy_id)
    ticket.breached_at = None
    ticket.at_risk_notified_at = None
    ticket.escalation_level = 0
    ticket.next_escalation_at = None


def reception_deferred_from(*, ticket: Ticket) -> datetime.datetime | None:
    """When the first-response clock started, if the terms received the ticket later than that
    (started out of reception hours: received at the next opening, Art. 3.3); else None.

    The clock's own start, not the submission: a severity change before the first response, or
    a reopening after the deadline, restarts the clock and its receipt (DOMAIN.md §9), and a
    ticket restarted in business hours was received as it restarted."""
    started = ticket.first_response_started_at or ticket.submitted_at
    if ticket.received_at is not None and started is not None and ticket.received_at > started:
        return started
    return None


def first_response_derived(
    *,
    ticket: Ticket,
    calendar: deadlines.BusinessCalendar,
    policies: Mapping[int, deadlines.Policy],
) -> sla_services.DeadlineFields:
    """The instants the stored start gives under the current calendar and the current rules
    of the ticket's frozen policy (recompute after an admin's edit)."""
    started_at = ticket.first_response_started_at or ticket.submitted_at
    return sla_services.deadline_fields(
        submitted_at=started_at,
        plan=ticket.plan,
        severity=ticket.severity,
        policy_id=ticket.policy_id,
        calendar=calendar,
        policies=policies,
    )
