"""The internal targets' own escalation levels, their re-timing on a severity change, and the
history rows of every change of a target's clock (issue 11)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from sla.deadlines import SlaState
from sla.models import EscalationRule
from tests.sla.support import jst, open_ticket
from tickets import clocks, escalation, tasks
from tickets.models import Message, Status, Ticket, TicketClock, TicketEvent
from tickets.services import message_add, ticket_change_severity, ticket_transition

Kind = TicketEvent.Kind


def _at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def _next_reply_owed(agent, *, severity: str = "critical") -> Ticket:
    """A 24x365 ticket answered at 10:20 whose customer wrote again at 11:00 (重大: next reply
    due 13:00)."""
    ticket = open_ticket(plan="24x365", severity=severity, submitted_at=jst(2026, 6, 15, 10))
    with _at(jst(2026, 6, 15, 10, 20)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    with _at(jst(2026, 6, 15, 11)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="状況はどうですか")
    return ticket


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def _escalations(ticket: Ticket) -> list[tuple[str, int]]:
    return [
        (event.data.get("target", "first_response"), event.data["level"])
        for event in ticket.events.filter(kind=Kind.ESCALATED).order_by("id")
    ]


# --- 1. each target's own rows of the matrix --------------------------------------------------


@pytest.mark.django_db
def test_the_migration_kept_the_terms_rows_and_seeded_each_targets_own():
    rows = {
        (r.target, r.severity, r.level): (r.delay_minutes, r.audience)
        for r in EscalationRule.objects.all()
    }
    assert rows[("first_response", "critical", 1)] == (0, "supervisors")
    assert rows[("first_response", "critical", 2)] == (60, "managers")
    assert len([key for key in rows if key[0] == "first_response"]) == 4
    assert rows[("next_reply", "critical", 1)] == (0, "supervisors")
    assert rows[("next_reply", "critical", 2)] == (120, "managers")
    assert rows[("resolution", "critical", 2)] == (240, "managers")
    assert {key[0] for key in rows} == {"first_response", "next_reply", "resolution"}


@pytest.mark.django_db
def test_a_next_reply_breach_fires_its_own_levels_each_exactly_once(agent, supervisor, manager):
    ticket = _next_reply_owed(agent)
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")

    # the breach fires level 1 (supervisors) of the next reply's rows, once
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1)).tickets == 1
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 5)).tickets == 0
    assert escalation.target_escalations_fire(now=jst(2026, 6, 15, 14)).tickets == 0
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    assert clock.next_escalation_at == jst(2026, 6, 15, 15)
    assert _escalations(ticket) == [("next_reply", 1)]
    # the supervisors of the unassigned ticket: told once by the breach, not again by level 1
    assert Notification.objects.filter(recipient=supervisor, ticket=ticket).count() == 1

    # level 2 (managers) two hours after the due instant, once
    assert escalation.target_escalations_fire(now=jst(2026, 6, 15, 15, 0, 1)).tickets == 1
    assert escalation.target_escalations_fire(now=jst(2026, 6, 15, 16)).tickets == 0
    clock.refresh_from_db()
    assert (clock.escalation_level, clock.next_escalation_at) == (2, None)
    assert _escalations(ticket) == [("next_reply", 1), ("next_reply", 2)]
    manager_notes = Notification.objects.filter(recipient=manager, kind=Kind.ESCALATED)
    assert manager_notes.count() == 1
    assert "社内目標" in manager_notes.get().title
    # the terms' first response was met on time: its own matrix never fired
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


@pytest.mark.django_db
def test_a_targets_levels_come_from_its_rows_only(agent, supervisor, manager):
    # given the next reply's rows switched off, the other matrices left as they are
    EscalationRule.objects.filter(target="next_reply").update(is_active=False)
    ticket = _next_reply_owed(agent)

    # then its breach is recorded and alerted, but no level fires, now or later
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1)).tickets == 1
    assert escalation.target_escalations_fire(now=jst(2026, 6, 16, 13)).tickets == 0
    assert _escalations(ticket) == []
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert (clock.escalation_level, clock.next_escalation_at) == (0, None)


@pytest.mark.django_db
def test_a_reply_stops_a_targets_further_levels(agent, supervisor, manager):
    ticket = _next_reply_owed(agent)
    escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1))
    with _at(jst(2026, 6, 15, 14)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="回答します。", author_user=agent)
    assert escalation.target_escalations_fire(now=jst(2026, 6, 15, 16)).tickets == 0
    assert _escalations(ticket) == [("next_reply", 1)]


@pytest.mark.django_db
def test_the_exact_check_of_a_target_breaches_then_fires_its_next_level(agent, supervisor, manager):
    ticket = _next_reply_owed(agent)
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    upcoming = escalation.target_deadlines_upcoming(now=jst(2026, 6, 15, 12, 59, 30))
    assert (clock.pk, jst(2026, 6, 15, 13)) in upcoming

    assert escalation.target_deadline_check(clock_id=clock.pk, now=jst(2026, 6, 15, 13, 0, 1))
    assert escalation.target_deadlines_upcoming(now=jst(2026, 6, 15, 14, 59, 30)) == [
        (clock.pk, jst(2026, 6, 15, 15))
    ]
    assert escalation.target_deadline_check(clock_id=clock.pk, now=jst(2026, 6, 15, 15, 0, 1))
    assert not escalation.target_deadline_check(clock_id=clock.pk, now=jst(2026, 6, 15, 15, 1))
    assert _escalations(ticket) == [("next_reply", 1), ("next_reply", 2)]


@pytest.mark.django_db
def test_the_escalation_task_fires_the_targets_levels_too(agent, supervisor, manager):
    ticket = _next_reply_owed(agent)
    escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1))
    with _at(jst(2026, 6, 15, 15, 0, 1)):
        assert tasks.escalation_sweep() == 1
    assert _escalations(ticket) == [("next_reply", 1), ("next_reply", 2)]


# --- 2. a severity change re-times the internal targets ---------------------------------------


@pytest.mark.django_db
def test_a_severity_change_re_times_the_targets_from_their_own_starts(agent, supervisor):
    # given a 重大 ticket whose next reply runs from 11:00 (due 13:00, wall clock)
    ticket = _next_reply_owed(agent)
    resolution = TicketClock.objects.get(ticket=ticket, target="resolution")
    old_resolution_due = resolution.due

    # when it is lowered to 高 at 11:30 (next reply: 4 business hours; resolution: 5th day end)
    with _at(jst(2026, 6, 15, 11, 30)):
        ticket_change_severity(ticket=ticket, severity="high", reason="影響が限定的", actor=agent)

    # then each clock keeps its start and runs by the new severity's target
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert clock.started_at == jst(2026, 6, 15, 11)
    assert (clock.target_kind, clock.target_value) == ("business_minutes", 240)
    assert clock.due == jst(2026, 6, 15, 15)
    assert clock.explanation[-1]["code"] == "severity_changed"
    assert "re-timed from the start" in clock.explanation[-1]["en"]
    resolution.refresh_from_db()
    assert resolution.started_at == jst(2026, 6, 15, 10)
    assert resolution.due == jst(2026, 6, 22, 17)
    changed = ticket.events.filter(kind=Kind.SLA_DUE_CHANGED, data__reason="severity_changed")
    assert {
        (event.data["target"], _moment(event.data["previous_due"]), _moment(event.data["due"]))
        for event in changed
    } == {
        ("next_reply", jst(2026, 6, 15, 13), jst(2026, 6, 15, 15)),
        ("resolution", old_resolution_due, jst(2026, 6, 22, 17)),
    }
    # and the history of the clock names who changed it
    latest = clock.history.order_by("-history_id").first()
    assert latest is not None
    assert (latest.history_user, latest.history_change_reason) == (agent, "sla: severity changed")

    # and the sweep judges the new due instant, not the old one
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 30)).tickets == 0
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 13, 30)) is SlaState.RUNNING


@pytest.mark.django_db
def test_a_breach_the_new_severity_undoes_is_cleared_and_a_later_one_recorded(
    agent, supervisor, manager
):
    # given a next reply breached at 13:00 under 重大, level 1 fired
    ticket = _next_reply_owed(agent)
    escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1))

    # when it is lowered to 高 at 14:00 (due 15:00 now)
    with _at(jst(2026, 6, 15, 14)):
        ticket_change_severity(ticket=ticket, severity="high", reason="影響が限定的", actor=agent)
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert (clock.breached_at, clock.escalation_level, clock.next_escalation_at) == (None, 0, None)
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 14, 30)) is SlaState.AT_RISK

    # then the new due instant breaches once more, with its own event and levels
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 15, 0, 1)).tickets == 1
    breaches = ticket.events.filter(kind=Kind.SLA_BREACHED, data__target="next_reply")
    assert [_moment(event.data["due"]) for event in breaches.order_by("id")] == [
        jst(2026, 6, 15, 13),
        jst(2026, 6, 15, 15),
    ]


@pytest.mark.django_db
def test_a_breach_raised_to_a_severity_with_levels_escalates_by_them(agent, supervisor, manager):
    # given a 高 next reply breached, with no level of its own to fire
    EscalationRule.objects.filter(target="next_reply", severity="high").update(is_active=False)
    ticket = _next_reply_owed(agent, severity="high")
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert clock.due is not None
    breached = clock.due + datetime.timedelta(seconds=1)
    assert escalation.target_breaches_mark(now=breached).tickets == 1
    clock.refresh_from_db()
    assert clock.next_escalation_at is None

    # when it is raised to 重大 an hour later (due 13:00 under 重大: still breached)
    later = breached + datetime.timedelta(hours=1)
    with _at(later):
        ticket_change_severity(ticket=ticket, severity="critical", reason="全社に影響", actor=agent)

    # then 重大's levels due by then fire (level 1 at 13:00, level 2 at 15:00), once
    escalation.target_escalations_fire(now=later + datetime.timedelta(seconds=1))
    escalation.target_escalations_fire(now=later + datetime.timedelta(minutes=5))
    assert _escalations(ticket) == [("next_reply", 1), ("next_reply", 2)]


@pytest.mark.django_db
def test_a_severity_change_keeps_the_paused_time_uncounted(agent):
    # given a 高 24x365 ticket opened Thu 5/7 09:00 whose resolution paused 10:00 – Fri 14:00
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 5, 7, 9))
    with _at(jst(2026, 5, 7, 10)):
        message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body="ログをお送りください。",
            author_user=agent,
            requests_information=True,
        )
    with _at(jst(2026, 5, 8, 14)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="ログを添付します")
    clock = TicketClock.objects.get(ticket=ticket, target="resolution")
    assert clock.paused_seconds == 12 * 3600

    # when it is raised to 重大 (end of the 2nd business day after Thu 5/7: Mon 5/11 17:00)
    with _at(jst(2026, 5, 8, 15)):
        ticket_change_severity(ticket=ticket, severity="critical", reason="全社停止", actor=agent)

    # then the 12 business hours paused still do not count: Mon 17:00 + 12 h → Wed 5/13 13:00
    clock.refresh_from_db()
    assert clock.due == jst(2026, 5, 13, 13)


@pytest.mark.django_db
def test_a_pause_is_counted_again_in_the_new_targets_own_time(agent):
    # given a 重大 24x365 ticket whose next reply runs from Mon 15:00 (2 h of wall clock) and
    # paused 16:00–18:00 waiting on the customer: 2 wall hours not counted → due 19:00
    ticket = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 15, 14))
    with _at(jst(2026, 6, 15, 14, 30)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    with _at(jst(2026, 6, 15, 15)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="状況はどうですか")
    with _at(jst(2026, 6, 15, 16)):
        ticket_transition(ticket=ticket, to=Status.WAITING_ON_CUSTOMER, actor=agent)
    with _at(jst(2026, 6, 15, 18)):
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=agent)
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert clock.due == jst(2026, 6, 15, 19)

    # when it is lowered to 高 (4 business hours) at 18:30
    with _at(jst(2026, 6, 15, 18, 30)):
        ticket_change_severity(ticket=ticket, severity="high", reason="影響が限定的", actor=agent)

    # then the pause leaves out its business time only (16:00–17:00): 15:00 + 4 business hours
    # is Tue 11:00, + 1 hour → Tue 12:00 (not 13:00, as its 2 wall hours would give)
    clock.refresh_from_db()
    assert clock.due == jst(2026, 6, 16, 12)
    assert clock.paused_seconds == 3600


# --- 3. every change of a target's clock leaves a history row ---------------------------------


@pytest.mark.django_db
def test_pauses_and_resumes_leave_history_rows_naming_the_acting_user(agent, supervisor):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 5, 7, 9))
    with _at(jst(2026, 5, 7, 10)):
        message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body="ログをお送りください。",
            author_user=agent,
            actor=agent,
            requests_information=True,
        )
    with _at(jst(2026, 5, 8, 14)):
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=supervisor)
    clock = TicketClock.objects.get(ticket=ticket, target="resolution")
    rows = list(clock.history.order_by("history_id"))
    assert [row.history_change_reason for row in rows] == [
        "sla: started",
        "sla: paused",
        "sla: resumed",
    ]
    assert [row.history_user for row in rows[1:]] == [agent, supervisor]
    assert rows[1].paused_since == jst(2026, 5, 7, 10)
    assert rows[2].paused_since is None
    assert rows[2].due == clock.due


def _owed(agent, count: int) -> list[Ticket]:
    return [_next_reply_owed(agent) for _ in range(count)]


@pytest.mark.django_db
def test_the_sweeps_add_a_history_row_per_clock_at_a_constant_statement_count(
    agent, supervisor, manager
):
    # given one due clock, then five more
    first = _owed(agent, 1)

    def sweep(now: datetime.datetime) -> int:
        with CaptureQueriesContext(connection) as queries:
            escalation.target_breaches_mark(now=now)
        return len(queries.captured_queries)

    one = sweep(jst(2026, 6, 15, 13, 0, 1))
    # (the later tickets fall due a day later: same clock times, next day)
    later = []
    for _ in range(5):
        ticket = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 16, 10))
        with _at(jst(2026, 6, 16, 10, 20)):
            message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認", author_user=agent)
        with _at(jst(2026, 6, 16, 11)):
            message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="まだですか")
        later.append(ticket)
    five = sweep(jst(2026, 6, 16, 13, 0, 1))
    assert five == one

    # then each breached clock has a history row of the system's (no user) with its new state
    for ticket in [*first, *later]:
        clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
        row = clock.history.order_by("-history_id").first()
        assert row is not None
        assert (row.history_change_reason, row.history_user_id) == ("sla: breached", None)
        assert row.breached_at == clock.breached_at is not None
        assert row.escalation_level == 1

    # and a warning and a level add theirs
    escalation.target_escalations_fire(now=jst(2026, 6, 15, 15, 0, 1))
    clock = TicketClock.objects.get(ticket=first[0], target="next_reply")
    row = clock.history.order_by("-history_id").first()
    assert row is not None
    assert (row.history_change_reason, row.escalation_level) == ("sla: escalated", 2)
