"""Writes of the internal targets' clocks (次回返信, 解決: DOMAIN.md point 13): start, pause,
resume, fulfil and stop, each with its SLA timeline event in the caller's transaction.

The rule each clock runs by is copied from the ticket's frozen policy when the clock starts;
the pure arithmetic (due instants, pauses) is `sla.deadlines`; the state is `tickets.clocks`.
The terms' first response is not here: it never pauses (DOMAIN.md point 13)."""

from __future__ import annotations

import datetime

from django.conf import settings

from helpdesk.history import history_change_reason_set, history_user_set
from sla import deadlines, selectors
from sla.deadlines import InternalRule, Target, TargetKind
from tickets import clocks
from tickets.events import event_record
from tickets.models import Status, Ticket, TicketClock, TicketEvent

Kind = TicketEvent.Kind

# Which waiting status pauses a clock, by its rule's flag (Art. 3.4 for the customer).
WAITING = (Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_MICROSOFT)


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _rule(ticket: Ticket, target: str) -> InternalRule:
    if ticket.policy_id is None:
        return InternalRule(TargetKind.NONE)
    policy = selectors.policy_by_id(ticket.policy_id)
    return policy.internal_rule(ticket.plan, ticket.severity, target)


def _rule_of(clock: TicketClock) -> InternalRule:
    return InternalRule(
        TargetKind(clock.target_kind),
        clock.target_value,
        pauses_on_customer=clock.pauses_on_customer,
        pauses_on_microsoft=clock.pauses_on_microsoft,
    )


def _pauses_on(clock: TicketClock, status: str) -> bool:
    return (status == Status.WAITING_ON_CUSTOMER and clock.pauses_on_customer) or (
        status == Status.WAITING_ON_MICROSOFT and clock.pauses_on_microsoft
    )


def _at_risk_at(start: datetime.datetime, due: datetime.datetime | None):
    if due is None:
        return None
    return deadlines.at_risk_from(start, due, share=settings.SLA_AT_RISK_SHARE)


def _save(clock: TicketClock, actor, reason: str) -> None:
    """Save with its history row naming the acting user (nobody: the system) and why."""
    history_user_set(clock, actor if getattr(actor, "is_authenticated", False) else None)
    history_change_reason_set(clock, reason)
    clock.save()


def _event(ticket: Ticket, kind: str, clock: TicketClock, actor=None, **data) -> None:
    event_record(
        ticket=ticket,
        kind=kind,
        actor=actor,
        data={"target": clock.target, **data},
    )


def _start(ticket: Ticket, clock: TicketClock, now: datetime.datetime, actor=None) -> None:
    """A new cycle of `clock` from `now`, by the rule of the ticket's policy (frozen on it)."""
    rule = _rule(ticket, clock.target)
    calendar = selectors.calendar_current()
    due = deadlines.target_due(now, rule, calendar)
    clock.target_kind = rule.target_kind.value
    clock.target_value = rule.target_value
    clock.pauses_on_customer = rule.pauses_on_customer
    clock.pauses_on_microsoft = rule.pauses_on_microsoft
    clock.started_at = now
    clock.due = due
    clock.at_risk_at = _at_risk_at(now, due)
    clock.paused_since = None
    clock.paused_status = ""
    clock.paused_seconds = 0
    clock.fulfilled_at = clock.stopped_at = clock.breached_at = None
    clock.business_seconds = None
    clock.at_risk_notified_at = None
    clock.escalation_level = 0
    clock.next_escalation_at = None
    step = deadlines.target_start_step(clock.target, now.astimezone(calendar.tz), due, rule)
    clock.explanation = [{"code": step.code, "ja": step.ja, "en": step.en}]
    _save(clock, actor, "sla: started")
    _event(ticket, Kind.SLA_STARTED, clock, actor, started_at=_iso(now), due=_iso(due))
    if due is not None and ticket.status in WAITING and _pauses_on(clock, ticket.status):
        _pause(ticket, clock, ticket.status, now, actor)


def targets_open(*, ticket: Ticket, now: datetime.datetime, actor=None) -> None:
    """At intake: the resolution clock starts at the submission; the next-reply clock waits
    for the first customer message after an agent's reply."""
    idle = TicketClock(ticket=ticket, target=Target.NEXT_REPLY, target_kind=TargetKind.NONE.value)
    _save(idle, actor, "sla: created")
    clock = TicketClock(ticket=ticket, target=Target.RESOLUTION)
    _start(ticket, clock, ticket.submitted_at, actor)


def _clocks(ticket: Ticket) -> dict[str, TicketClock]:
    return {
        clock.target: clock
        for clock in TicketClock.objects.select_for_update().filter(ticket=ticket)
    }


def targets_on_customer_message(*, ticket: Ticket, now: datetime.datetime, actor=None) -> None:
    """The customer wrote after an agent's reply: the next reply is owed, from now (a clock
    already running for an earlier unanswered message keeps its start)."""
    if ticket.first_responded_at is None:
        return  # the terms' first response is still owed: that clock covers it
    clock = _clocks(ticket).get(Target.NEXT_REPLY)
    if clock is None:
        clock = TicketClock(ticket=ticket, target=Target.NEXT_REPLY)
    elif clock.due is not None and clock.fulfilled_at is None and clock.stopped_at is None:
        return
    _start(ticket, clock, now, actor)


def _fulfil(ticket: Ticket, clock: TicketClock, now: datetime.datetime, actor=None) -> None:
    if clock.paused_since is not None:
        _resume(ticket, clock, now, actor)
    clock.fulfilled_at = now
    clock.next_escalation_at = None
    clock.business_seconds = clocks.business_seconds_elapsed(clock.started_at, now)
    late = clock.due is not None and now > clock.due
    if late and clock.breached_at is None:
        # A late fulfilment the sweep had not caught: on record, nobody alerted.
        clock.breached_at = clock.due
        _event(ticket, Kind.SLA_BREACHED, clock, actor, due=_iso(clock.due), recorded_by="fulfil")
    _save(clock, actor, "sla: fulfilled")
    _event(ticket, Kind.SLA_FULFILLED, clock, actor, at=_iso(now), on_time=not late)


def targets_on_agent_reply(*, ticket: Ticket, now: datetime.datetime, actor=None) -> None:
    """A public reply or an outbound call fulfils a running next-reply clock."""
    clock = _clocks(ticket).get(Target.NEXT_REPLY)
    if clock is None or clock.due is None:
        return
    if clock.fulfilled_at is None and clock.stopped_at is None:
        _fulfil(ticket, clock, now, actor)


def _pause(
    ticket: Ticket, clock: TicketClock, status: str, now: datetime.datetime, actor=None
) -> None:
    clock.paused_since = now
    clock.paused_status = status
    _save(clock, actor, "sla: paused")
    _event(ticket, Kind.SLA_PAUSED, clock, actor, at=_iso(now), waiting=status)


def _resume(ticket: Ticket, clock: TicketClock, now: datetime.datetime, actor=None) -> None:
    """End a pause: the paused time is not counted, the due instant and the warning move."""
    assert clock.paused_since is not None and clock.due is not None
    calendar = selectors.calendar_current()
    rule = _rule_of(clock)
    pause = deadlines.due_after_pause(
        due=clock.due,
        rule=rule,
        paused_since=clock.paused_since,
        resumed_at=now,
        calendar=calendar,
    )
    step = deadlines.pause_step(
        pause, waiting=clock.paused_status, business=rule.target_kind != TargetKind.WALL_MINUTES
    )
    old_due = clock.due
    if clock.at_risk_at is not None:
        clock.at_risk_at = clock.at_risk_at + (pause.due_after - old_due)
    clock.due = pause.due_after
    clock.paused_seconds += pause.seconds_not_counted
    clock.explanation = [*clock.explanation, {"code": step.code, "ja": step.ja, "en": step.en}]
    waiting = clock.paused_status
    clock.paused_since = None
    clock.paused_status = ""
    _save(clock, actor, "sla: resumed")
    _event(
        ticket,
        Kind.SLA_RESUMED,
        clock,
        actor,
        at=_iso(now),
        waiting=waiting,
        seconds_not_counted=pause.seconds_not_counted,
    )
    _event(
        ticket, Kind.SLA_DUE_CHANGED, clock, actor, previous_due=_iso(old_due), due=_iso(clock.due)
    )


def targets_on_status(*, ticket: Ticket, previous: str, now: datetime.datetime, actor=None) -> None:
    """After a status change: pause or resume by the waiting statuses; finishing fulfils the
    resolution and stops a next reply still owed; reopening owes the resolution again."""
    status = ticket.status
    for clock in _clocks(ticket).values():
        live = clock.due is not None and clock.fulfilled_at is None and clock.stopped_at is None
        if live and clock.paused_since is not None and not _pauses_on(clock, status):
            _resume(ticket, clock, now, actor)
        if status in (Status.RESOLVED, Status.CLOSED, Status.REFUSED):
            if not live:
                continue
            if clock.target == Target.RESOLUTION:
                _fulfil(ticket, clock, now, actor)
            else:
                clock.stopped_at = now
                clock.next_escalation_at = None
                _save(clock, actor, "sla: stopped")
                _event(ticket, Kind.SLA_STOPPED, clock, actor, at=_iso(now))
        elif previous in (Status.RESOLVED, Status.CLOSED, Status.REFUSED):
            if clock.target == Target.RESOLUTION and clock.due is not None:
                # Reopened: the resolution is owed again, against the same due instant.
                clock.fulfilled_at = None
                clock.business_seconds = None
                _save(clock, actor, "sla: reopened")
                _event(
                    ticket,
                    Kind.SLA_STARTED,
                    clock,
                    actor,
                    started_at=_iso(now),
                    due=_iso(clock.due),
                    reopened=True,
                )
        elif live and clock.paused_since is None and _pauses_on(clock, status):
            _pause(ticket, clock, status, now, actor)


def _pauses(
    ticket: Ticket, clock: TicketClock
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The finished pauses of `clock`'s current cycle, from its SLA timeline."""
    assert clock.started_at is not None
    events = TicketEvent.objects.filter(
        ticket=ticket,
        kind__in=(Kind.SLA_PAUSED, Kind.SLA_RESUMED),
        data__target=clock.target,
    ).order_by("id")
    pauses: list[tuple[datetime.datetime, datetime.datetime]] = []
    since: datetime.datetime | None = None
    for event in events:
        at = datetime.datetime.fromisoformat(event.data["at"])
        if at < clock.started_at:
            continue
        if event.kind == Kind.SLA_PAUSED:
            since = at
        elif since is not None:
            pauses.append((since, at))
            since = None
    return pauses


def targets_on_severity(*, ticket: Ticket, now: datetime.datetime, actor=None) -> None:
    """After a severity change (the ticket already carries the new one): each running or
    paused clock is re-timed from its own start under the new severity's target of the
    ticket's frozen policy; the time its earlier pauses did not count stays uncounted. A breach
    or a warning that the new due instant undoes is cleared (the sweep judges the new one)."""
    calendar = selectors.calendar_current()
    for clock in _clocks(ticket).values():
        if clock.started_at is None or clock.fulfilled_at is not None:
            continue
        if clock.stopped_at is not None:
            continue
        rule = _rule(ticket, clock.target)
        if clock.paused_since is not None and not (
            (ticket.status == Status.WAITING_ON_CUSTOMER and rule.pauses_on_customer)
            or (ticket.status == Status.WAITING_ON_MICROSOFT and rule.pauses_on_microsoft)
        ):
            _resume(ticket, clock, now, actor)  # the new rule does not pause here
        old_due = clock.due
        start = clock.started_at
        due = deadlines.target_due(start, rule, calendar)
        at_risk_at = _at_risk_at(start, due)
        if due is not None:
            # The clock's finished pauses, counted again in the new rule's time (a wall-clock
            # target and a business one do not leave out the same seconds of a night).
            unpaused = due
            clock.paused_seconds = 0
            for paused_since, resumed_at in _pauses(ticket, clock):
                pause = deadlines.due_after_pause(
                    due=due,
                    rule=rule,
                    paused_since=paused_since,
                    resumed_at=resumed_at,
                    calendar=calendar,
                )
                due = pause.due_after
                clock.paused_seconds += pause.seconds_not_counted
            if at_risk_at is not None:
                at_risk_at = at_risk_at + (due - unpaused)
        clock.target_kind = rule.target_kind.value
        clock.target_value = rule.target_value
        clock.pauses_on_customer = rule.pauses_on_customer
        clock.pauses_on_microsoft = rule.pauses_on_microsoft
        clock.due = due
        clock.at_risk_at = at_risk_at
        if due is None or due > now:
            clock.breached_at = None
            clock.escalation_level = 0
            clock.next_escalation_at = None
        elif clock.breached_at is not None:
            # Still breached: the new severity's rows of the matrix decide the next level. The
            # escalation sweep reads them now: it fires what is due and arms what is not.
            clock.next_escalation_at = now
        if at_risk_at is None or at_risk_at > now:
            clock.at_risk_notified_at = None
        step = deadlines.target_retimed_step(
            clock.target, start=start.astimezone(calendar.tz), due=due, severity=ticket.severity
        )
        clock.explanation = [*clock.explanation, {"code": step.code, "ja": step.ja, "en": step.en}]
        _save(clock, actor, "sla: severity changed")
        _event(
            ticket,
            Kind.SLA_DUE_CHANGED,
            clock,
            actor,
            previous_due=_iso(old_due),
            due=_iso(due),
            reason="severity_changed",
            severity=ticket.severity,
        )
        if (
            due is not None
            and clock.paused_since is None
            and ticket.status in WAITING
            and _pauses_on(clock, ticket.status)
        ):
            _pause(ticket, clock, ticket.status, now, actor)


def target_clocks(*, ticket: Ticket) -> list[TicketClock]:
    return list(TicketClock.objects.filter(ticket=ticket).order_by("target"))


def target_states(
    *, ticket: Ticket, now: datetime.datetime
) -> dict[str, tuple[TicketClock | None, deadlines.SlaState]]:
    """Each internal target's clock and state (a ticket from before the targets has none)."""
    found = {clock.target: clock for clock in ticket.clocks.all()}
    return {
        target: (
            found.get(target),
            clocks.target_state(clock=found[target], now=now)
            if target in found
            else deadlines.SlaState.NO_COMMITMENT,
        )
        for target in deadlines.INTERNAL_TARGETS
    }
