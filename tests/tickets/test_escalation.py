"""Breach, escalation levels and the at-risk warning (tickets.escalation), exactly once, on
SQLite and PostgreSQL. Concurrency with real processes is in test_live.py."""

from __future__ import annotations

import datetime

import pytest
from celery.exceptions import OperationalError

from notifications.models import Notification, OutboxMessage
from sla.calendars import TOKYO
from sla.models import EscalationRule
from tests.tickets.conftest import DUE, OPENED
from tickets import escalation, tasks
from tickets.models import Message, Status, TicketEvent
from tickets.services import message_add, ticket_change_severity, ticket_close

STAMP = "20260609T020000Z"  # DUE in UTC
pytestmark = pytest.mark.django_db


def kinds(ticket) -> list[str]:
    """The first response's events: the internal targets' timeline (sla_*) is theirs."""
    return list(ticket.events.exclude(kind__startswith="sla_").values_list("kind", flat=True))


def test_breach_is_marked_once_with_level_one_and_its_notifications(
    open_critical, supervisor, manager, agent, frozen
):
    # given a 重大 ticket assigned to an agent, due at 11:00 JST
    ticket = open_critical(assignee=agent)
    now = DUE + datetime.timedelta(seconds=1)

    # when the sweep runs one second after the deadline, twice
    first = escalation.breaches_mark(now=now)
    second = escalation.breaches_mark(now=now)

    # then the breach is on the ticket with level 1 and the time of level 2
    ticket.refresh_from_db()
    assert (first.tickets, second.tickets) == (1, 0)
    assert ticket.breached_at == now
    assert ticket.escalation_level == 1
    assert ticket.next_escalation_at == DUE + datetime.timedelta(minutes=60)
    # and in its history, once
    assert kinds(ticket) == ["created", "breached", "escalated"]
    breached, escalated = ticket.events.filter(kind__in=["breached", "escalated"])
    assert breached.dedup_key == f"breached:{STAMP}"
    assert breached.data["delay_seconds"] == 1.0
    assert escalated.dedup_key == f"escalated:L1:{STAMP}"
    assert escalated.data["level"] == 1
    assert escalated.data["recipients"] == [supervisor.pk]
    # and the assignee hears of the breach, the supervisors of level 1; managers not yet
    notes = Notification.objects.order_by("recipient__username")
    assert [(n.recipient.username, n.kind) for n in notes] == [
        ("agent", "breached"),
        ("supervisor", "escalated"),
    ]
    assert notes[1].title == f"【重大】{ticket.number} 初回応答期限超過: エスカレーション レベル1"
    assert "初回応答期限: 2026-06-09 11:00 (JST)" in notes[1].body
    # and one email each, in the outbox format
    emails = OutboxMessage.objects.order_by("dedup_key")
    assert [m.payload["to"] for m in emails] == [["agent@example.jp"], ["supervisor@example.jp"]]
    payload = emails[1].payload
    assert set(payload) == {
        "to",
        "subject",
        "text",
        "html",
        "headers",
        "message_id",
        "in_reply_to",
        "references",
    }
    assert payload["subject"] == notes[1].title
    assert payload["message_id"].startswith("<") and payload["message_id"].endswith(">")
    assert payload["in_reply_to"] is None
    # and the admin's history has the breach with its reason
    assert ticket.history.first().history_change_reason == "sla: breached"


def test_nothing_happens_before_the_deadline(open_critical, supervisor):
    ticket = open_critical()

    result = escalation.breaches_mark(now=DUE - datetime.timedelta(seconds=1))

    ticket.refresh_from_db()
    assert result.tickets == 0
    assert ticket.breached_at is None
    assert ticket.escalation_level == 0
    assert Notification.objects.count() == 0


def test_level_two_fires_an_hour_after_the_breach_once(open_critical, supervisor, manager):
    ticket = open_critical()
    escalation.breaches_mark(now=DUE)

    early = escalation.escalations_fire(now=DUE + datetime.timedelta(minutes=59))
    on_time = escalation.escalations_fire(now=DUE + datetime.timedelta(minutes=60))
    again = escalation.escalations_fire(now=DUE + datetime.timedelta(minutes=61))

    ticket.refresh_from_db()
    assert (early.tickets, on_time.tickets, again.tickets) == (0, 1, 0)
    assert ticket.escalation_level == 2
    assert ticket.next_escalation_at is None
    assert list(
        TicketEvent.objects.filter(ticket=ticket, kind="escalated").values_list(
            "dedup_key", flat=True
        )
    ) == [f"escalated:L1:{STAMP}", f"escalated:L2:{STAMP}"]
    assert list(
        Notification.objects.filter(recipient=manager).values_list("dedup_key", flat=True)
    ) == [f"ticket:{ticket.pk}:escalated:L2:{STAMP}"]


def test_a_first_response_stops_further_levels_and_the_breach_stays(
    open_critical, supervisor, manager, agent
):
    ticket = open_critical()
    escalation.breaches_mark(now=DUE)

    message_add(ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent)
    result = escalation.escalations_fire(now=DUE + datetime.timedelta(hours=2))

    ticket.refresh_from_db()
    assert result.tickets == 0
    assert ticket.breached_at == DUE
    assert ticket.escalation_level == 1
    assert ticket.next_escalation_at is None
    assert not Notification.objects.filter(recipient=manager).exists()


def test_after_an_outage_every_level_due_fires_in_one_sweep(open_critical, supervisor, manager):
    ticket = open_critical()
    late = DUE + datetime.timedelta(hours=2)

    escalation.breaches_mark(now=late)

    ticket.refresh_from_db()
    assert ticket.breached_at == late
    assert ticket.escalation_level == 2
    assert ticket.next_escalation_at is None
    assert kinds(ticket) == ["created", "breached", "escalated", "escalated"]
    assert Notification.objects.filter(recipient=manager).count() == 1


def test_at_risk_warns_the_supervisors_of_an_unassigned_ticket_once(open_critical, supervisor):
    # given a 重大 ticket: warned at 75% of the hour, i.e. 15 minutes before the deadline
    ticket = open_critical()
    assert ticket.at_risk_at == OPENED + datetime.timedelta(minutes=45)
    now = ticket.at_risk_at

    first = escalation.at_risk_warn(now=now)
    second = escalation.at_risk_warn(now=now + datetime.timedelta(minutes=1))

    ticket.refresh_from_db()
    assert (first.tickets, second.tickets) == (1, 0)
    assert ticket.at_risk_notified_at == now
    assert kinds(ticket) == ["created", "at_risk"]
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("supervisor", "at_risk")
    ]


def test_at_risk_warns_the_assignee_when_there_is_one(open_critical, supervisor, agent):
    open_critical(assignee=agent)

    escalation.at_risk_warn(now=DUE - datetime.timedelta(minutes=10))

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["agent"]


def test_a_warning_that_comes_after_the_deadline_is_not_sent(open_critical, supervisor):
    ticket = open_critical()

    result = escalation.at_risk_warn(now=DUE + datetime.timedelta(minutes=5))

    ticket.refresh_from_db()
    assert result.tickets == 0
    assert ticket.at_risk_notified_at == DUE + datetime.timedelta(minutes=5)
    assert kinds(ticket) == ["created"]
    assert Notification.objects.count() == 0


def test_a_ticket_closed_before_its_deadline_never_breaches(open_critical, supervisor):
    ticket = open_critical()
    ticket_close(ticket=ticket)

    result = escalation.breaches_mark(now=DUE + datetime.timedelta(hours=3))

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert result.tickets == 0
    assert ticket.breached_at is None


def test_a_severity_change_restarts_the_clock_and_a_new_breach_is_recorded(
    open_critical, supervisor, frozen
):
    ticket = open_critical()
    escalation.breaches_mark(now=DUE)
    frozen.move_to(DUE + datetime.timedelta(minutes=5))
    ticket = ticket_change_severity(ticket=ticket, severity="high", reason="影響は一部")
    ticket = ticket_change_severity(ticket=ticket, severity="critical", reason="全社に拡大")
    new_due = DUE + datetime.timedelta(minutes=65)
    assert (ticket.first_response_due, ticket.breached_at) == (new_due, None)

    escalation.breaches_mark(now=new_due)

    ticket.refresh_from_db()
    assert ticket.breached_at == new_due
    assert list(ticket.events.filter(kind="breached").values_list("dedup_key", flat=True)) == [
        f"breached:{STAMP}",
        "breached:20260609T030500Z",
    ]


def test_exact_time_check_breaches_one_ticket_and_says_when_to_look_next(open_critical, supervisor):
    ticket = open_critical()

    early = escalation.ticket_deadline_check(
        ticket_id=ticket.pk, now=DUE - datetime.timedelta(seconds=2)
    )
    on_time = escalation.ticket_deadline_check(ticket_id=ticket.pk, now=DUE)

    assert early == escalation.CheckResult(breached=False, escalated=0, next_check_at=DUE)
    assert on_time == escalation.CheckResult(
        breached=True, escalated=0, next_check_at=DUE + datetime.timedelta(minutes=60)
    )
    ticket.refresh_from_db()
    assert (ticket.breached_at, ticket.escalation_level) == (DUE, 1)


def test_upcoming_deadlines_are_those_of_the_next_seventy_seconds(open_critical, frozen):
    ticket = open_critical()

    assert escalation.deadlines_upcoming(now=DUE - datetime.timedelta(seconds=71)) == []
    assert escalation.deadlines_upcoming(now=DUE - datetime.timedelta(seconds=70)) == [
        (ticket.pk, DUE)
    ]


def test_a_level_that_waits_for_business_hours_waits_for_the_next_opening(db):
    # given a level that waits, and a 高 ticket of a business-hours contract due Friday 18:00
    rule = EscalationRule(severity="high", level=1, delay_minutes=0, wait_for_business_hours=True)
    ticket = escalation.Ticket(
        severity="high",
        plan="business_hours",
        first_response_due=datetime.datetime(2026, 6, 12, 18, 0, tzinfo=TOKYO),
    )
    critical = escalation.Ticket(
        severity="critical",
        plan="business_hours",
        first_response_due=datetime.datetime(2026, 6, 12, 18, 0, tzinfo=TOKYO),
    )

    # then it fires Monday 09:00 JST; 重大 never waits
    context = escalation._Context()
    assert escalation._fire_at(rule, ticket, context) == datetime.datetime(
        2026, 6, 15, 9, 0, tzinfo=TOKYO
    )
    assert escalation._fire_at(rule, critical, context) == critical.first_response_due


def test_opening_a_ticket_due_within_the_minute_schedules_its_exact_check(
    open_critical, monkeypatch, django_capture_on_commit_callbacks, frozen
):
    scheduled = []
    monkeypatch.setattr(tasks, "deadline_check_schedule", lambda **kwargs: scheduled.append(kwargs))
    # a ticket submitted 59.5 minutes ago (phoned in, logged late) is due in 30 s
    submitted = OPENED - datetime.timedelta(minutes=59, seconds=30)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_critical(submitted_at=submitted)
        open_critical()  # due in an hour: the sweeps will arm it

    assert scheduled == [{"ticket_id": ticket.pk, "at": OPENED + datetime.timedelta(seconds=30)}]


def test_a_broker_outage_does_not_fail_the_scheduling(monkeypatch, caplog):
    monkeypatch.setattr(tasks.deadline_check.app.conf, "task_always_eager", False)

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(tasks.deadline_check, "apply_async", refuse)

    tasks.deadline_check_schedule(ticket_id=1, at=DUE)

    assert "deadline check of ticket 1 not scheduled" in caplog.text


def test_the_sweep_task_breaches_and_the_escalation_task_fires(
    open_critical, supervisor, manager, frozen
):
    ticket = open_critical()

    frozen.move_to(DUE)
    assert tasks.breach_sweep() == 1
    frozen.move_to(DUE + datetime.timedelta(minutes=60))
    assert tasks.escalation_sweep() == 1
    assert tasks.at_risk_sweep() == 0

    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
