"""One clock, one answer (issue 11): a zoo of tickets in every situation of the first-response
clock, and every consumer — the Python rule, its database twin, the API (field and filters),
the workspace (queues, their counts, the row state, the dashboard) and the sweeps — must
classify each ticket the same way. Each consumer is called through its real entry point."""

from __future__ import annotations

import copy
import datetime

import pytest
import time_machine
from django.test import override_settings

from sla.deadlines import SlaState
from tests.api.conftest import CsrfSessionClient
from tests.conftest import data_for_the_module, desk_user_make, distributor_make
from tests.sla.support import jst, open_ticket
from tickets import clocks, escalation
from tickets.models import Message, Status, Ticket, TicketClock
from tickets.services import (
    message_add,
    ticket_change_severity,
    ticket_close,
    ticket_refuse,
    ticket_reopen,
    ticket_resolve,
    ticket_transition,
    ticket_wait_on_microsoft,
)
from workspace import selectors as workspace
from workspace.selectors import QueueFilters

pytestmark = pytest.mark.django_db

# Monday 2026-06-15 12:00 JST, a business day.
NOW = jst(2026, 6, 15, 12)


def _at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def _critical(submitted_at: datetime.datetime) -> Ticket:
    return open_ticket(plan="24x365", severity="critical", submitted_at=submitted_at)


def _reply(ticket: Ticket, agent, at: datetime.datetime, **kwargs) -> None:
    with _at(at):
        message_add(
            ticket=ticket, kind=Message.Kind.REPLY, body="確認します。", author_user=agent, **kwargs
        )


def _zoo(agent) -> dict[str, tuple[Ticket, SlaState]]:
    """Every situation, with the state the terms give it at NOW."""
    zoo: dict[str, tuple[Ticket, SlaState]] = {}

    def add(name: str, ticket: Ticket, state: SlaState) -> None:
        zoo[name] = (ticket, state)

    add(
        "no commitment (重大でない)",
        open_ticket(plan="24x365", severity="non_critical", submitted_at=jst(2026, 6, 15, 10)),
        SlaState.NO_COMMITMENT,
    )
    add(
        "no commitment (高, business hours)",
        open_ticket(plan="business_hours", severity="high", submitted_at=jst(2026, 6, 15, 10)),
        SlaState.NO_COMMITMENT,
    )
    add("running", _critical(jst(2026, 6, 15, 11, 50)), SlaState.RUNNING)
    add(
        "running, next business day",
        open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10)),
        SlaState.RUNNING,
    )
    add("at risk", _critical(jst(2026, 6, 15, 11, 10)), SlaState.AT_RISK)
    add("overdue, breach not yet marked", _critical(jst(2026, 6, 15, 10)), SlaState.BREACHED)

    marked = _critical(jst(2026, 6, 15, 9))
    escalation.breaches_mark(now=jst(2026, 6, 15, 10, 30))
    add("overdue, breach marked", marked, SlaState.BREACHED)

    met = _critical(jst(2026, 6, 15, 11))
    _reply(met, agent, jst(2026, 6, 15, 11, 30))
    add("answered in time", met, SlaState.MET)

    late = _critical(jst(2026, 6, 15, 8))
    _reply(late, agent, jst(2026, 6, 15, 9, 30))
    add("answered late", late, SlaState.BREACHED)

    waiting = _critical(jst(2026, 6, 15, 11, 10))
    _reply(waiting, agent, jst(2026, 6, 15, 11, 15), requests_information=True)
    add("answered, waiting on the customer", waiting, SlaState.MET)

    owed = _critical(jst(2026, 6, 15, 11))
    _reply(owed, agent, jst(2026, 6, 15, 11, 5))
    with _at(jst(2026, 6, 15, 11, 30)):
        message_add(ticket=owed, kind=Message.Kind.CUSTOMER, body="追加の質問です")
    add("answered, the customer wrote again: next reply owed", owed, SlaState.MET)

    overdue_reply = _critical(jst(2026, 6, 15, 8, 30))
    _reply(overdue_reply, agent, jst(2026, 6, 15, 9))
    with _at(jst(2026, 6, 15, 9, 30)):
        message_add(ticket=overdue_reply, kind=Message.Kind.CUSTOMER, body="まだですか")
    add("answered, next reply overdue", overdue_reply, SlaState.MET)

    microsoft = _critical(jst(2026, 6, 15, 11, 10))
    with _at(jst(2026, 6, 15, 11, 15)):
        ticket_wait_on_microsoft(ticket=microsoft, case_number="2606150010001", actor=agent)
    add("unanswered, waiting on Microsoft: the terms never pause", microsoft, SlaState.AT_RISK)

    stopped = _critical(jst(2026, 6, 15, 11, 30))
    with _at(jst(2026, 6, 15, 11, 40)):
        ticket_close(ticket=stopped, actor=agent)
    add("closed unanswered before the deadline", stopped, SlaState.STOPPED)

    resolved_late = _critical(jst(2026, 6, 15, 7))
    with _at(jst(2026, 6, 15, 7, 10)):
        ticket_transition(ticket=resolved_late, to=Status.IN_PROGRESS, actor=agent)
    with _at(jst(2026, 6, 15, 8, 30)):
        ticket_resolve(ticket=resolved_late, actor=agent)
    add("resolved unanswered after the deadline", resolved_late, SlaState.BREACHED)

    reopened_early = _critical(jst(2026, 6, 15, 11, 10))
    with _at(jst(2026, 6, 15, 11, 15)):
        ticket_close(ticket=reopened_early, actor=agent)
    with _at(jst(2026, 6, 15, 11, 20)):
        ticket_reopen(ticket=reopened_early, actor=agent)
    add("reopened before the deadline: the old clock stands", reopened_early, SlaState.AT_RISK)

    reopened_late = _critical(jst(2026, 6, 15, 9))
    with _at(jst(2026, 6, 15, 9, 10)):
        ticket_close(ticket=reopened_late, actor=agent)
    with _at(jst(2026, 6, 15, 11, 50)):
        ticket_reopen(ticket=reopened_late, actor=agent)
    add("reopened after the deadline: a new clock", reopened_late, SlaState.RUNNING)

    raised = open_ticket(plan="24x365", severity="non_critical", submitted_at=jst(2026, 6, 15, 9))
    with _at(jst(2026, 6, 15, 11, 55)):
        ticket_change_severity(ticket=raised, severity="critical", reason="全社影響", actor=agent)
    add("severity raised: the clock restarts (§9)", raised, SlaState.RUNNING)

    raised_late = open_ticket(
        plan="24x365", severity="non_critical", submitted_at=jst(2026, 6, 15, 9)
    )
    with _at(jst(2026, 6, 15, 10)):
        ticket_change_severity(ticket=raised_late, severity="critical", reason="拡大", actor=agent)
    add("severity raised, new clock overdue", raised_late, SlaState.BREACHED)

    lowered = _critical(jst(2026, 6, 15, 11))
    with _at(jst(2026, 6, 15, 11, 5)):
        ticket_change_severity(ticket=lowered, severity="non_critical", reason="一部", actor=agent)
    add("severity lowered to no commitment", lowered, SlaState.NO_COMMITMENT)

    refused_late = _critical(jst(2026, 6, 15, 8))
    with _at(jst(2026, 6, 15, 10)):
        ticket_refuse(ticket=refused_late, reason="out_of_scope", note="対象外です。", actor=agent)
    add("refused after the deadline (the refusal is the response)", refused_late, SlaState.BREACHED)
    return zoo


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The agent and the zoo, built once for the module's tests (a second each):
    tests.conftest.data_for_the_module undoes each test's writes before the next."""
    with data_for_the_module(django_db_blocker):
        agent = desk_user_make("agent", distributor_make())
        built = _zoo(agent)
        for ticket, _state in built.values():
            ticket.refresh_from_db()
        yield agent, built


@pytest.fixture
def agent(shared, db):
    return shared[0]


@pytest.fixture
def zoo(shared, db):
    """Copies of the zoo's tickets, as setUpTestData gives each test its own."""
    return copy.deepcopy(shared[1])


def _expected(zoo, *states: SlaState, open_only: bool = False) -> set[str]:
    return {
        ticket.number
        for ticket, state in zoo.values()
        if state in states and (ticket.is_open or not open_only)
    }


def test_the_python_rule_gives_each_situation_its_state(zoo):
    got = {name: clocks.first_response_state(ticket=t, now=NOW) for name, (t, _s) in zoo.items()}
    assert got == {name: state for name, (_t, state) in zoo.items()}


def test_the_database_twin_puts_each_ticket_in_exactly_its_state(zoo):
    numbers = {ticket.number for ticket, _state in zoo.values()}
    for state in SlaState:
        inside = set(
            Ticket.objects.filter(clocks.q_first_response(state, now=NOW)).values_list(
                "number", flat=True
            )
        )
        outside = set(
            Ticket.objects.filter(clocks.q_first_response_not(state, now=NOW)).values_list(
                "number", flat=True
            )
        )
        assert inside == _expected(zoo, state), state
        assert inside | outside == numbers and not inside & outside, state


def test_the_api_field_and_filters_agree(zoo, agent):
    client = CsrfSessionClient(agent)
    with _at(NOW):

        def numbers(query: str) -> set[str]:
            response = client.get(f"/api/v1/tickets/?page_size=200&{query}")
            assert response.status_code == 200
            return {row["number"] for row in response.json()["results"]}

        rows = client.get("/api/v1/tickets/?page_size=200").json()["results"]
        assert {row["number"]: row["sla_state"] for row in rows} == {
            ticket.number: state.value for ticket, state in zoo.values()
        }
        assert numbers("breached=true") == _expected(zoo, SlaState.BREACHED)
        assert numbers("breached=false") == _expected(zoo, *set(SlaState) - {SlaState.BREACHED})
        assert numbers("at_risk=true") == _expected(zoo, SlaState.AT_RISK)
        assert numbers("at_risk=false") == _expected(zoo, *set(SlaState) - {SlaState.AT_RISK})


def test_the_workspace_queues_counts_rows_and_dashboard_agree(zoo, agent):
    counts = {q.slug: q.count for q in workspace.queues_with_counts(user=agent, now=NOW)}
    for queue, state in (("breached", SlaState.BREACHED), ("at_risk", SlaState.AT_RISK)):
        listed = workspace.tickets_in_queue(
            user=agent, queue=queue, filters=QueueFilters(), now=NOW
        )
        expected = _expected(zoo, state, open_only=True)
        assert {t.number for t in listed} == expected, queue
        assert counts[queue] == len(expected), queue
    page = workspace.queue_page(
        queryset=workspace.tickets_in_queue(
            user=agent, queue="open", filters=QueueFilters(), now=NOW
        ),
        page_number=1,
        now=NOW,
    )
    by_number = {ticket.number: state for ticket, state in zoo.values()}
    assert {t.number: t.sla for t in page.object_list} == {
        number: by_number[number] for number in _expected(zoo, *SlaState, open_only=True)
    }
    dashboard = workspace.dashboard_for(user=agent, now=NOW)
    assert {t.number for t in dashboard.at_risk} == _expected(zoo, SlaState.AT_RISK)
    # Every breach of the zoo fell due today (JST).
    assert {t.number for t in dashboard.breached_today} == _expected(zoo, SlaState.BREACHED)
    judged = _expected(zoo, SlaState.MET, SlaState.BREACHED)
    assert dashboard.share_overall.total == len(judged)
    assert dashboard.share_overall.on_time == len(_expected(zoo, SlaState.MET))


def test_the_sweeps_claim_exactly_the_overdue_and_warned_tickets(zoo):
    unrecorded = {
        ticket.number
        for ticket, state in zoo.values()
        if state is SlaState.BREACHED and ticket.is_open and ticket.breached_at is None
    }
    claimed = set(escalation.tickets_breach_due(now=NOW).values_list("number", flat=True))
    assert claimed == unrecorded
    warned = set(escalation.tickets_at_risk_due(now=NOW).values_list("number", flat=True))
    assert _expected(zoo, SlaState.AT_RISK) <= warned
    assert warned <= _expected(zoo, SlaState.AT_RISK, SlaState.BREACHED)

    # After the sweep every consumer still agrees, and the breach is recorded once.
    escalation.breaches_mark(now=NOW)
    for ticket, state in zoo.values():
        ticket.refresh_from_db()
        assert clocks.first_response_state(ticket=ticket, now=NOW) is state
    assert not escalation.tickets_breach_due(now=NOW).exists()


@override_settings(SLA_AT_RISK_SHARE=0.1)
def test_changing_the_warning_share_later_keeps_queues_and_labels_together(zoo, agent):
    # The warning instant was stored when each clock started: a new share applies to new
    # clocks only, so the queue and the row label still say the same.
    queue = workspace.tickets_in_queue(user=agent, queue="at_risk", filters=QueueFilters(), now=NOW)
    page = workspace.queue_page(queryset=queue, page_number=1, now=NOW)
    assert {t.number for t in page.object_list} == _expected(zoo, SlaState.AT_RISK)
    assert {t.sla for t in page.object_list} == {SlaState.AT_RISK}


def test_every_internal_target_agrees_in_python_the_database_and_the_api(zoo, agent):
    rows = list(TicketClock.objects.select_related("ticket"))
    states = {clock.pk: clocks.target_state(clock=clock, now=NOW) for clock in rows}
    # The zoo holds every state of an internal target but "stopped"… and stopped too.
    assert {SlaState.RUNNING, SlaState.PAUSED, SlaState.MET, SlaState.BREACHED} <= set(
        states.values()
    )
    for state in SlaState:
        inside = set(
            TicketClock.objects.filter(clocks.q_target(state, now=NOW)).values_list("pk", flat=True)
        )
        assert inside == {pk for pk, got in states.items() if got is state}, state
    client = CsrfSessionClient(agent)
    with _at(NOW):
        api_rows = client.get("/api/v1/tickets/?page_size=200").json()["results"]
        by_number = {row["number"]: row["sla"] for row in api_rows}
        for clock in rows:
            assert by_number[clock.ticket.number][clock.target]["state"] == states[clock.pk].value
        for row in api_rows:
            assert row["sla"]["first_response"]["state"] == row["sla_state"]
            assert row["sla"]["first_response"]["terms"] is True
        for target in ("first_response", "next_reply", "resolution"):
            for state in SlaState:
                response = client.get(
                    f"/api/v1/tickets/?page_size=200&sla_target={target}&sla_state={state.value}"
                )
                got = {row["number"] for row in response.json()["results"]}
                assert got == {
                    number for number, sla in by_number.items() if sla[target]["state"] == state
                }, (target, state)
