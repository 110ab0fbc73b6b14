"""Internal targets (issue 11, DOMAIN.md point 13): next reply and resolution, as data in the
policy, frozen per ticket, paused while the ticket waits on the customer (Art. 3.4), each with
its state and its SLA timeline."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from sla import calendars, deadlines
from sla.calendars import TOKYO
from sla.deadlines import InternalRule, SlaState, TargetKind
from sla.models import InternalTarget, PolicyRule
from sla.selectors import calendar_current
from tests.sla.support import jst, open_ticket
from tickets import clocks, escalation, targets
from tickets.models import Message, Status, Ticket, TicketClock, TicketEvent
from tickets.services import message_add, ticket_resolve

# --- pure: pauses ---------------------------------------------------------------------------


def _calendar() -> deadlines.BusinessCalendar:
    return calendars.build_calendar(first_year=2026, last_year=2027)


def test_a_wall_clock_pause_moves_the_due_instant_by_the_elapsed_time():
    rule = InternalRule(TargetKind.WALL_MINUTES, 120)
    pause = deadlines.due_after_pause(
        due=jst(2026, 5, 7, 12),
        rule=rule,
        paused_since=jst(2026, 5, 7, 10),
        resumed_at=jst(2026, 5, 8, 14),
        calendar=_calendar(),
    )
    assert pause.seconds_not_counted == 28 * 3600
    assert pause.due_after == jst(2026, 5, 8, 16)
    step = deadlines.pause_step(pause, waiting="waiting_on_customer", business=False)
    assert step.en == (
        "paused Thu 5/7 10:00–Fri 5/8 14:00 waiting on the customer: 28 hours not counted "
        "→ due Fri 5/8 16:00"
    )
    assert "お客様の回答待ちのため一時停止: 28時間を計上せず" in step.ja


def test_a_business_pause_counts_only_opening_time():
    # Paused Thu 5/7 10:00 – Fri 5/8 14:00: 7 h on Thursday + 5 h on Friday = 12 business hours.
    rule = InternalRule(TargetKind.BUSINESS_MINUTES, 240)
    pause = deadlines.due_after_pause(
        due=jst(2026, 5, 7, 14),
        rule=rule,
        paused_since=jst(2026, 5, 7, 10),
        resumed_at=jst(2026, 5, 8, 14),
        calendar=_calendar(),
    )
    assert pause.seconds_not_counted == 12 * 3600
    # 14:00 Thursday + 12 business hours: 3 h Thursday, 8 h Friday, 1 h Monday 5/11 → 10:00.
    assert pause.due_after == jst(2026, 5, 11, 10)
    assert pause.due_after.tzinfo == TOKYO


def test_a_pause_over_a_weekend_costs_a_business_clock_nothing():
    assert (
        deadlines.business_seconds_between(jst(2026, 5, 8, 17), jst(2026, 5, 11, 9), _calendar())
        == 0
    )


# --- on tickets --------------------------------------------------------------------------------


def _at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def _events(ticket: Ticket, target: str) -> list[str]:
    return [
        event.kind
        for event in ticket.events.order_by("id")
        if event.kind.startswith("sla_") and event.data.get("target") == target
    ]


@pytest.mark.django_db
def test_the_data_migration_kept_the_terms_and_seeded_internal_targets():
    terms = PolicyRule.objects.filter(policy__effective_from=datetime.date(2021, 7, 1))
    assert {(r.plan, r.severity, r.target_kind, r.target_value) for r in terms} == {
        ("business_hours", "critical", "wall_minutes", 60),
        ("24x365", "critical", "wall_minutes", 60),
        ("business_hours", "high", "none", None),
        ("24x365", "high", "business_day_end", 1),
        ("business_hours", "non_critical", "none", None),
        ("24x365", "non_critical", "none", None),
    }
    seeded = InternalTarget.objects.filter(policy__effective_from=datetime.date(2021, 7, 1))
    assert seeded.count() == 12
    assert seeded.get(plan="24x365", severity="critical", target="next_reply").target_value == 120


@pytest.mark.django_db
def test_next_reply_runs_from_the_customer_message_and_is_met_by_the_reply(agent):
    ticket = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 15, 10))
    with _at(jst(2026, 6, 15, 10, 20)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    with _at(jst(2026, 6, 15, 11)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="状況はどうですか")
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    # 重大: 2 hours of wall clock.
    assert (clock.started_at, clock.due) == (jst(2026, 6, 15, 11), jst(2026, 6, 15, 13))
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 12)) is SlaState.RUNNING
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 12, 45)) is SlaState.AT_RISK
    with _at(jst(2026, 6, 15, 12)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="調査中です。", author_user=agent)
    clock.refresh_from_db()
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 14)) is SlaState.MET
    assert _events(ticket, "next_reply") == ["sla_started", "sla_fulfilled"]


@pytest.mark.django_db
def test_resolution_pauses_while_waiting_on_the_customer_and_moves_its_due(agent):
    # 高 24x365 opened Thu 5/7 09:00: resolution due the end of the 5th business day (5/14).
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 5, 7, 9))
    clock = TicketClock.objects.get(ticket=ticket, target="resolution")
    assert clock.due == jst(2026, 5, 14, 17)
    with _at(jst(2026, 5, 7, 10)):
        message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body="ログをお送りください。",
            author_user=agent,
            requests_information=True,
        )
    clock.refresh_from_db()
    assert clock.paused_since == jst(2026, 5, 7, 10)
    assert clocks.target_state(clock=clock, now=jst(2026, 5, 8, 9)) is SlaState.PAUSED
    assert (
        TicketClock.objects.filter(clocks.q_target(SlaState.PAUSED, now=jst(2026, 5, 8, 9))).get()
        == clock
    )
    # The first response (terms) never pauses: met by that reply.
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    with _at(jst(2026, 5, 8, 14)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="ログを添付します")
    clock.refresh_from_db()
    # 12 business hours not counted: 5/14 17:00 → 5/18 (Mon) 13:00 + … per the calendar.
    assert clock.paused_since is None
    assert clock.paused_seconds == 12 * 3600
    assert (
        clock.due
        == deadlines.due_after_pause(
            due=jst(2026, 5, 14, 17),
            rule=InternalRule(TargetKind.BUSINESS_DAY_END, 5),
            paused_since=jst(2026, 5, 7, 10),
            resumed_at=jst(2026, 5, 8, 14),
            calendar=calendar_current(),
        ).due_after
    )
    assert clock.explanation[-1]["code"] == "paused"
    assert "not counted" in clock.explanation[-1]["en"]
    assert _events(ticket, "resolution") == [
        "sla_started",
        "sla_paused",
        "sla_resumed",
        "sla_due_changed",
    ]
    with _at(jst(2026, 5, 11, 10)):
        ticket_resolve(ticket=ticket, actor=agent)
    clock.refresh_from_db()
    assert clocks.target_state(clock=clock, now=jst(2026, 5, 20)) is SlaState.MET


@pytest.mark.django_db
def test_the_sweep_marks_a_target_breach_once(agent):
    ticket = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 15, 10))
    with _at(jst(2026, 6, 15, 10, 20)):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    with _at(jst(2026, 6, 15, 11)):
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="まだですか")
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 12, 59)).tickets == 0
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 0, 1)).tickets == 1
    assert escalation.target_breaches_mark(now=jst(2026, 6, 15, 13, 5)).tickets == 0
    clock = TicketClock.objects.get(ticket=ticket, target="next_reply")
    assert clocks.target_state(clock=clock, now=jst(2026, 6, 15, 14)) is SlaState.BREACHED
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 1
    states = targets.target_states(ticket=ticket, now=jst(2026, 6, 15, 14))
    assert states["next_reply"][1] is SlaState.BREACHED
