"""Recomputing open, unanswered tickets after a calendar or policy edit: the plan shows what
moves and writes nothing; applying records each move in the ticket's history and timeline."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sla.models import HolidayOverride, PolicyRule, SupportPolicy
from tests.sla.support import jst, open_ticket
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.recompute import CHANGE_REASON, tickets_recompute_apply, tickets_recompute_plan
from tickets.services import (
    message_add,
    ticket_change_severity,
    ticket_close,
    ticket_reopen,
    ticket_resolve,
)

pytestmark = pytest.mark.django_db

NOW = jst(2026, 6, 15, 12)
EXTRA_HOLIDAY = datetime.date(2026, 6, 16)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.received_at,
        ticket.first_response_due,
        ticket.at_risk_at,
        ticket.sla_explanation,
        ticket.history.count(),
        ticket.events.count(),
    )


def test_nothing_moves_when_nothing_was_edited(frozen):
    open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    open_ticket(plan="business_hours", severity="high", submitted_at=jst(2026, 6, 13, 10))

    assert tickets_recompute_plan(now=NOW) == []


def test_a_new_holiday_moves_unanswered_tickets_and_the_plan_writes_nothing(frozen, agent):
    # Given: a 翌営業日 ticket due Tue 6/16, a business-hours ticket received Mon 6/15 09:00,
    # a 1-hour ticket, an answered and a resolved ticket
    next_day = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    weekend = open_ticket(plan="business_hours", severity="high", submitted_at=jst(2026, 6, 13, 10))
    critical = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 15, 11))
    answered = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 9))
    message_add(ticket=answered, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    resolved = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 8))
    Ticket.objects.filter(pk=resolved.pk).update(status=Status.IN_PROGRESS)
    ticket_resolve(ticket=resolved, actor=agent)
    before = {t.pk: _snapshot(t) for t in (next_day, weekend, critical, answered, resolved)}

    # When Tuesday 6/16 becomes a holiday
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    moves = tickets_recompute_plan(now=NOW)

    # Then only the open, unanswered ticket with a 6/16 deadline moves, and nothing is written
    assert [(m.number, m.old_due, m.new_due) for m in moves] == [
        (next_day.number, jst(2026, 6, 16, 17), jst(2026, 6, 17, 17))
    ]
    assert moves[0].new_received_at == jst(2026, 6, 15, 10)
    assert {t.pk: _snapshot(t) for t in (next_day, weekend, critical, answered, resolved)} == before


def test_a_business_hours_ticket_not_yet_received_moves_its_receipt(frozen):
    # Submitted Saturday 6/13: received Monday 6/15 09:00
    ticket = open_ticket(plan="business_hours", severity="high", submitted_at=jst(2026, 6, 13, 10))
    HolidayOverride.objects.create(date=datetime.date(2026, 6, 15), name="臨時の祝日")

    moves = tickets_recompute_plan(now=NOW)

    assert [
        (m.ticket_id, m.old_received_at, m.new_received_at, m.old_due, m.new_due) for m in moves
    ] == [(ticket.pk, jst(2026, 6, 15, 9), jst(2026, 6, 16, 9), None, None)]


def test_apply_saves_each_move_with_history_and_an_event(frozen, supervisor):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    history_before = ticket.history.count()
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    moves = tickets_recompute_plan(now=NOW)

    result = tickets_recompute_apply(moves=moves, actor=supervisor)

    assert result.applied == moves
    assert result.stale == []
    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 17, 17)
    assert ticket.at_risk_at == jst(2026, 6, 17, 3, 15)
    assert "6/16 休業 (臨時の祝日)" in [step["ja"] for step in ticket.sla_explanation]
    latest = ticket.history.first()
    assert ticket.history.count() == history_before + 1
    assert (latest.first_response_due, latest.history_user, latest.history_change_reason) == (
        jst(2026, 6, 17, 17),
        supervisor,
        CHANGE_REASON,
    )
    event = ticket.events.get(kind=TicketEvent.Kind.DEADLINE_RECOMPUTED)
    assert event.actor == supervisor
    assert event.data["from"]["first_response_due"] == jst(2026, 6, 16, 17).isoformat()
    assert event.data["to"]["first_response_due"] == jst(2026, 6, 17, 17).isoformat()
    assert event.data["clock_from"] == jst(2026, 6, 15, 10).isoformat()
    # Applied once, the plan is empty: a second run moves nothing.
    assert tickets_recompute_plan(now=NOW) == []


def test_apply_leaves_a_ticket_answered_since_the_plan_alone(frozen, agent):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    moves = tickets_recompute_plan(now=NOW)
    message_add(ticket=ticket, kind=Message.Kind.REPLY, body="回答します。", author_user=agent)
    before = _snapshot(ticket)

    result = tickets_recompute_apply(moves=moves, actor=agent)

    assert (result.applied, result.stale) == ([], moves)
    assert _snapshot(ticket) == before


def test_a_later_deadline_withdraws_a_breach_it_no_longer_justifies(agent):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    Ticket.objects.filter(pk=ticket.pk).update(
        breached_at=jst(2026, 6, 16, 17),
        escalation_level=1,
        next_escalation_at=jst(2026, 6, 16, 21),
    )

    with time_machine.travel(jst(2026, 6, 16, 18), tick=False):
        HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
        moves = tickets_recompute_plan(now=jst(2026, 6, 16, 18))
        tickets_recompute_apply(moves=moves, actor=agent, now=jst(2026, 6, 16, 18))

    ticket.refresh_from_db()
    assert (ticket.first_response_due, ticket.breached_at, ticket.escalation_level) == (
        jst(2026, 6, 17, 17),
        None,
        0,
    )
    assert ticket.next_escalation_at is None


def test_a_severity_change_restarts_the_clock_for_the_recomputation(agent):
    # Given a 重大でない ticket from Friday, raised to 高 on Monday 10:00 (due Tue 6/16 17:00)
    ticket = open_ticket(plan="24x365", severity="non_critical", submitted_at=jst(2026, 6, 12, 10))
    with time_machine.travel(jst(2026, 6, 15, 10), tick=False):
        ticket_change_severity(ticket=ticket, severity="high", reason="影響拡大", actor=agent)

    with time_machine.travel(NOW, tick=False):
        HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
        moves = tickets_recompute_plan(now=NOW)

    assert [(m.clock_from, m.new_received_at, m.old_due, m.new_due) for m in moves] == [
        (jst(2026, 6, 15, 10), jst(2026, 6, 15, 10), jst(2026, 6, 16, 17), jst(2026, 6, 17, 17))
    ]


def test_editing_the_frozen_policy_moves_its_tickets(frozen):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    rule = PolicyRule.objects.get(
        policy__effective_from=datetime.date(2021, 7, 1), plan="24x365", severity="high"
    )
    rule.target_value = 2
    rule.save()

    moves = tickets_recompute_plan(now=NOW)

    assert [(m.ticket_id, m.new_due) for m in moves] == [(ticket.pk, jst(2026, 6, 17, 17))]


def test_a_later_policy_does_not_move_tickets_received_before_it(frozen):
    open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    policy = SupportPolicy.objects.create(name="改定", effective_from=datetime.date(2026, 6, 1))
    PolicyRule.objects.create(
        policy=policy,
        plan="24x365",
        severity="high",
        reception="always",
        target_kind="wall_minutes",
        target_value=30,
    )

    assert tickets_recompute_plan(now=NOW) == []


# --- the command ------------------------------------------------------------------------------


def test_command_dry_run_lists_the_moves_and_changes_nothing(frozen):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    before = _snapshot(ticket)
    out = StringIO()

    call_command("recompute_deadlines", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "期限が動く未応答のチケット: 1 件",
        f"  {ticket.number} (24x365/high): 受付 2026-06-15 10:00 → 2026-06-15 10:00, "
        "初回応答期限 2026-06-16 17:00 → 2026-06-17 17:00",
        "--dry-run: 何も変更していません",
    ]
    assert _snapshot(ticket) == before


def test_command_applies_with_the_named_actor(frozen, supervisor):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    out = StringIO()

    call_command("recompute_deadlines", "--actor", "supervisor", stdout=out)

    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 17, 17)
    assert ticket.history.first().history_user == supervisor
    assert out.getvalue().splitlines()[-1] == "再計算して保存しました: 1 件"


def test_command_with_an_unknown_actor_fails_and_changes_nothing(frozen):
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    HolidayOverride.objects.create(date=EXTRA_HOLIDAY, name="臨時の祝日")
    before = _snapshot(ticket)

    with pytest.raises(CommandError, match=r"^--actor: ユーザー 'nobody' が見つかりません$"):
        call_command("recompute_deadlines", "--actor", "nobody", stdout=StringIO())

    assert _snapshot(ticket) == before


def test_a_ticket_reopened_after_its_deadline_keeps_its_new_clock(agent):
    # Given a 重大 24x365 ticket opened Mon 10:00 (due 11:00), closed unanswered at 10:30
    ticket = open_ticket(plan="24x365", severity="critical", submitted_at=jst(2026, 6, 15, 10))
    with time_machine.travel(jst(2026, 6, 15, 10, 30), tick=False):
        ticket_close(ticket=ticket, actor=agent)
    # and reopened at 14:00, after its old deadline: a new clock starts (due 15:00)
    with time_machine.travel(jst(2026, 6, 15, 14), tick=False):
        ticket_reopen(ticket=ticket, actor=agent)
    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 15, 15)

    # When recompute plans at 14:10 with no calendar or policy change
    moves = tickets_recompute_plan(now=jst(2026, 6, 15, 14, 10))

    # Then nothing moves: the new clock is not pulled back to the old, past deadline
    assert moves == []
