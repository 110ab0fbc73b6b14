"""The SLA fields on tickets, at the database level: intake on every channel, the policy frozen
at receipt, severity changes (DOMAIN.md §9), the first response (§8), calendar edits and the
SLA state."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from sla import deadlines, selectors
from sla.models import Closure, HolidayOverride, PolicyRule, SupportPolicy
from tests.sla.support import jst, open_ticket
from tickets.clocks import first_response_state as ticket_sla_state
from tickets.escalation import breaches_mark, escalations_fire
from tickets.models import Channel, Message, Ticket, TicketEvent
from tickets.services import (
    message_add,
    ticket_change_severity,
    ticket_close,
    ticket_reopen,
    ticket_resolve,
)

pytestmark = pytest.mark.django_db

BUSINESS_HOURS, TWENTY_FOUR_SEVEN = "business_hours", "24x365"


def _terms_policy() -> SupportPolicy:
    return SupportPolicy.objects.get(effective_from=datetime.date(2021, 7, 1))


# --- intake ------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", Channel.values)
def test_every_channel_stores_the_sla_fields(channel):
    # Given a 24x365 contract, when a 重大 ticket arrives on Saturday 12:00 on any channel
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN,
        severity="critical",
        submitted_at=jst(2026, 5, 2, 12),
        channel=channel,
    )

    # Then submission, receipt, the 1-hour deadline, the warning and the policy are stored
    ticket.refresh_from_db()
    assert ticket.channel == channel
    assert ticket.submitted_at == jst(2026, 5, 2, 12)
    assert ticket.received_at == jst(2026, 5, 2, 12)
    assert ticket.first_response_due == jst(2026, 5, 2, 13)
    # 75% of the hour, and no later than 15 minutes before the deadline: both 12:45.
    assert ticket.at_risk_at == jst(2026, 5, 2, 12, 45)
    assert ticket.policy == _terms_policy()
    assert [step["code"] for step in ticket.sla_explanation] == [
        "submitted",
        "reception_always",
        "received",
        "wall_minutes",
    ]
    assert ticket.sla_explanation[-1]["ja"] == (
        "重大・24時間365日契約: 初回応答 1時間以内 → 5/2(土) 13:00"
    )


def test_business_hours_high_on_golden_week_is_received_after_it_without_commitment():
    ticket = open_ticket(
        plan=BUSINESS_HOURS, severity="high", submitted_at=jst(2026, 5, 2, 12), channel="web"
    )

    ticket.refresh_from_db()
    assert ticket.received_at == jst(2026, 5, 7, 9)
    assert ticket.first_response_due is None
    assert ticket.at_risk_at is None
    assert ticket.sla_explanation[2] == {
        "code": "closed",
        "ja": "5/2–5/6 休業 (土, 憲法記念日, みどりの日, こどもの日, 振替休日)",
        "en": "closed 5/2–5/6 (Sat, Constitution Day, Greenery Day, Children's Day, "
        "Substitute Holiday)",
    }


# --- the policy in force when received (Art. 15) -----------------------------------------------


def _policy_from_2026_07_01() -> SupportPolicy:
    """A later policy: 高 on 24x365 within 4 wall-clock hours, 高 on business_hours within 2
    business hours; everything else as the terms."""
    policy = SupportPolicy.objects.create(name="改定約款", effective_from=datetime.date(2026, 7, 1))
    for rule in _terms_policy().rules.all():
        PolicyRule.objects.create(
            policy=policy,
            plan=rule.plan,
            severity=rule.severity,
            reception=rule.reception,
            target_kind=rule.target_kind,
            target_value=rule.target_value,
        )
    policy.rules.filter(plan=TWENTY_FOUR_SEVEN, severity="high").update(
        target_kind="wall_minutes", target_value=240
    )
    policy.rules.filter(plan=BUSINESS_HOURS, severity="high").update(
        target_kind="business_minutes", target_value=120
    )
    selectors.cache_clear()  # the updates above write no history rows
    return policy


def test_old_tickets_keep_their_policy_when_a_later_one_is_added():
    # Given a ticket received under the terms of 2021
    old = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="high", submitted_at=jst(2026, 6, 15, 10))

    # When a policy effective 2026-07-01 is added and a ticket arrives under it
    revised = _policy_from_2026_07_01()
    new = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="high", submitted_at=jst(2026, 7, 6, 10))

    # Then the old ticket keeps the terms and its deadline; the new one is judged by the revision
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.policy == _terms_policy()
    assert old.first_response_due == jst(2026, 6, 16, 17)
    assert new.policy == revised
    assert new.first_response_due == jst(2026, 7, 6, 14)


def test_a_ticket_submitted_before_a_policy_but_received_under_it_follows_it():
    revised = _policy_from_2026_07_01()

    # Submitted Tuesday 2026-06-30 18:00 (terms of 2021), received Wednesday 07-01 09:00
    ticket = open_ticket(plan=BUSINESS_HOURS, severity="high", submitted_at=jst(2026, 6, 30, 18))

    ticket.refresh_from_db()
    assert ticket.received_at == jst(2026, 7, 1, 9)
    assert ticket.policy == revised
    assert ticket.first_response_due == jst(2026, 7, 1, 11)


# --- severity changes (DOMAIN.md §9) -----------------------------------------------------------


def test_severity_change_before_the_first_response_recomputes_from_the_change(agent):
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="non_critical", submitted_at=jst(2026, 6, 15, 10)
    )
    history_before = ticket.history.count()

    with time_machine.travel(jst(2026, 6, 15, 14), tick=False):
        ticket_change_severity(
            ticket=ticket, severity="critical", reason="全社で送信不可", actor=agent
        )

    ticket.refresh_from_db()
    assert ticket.severity == "critical"
    assert ticket.submitted_at == jst(2026, 6, 15, 10)
    assert ticket.received_at == jst(2026, 6, 15, 14)
    assert ticket.first_response_due == jst(2026, 6, 15, 15)
    assert ticket.at_risk_at == jst(2026, 6, 15, 14, 45)
    latest = ticket.history.first()
    assert ticket.history.count() == history_before + 1
    assert (latest.severity, latest.first_response_due, latest.history_user) == (
        "critical",
        jst(2026, 6, 15, 15),
        agent,
    )
    event = ticket.events.get(kind=TicketEvent.Kind.SEVERITY_CHANGED)
    assert event.data["previous_due"] is None
    assert event.data["first_response_due"] == jst(2026, 6, 15, 15).isoformat()


def test_severity_change_after_the_first_response_keeps_the_deadline(agent):
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="non_critical", submitted_at=jst(2026, 6, 15, 10)
    )
    with time_machine.travel(jst(2026, 6, 15, 11), tick=False):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)

    with time_machine.travel(jst(2026, 6, 15, 14), tick=False):
        ticket_change_severity(ticket=ticket, severity="critical", reason="影響拡大", actor=agent)

    ticket.refresh_from_db()
    assert ticket.severity == "critical"
    assert ticket.received_at == jst(2026, 6, 15, 10)
    assert ticket.first_response_due is None
    assert ticket.first_responded_at == jst(2026, 6, 15, 11)


def test_severity_change_of_an_unanswered_resolved_ticket_recomputes_too(agent):
    # Given a 重大でない ticket on 24x365, resolved without any reply
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="non_critical", submitted_at=jst(2026, 6, 15, 10)
    )
    with time_machine.travel(jst(2026, 6, 15, 10, 30), tick=False):
        ticket_resolve(ticket=ticket, actor=agent)

    # When it is re-rated 重大 before any first response
    with time_machine.travel(jst(2026, 6, 15, 10, 40), tick=False):
        ticket_change_severity(ticket=ticket, severity="critical", reason="全社で送信不可")

    # Then §9 applies whatever its status: a 1-hour clock from the change, not 確約なし
    ticket.refresh_from_db()
    assert (ticket.status, ticket.severity) == ("resolved", "critical")
    assert ticket.received_at == jst(2026, 6, 15, 10, 40)
    assert ticket.first_response_due == jst(2026, 6, 15, 11, 40)
    assert ticket.at_risk_at == jst(2026, 6, 15, 11, 25)
    # And, resolved without a response, its clock shows stopped, not running: the sweeps chase
    # open tickets only
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 15, 10, 41)) == "stopped"
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 15, 12)) == "stopped"


def test_confirming_the_triage_severity_clears_the_flag_and_keeps_the_deadline(agent):
    # Given a mail-born ticket whose severity was guessed (重大でない, flagged for triage)
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="non_critical", submitted_at=jst(2026, 6, 15, 10)
    )
    Ticket.objects.filter(pk=ticket.pk).update(needs_triage=True)
    history_before = ticket.history.count()

    # When an agent confirms that same severity, with a reason
    with time_machine.travel(jst(2026, 6, 15, 10, 30), tick=False):
        ticket_change_severity(
            ticket=ticket, severity="non_critical", reason="内容を確認", actor=agent
        )

    # Then the flag is cleared, recorded with the agent, and the clock is untouched
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.needs_triage) == ("non_critical", False)
    assert ticket.received_at == jst(2026, 6, 15, 10)
    assert ticket.first_response_due is None
    assert ticket.history.count() == history_before + 1
    assert ticket.history.first().history_user == agent
    event = ticket.events.get(kind=TicketEvent.Kind.UPDATED)
    assert event.data == {
        "field": "needs_triage",
        "from": True,
        "to": False,
        "reason": "内容を確認",
    }
    assert not ticket.events.filter(kind=TicketEvent.Kind.SEVERITY_CHANGED).exists()


# --- the first response (DOMAIN.md §8) ---------------------------------------------------------


def test_only_the_first_reply_sets_first_responded_at(agent):
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="critical", submitted_at=jst(2026, 6, 15, 10)
    )

    with time_machine.travel(jst(2026, 6, 15, 10, 5), tick=False):
        message_add(
            ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="ログ確認中", author_user=agent
        )
        message_add(
            ticket=ticket,
            kind=Message.Kind.PHONE_CALL,
            direction=Message.Direction.INBOUND,
            body="お客様から着信",
            author_user=agent,
        )
        message_add(ticket=ticket, kind=Message.Kind.CUSTOMER, body="追加情報です")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None

    with time_machine.travel(jst(2026, 6, 15, 10, 30), tick=False):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="調査します。", author_user=agent)
    with time_machine.travel(jst(2026, 6, 15, 10, 40), tick=False):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="続報です。", author_user=agent)

    ticket.refresh_from_db()
    assert ticket.first_responded_at == jst(2026, 6, 15, 10, 30)
    assert ticket.events.filter(kind=TicketEvent.Kind.FIRST_RESPONSE).count() == 1


def test_an_outbound_call_is_a_first_response(agent):
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="critical", submitted_at=jst(2026, 6, 15, 10)
    )

    with time_machine.travel(jst(2026, 6, 15, 10, 20), tick=False):
        message_add(
            ticket=ticket,
            kind=Message.Kind.PHONE_CALL,
            direction=Message.Direction.OUTBOUND,
            body="お客様へ架電",
            author_user=agent,
        )

    ticket.refresh_from_db()
    assert ticket.first_responded_at == jst(2026, 6, 15, 10, 20)


# --- calendar edits ----------------------------------------------------------------------------


def test_holiday_override_switches_a_national_holiday_off_and_on():
    substitute_holiday = datetime.date(2026, 5, 6)
    assert not selectors.calendar_current().is_business_day(substitute_holiday)

    override = HolidayOverride.objects.create(
        date=substitute_holiday, is_holiday=False, reason="法改正のため"
    )
    assert selectors.calendar_current().is_business_day(substitute_holiday)

    override.is_holiday = True
    override.name = "振替休日"
    override.save()
    assert not selectors.calendar_current().is_business_day(substitute_holiday)


def test_holiday_override_adds_a_holiday_that_moves_new_deadlines():
    HolidayOverride.objects.create(date=datetime.date(2026, 6, 16), name="臨時の祝日")

    ticket = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="high", submitted_at=jst(2026, 6, 15, 10))

    assert ticket.first_response_due == jst(2026, 6, 17, 17)
    assert "6/16 休業 (臨時の祝日)" in [step["ja"] for step in ticket.sla_explanation]


def test_a_part_day_closure_closes_reception_and_ends_the_business_day_early():
    Closure.objects.create(
        name="全社研修", starts_at=jst(2026, 6, 16, 13), ends_at=jst(2026, 6, 16, 17)
    )
    calendar = selectors.calendar_current()
    assert calendar.is_open(jst(2026, 6, 16, 12, 59, 59))
    assert not calendar.is_open(jst(2026, 6, 16, 13))

    during = open_ticket(
        plan=BUSINESS_HOURS, severity="high", submitted_at=jst(2026, 6, 16, 13, 30)
    )
    before = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="high", submitted_at=jst(2026, 6, 15, 10))

    assert during.received_at == jst(2026, 6, 17, 9)
    # 翌営業日 = the close of the next business day, which the closure brings forward to 13:00.
    assert before.first_response_due == jst(2026, 6, 16, 13)


def test_a_whole_day_closure_is_not_a_business_day():
    Closure.objects.create(name="停電", starts_at=jst(2026, 6, 16), ends_at=jst(2026, 6, 17))

    ticket = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="high", submitted_at=jst(2026, 6, 15, 10))

    assert not selectors.calendar_current().is_business_day(datetime.date(2026, 6, 16))
    assert ticket.first_response_due == jst(2026, 6, 17, 17)
    assert "6/16 休業 (停電)" in [step["ja"] for step in ticket.sla_explanation]


# --- the SLA state -----------------------------------------------------------------------------


def _state(ticket, now: datetime.datetime) -> str:
    """The state as the product decides it (tickets.clocks), never restated here."""
    return ticket_sla_state(ticket=ticket, now=now)


def test_sla_state_without_commitment_is_never_breached():
    ticket = open_ticket(plan=BUSINESS_HOURS, severity="high", submitted_at=jst(2026, 6, 15, 10))

    assert _state(ticket, jst(2026, 12, 31, 23)) == "no_commitment"


def test_sla_state_runs_warns_and_breaches_while_unanswered():
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="critical", submitted_at=jst(2026, 6, 15, 10)
    )

    assert _state(ticket, jst(2026, 6, 15, 10, 44, 59)) == "running"
    assert _state(ticket, jst(2026, 6, 15, 10, 45)) == "at_risk"
    assert _state(ticket, jst(2026, 6, 15, 10, 59, 59)) == "at_risk"
    assert _state(ticket, jst(2026, 6, 15, 11)) == "breached"
    assert deadlines.sla_margin(
        now=jst(2026, 6, 15, 11, 10),
        first_response_due=ticket.first_response_due,
        first_responded_at=None,
    ) == datetime.timedelta(minutes=-10)


@pytest.mark.parametrize(
    ("replied_at", "state", "margin_minutes"),
    [
        ((2026, 6, 15, 10, 50), "met", 10),
        ((2026, 6, 15, 11), "met", 0),
        ((2026, 6, 15, 11, 5), "breached", -5),
    ],
)
def test_sla_state_after_the_first_reply(agent, replied_at, state, margin_minutes):
    ticket = open_ticket(
        plan=TWENTY_FOUR_SEVEN, severity="critical", submitted_at=jst(2026, 6, 15, 10)
    )
    with time_machine.travel(jst(*replied_at), tick=False):
        message_add(ticket=ticket, kind=Message.Kind.REPLY, body="回答します。", author_user=agent)
    ticket.refresh_from_db()

    assert _state(ticket, jst(2026, 6, 16, 9)) == state
    assert deadlines.sla_margin(
        now=jst(2026, 6, 16, 9),
        first_response_due=ticket.first_response_due,
        first_responded_at=ticket.first_responded_at,
    ) == datetime.timedelta(minutes=margin_minutes)


def test_sla_fields_are_the_same_when_the_server_runs_in_utc(settings):
    settings.TIME_ZONE = "UTC"

    ticket = open_ticket(plan=BUSINESS_HOURS, severity="critical", submitted_at=jst(2026, 5, 2, 12))
    late = open_ticket(plan=BUSINESS_HOURS, severity="high", submitted_at=jst(2026, 5, 1, 23, 30))

    assert (ticket.received_at, ticket.first_response_due) == (
        jst(2026, 5, 2, 12),
        jst(2026, 5, 2, 13),
    )
    assert late.received_at == jst(2026, 5, 7, 9)


# --- a clock stopped by finishing the ticket, and the reopening -------------------------------


def _closed_unanswered(*, submitted_at, closed_at) -> Ticket:
    """重大 on 24x365 (due one hour after submission), closed at `closed_at`, never answered."""
    ticket = open_ticket(plan=TWENTY_FOUR_SEVEN, severity="critical", submitted_at=submitted_at)
    with time_machine.travel(closed_at, tick=False):
        return ticket_close(ticket=ticket)


def test_reopened_after_its_stopped_clock_expired_gets_a_new_clock():
    # Given a 重大 ticket closed ten minutes after filing, unanswered, due at 11:00
    ticket = _closed_unanswered(
        submitted_at=jst(2026, 6, 15, 10), closed_at=jst(2026, 6, 15, 10, 10)
    )
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 15, 12)) == "stopped"

    # When the customer reopens it the next day
    reopened_at = jst(2026, 6, 16, 9, 30)
    with time_machine.travel(reopened_at, tick=False):
        ticket_reopen(ticket=ticket)
        # Then a new hour runs from the reopening; the sweeps see nothing due
        assert breaches_mark(now=reopened_at).tickets == 0
        assert escalations_fire(now=reopened_at).tickets == 0

    ticket.refresh_from_db()
    assert ticket.received_at == reopened_at
    assert ticket.first_response_due == jst(2026, 6, 16, 10, 30)
    assert (ticket.breached_at, ticket.escalation_level) == (None, 0)
    assert ticket_sla_state(ticket=ticket, now=reopened_at) == "running"
    event = ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).latest("id")
    parse = datetime.datetime.fromisoformat
    assert parse(event.data["previous_due"]) == jst(2026, 6, 15, 11)
    assert parse(event.data["first_response_due"]) == jst(2026, 6, 16, 10, 30)


def test_reopened_before_its_deadline_keeps_it():
    ticket = _closed_unanswered(
        submitted_at=jst(2026, 6, 15, 10), closed_at=jst(2026, 6, 15, 10, 10)
    )

    with time_machine.travel(jst(2026, 6, 15, 10, 20), tick=False):
        ticket_reopen(ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 15, 11)
    assert ticket.received_at == jst(2026, 6, 15, 10)
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 15, 10, 20)) == "running"


def test_closed_after_its_deadline_stays_breached_when_reopened():
    ticket = _closed_unanswered(
        submitted_at=jst(2026, 6, 15, 10), closed_at=jst(2026, 6, 15, 11, 5)
    )
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 15, 12)) == "breached"

    with time_machine.travel(jst(2026, 6, 16, 9, 30), tick=False):
        ticket_reopen(ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 15, 11)
    assert ticket_sla_state(ticket=ticket, now=jst(2026, 6, 16, 9, 30)) == "breached"
