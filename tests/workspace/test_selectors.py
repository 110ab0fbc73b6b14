"""Queues, counts, search, sort and the dashboard's figures."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from accounts import permissions
from accounts.permissions import access_of
from sla.deadlines import SlaState
from tests.factories import CustomerFactory, UserFactory
from tests.workspace.conftest import NOW, make_ticket
from tickets.clocks import q_first_response, q_open
from tickets.models import Ticket
from tickets.services import message_add, ticket_assign, ticket_close, ticket_refuse
from workspace import selectors
from workspace.selectors import QueueFilters

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mixed(frozen, customer_a, agent):
    """Five tickets: two breached 重大, one at risk 重大, one running 高, one 重大でない."""
    breached_early = make_ticket(customer_a, severity="critical", submitted_at=NOW - 3 * HOUR)
    breached_late = make_ticket(customer_a, severity="critical", submitted_at=NOW - 2 * HOUR)
    at_risk = make_ticket(
        customer_a, severity="critical", submitted_at=NOW - datetime.timedelta(minutes=50)
    )
    running = make_ticket(customer_a, severity="high", subject="Teams の会議に参加できない")
    no_commitment = make_ticket(customer_a, severity="non_critical")
    ticket_assign(ticket=running, assignee=agent, actor=agent)
    return {
        "breached_early": breached_early,
        "breached_late": breached_late,
        "at_risk": at_risk,
        "running": running,
        "no_commitment": no_commitment,
    }


def _numbers(queryset) -> list[str]:
    return [ticket.number for ticket in queryset]


def test_queue_counts_agree_with_the_ticket_selectors(mixed, agent):
    counts = {q.slug: q.count for q in selectors.queues_with_counts(user=agent, now=NOW)}
    assert counts == {
        "unassigned": 4,
        "mine": 1,
        "breached": Ticket.objects.filter(
            q_open(), q_first_response(SlaState.BREACHED, now=NOW)
        ).count(),
        "at_risk": Ticket.objects.filter(
            q_open(), q_first_response(SlaState.AT_RISK, now=NOW)
        ).count(),
        "waiting_on_customer": 0,
        "waiting_on_microsoft": 0,
        "open": 5,
        "all": None,  # no count: every ticket ever is not a number to watch
    }
    assert (counts["breached"], counts["at_risk"]) == (2, 1)


def test_queue_counts_take_one_aggregate_query(mixed, agent, django_assert_num_queries):
    user = type(agent).objects.get(pk=agent.pk)
    access_of(user)  # as after the request's first permission check
    # One aggregate for all seven queues.
    with django_assert_num_queries(1):
        selectors.queues_with_counts(user=user, now=NOW)


def test_breached_queue_is_sorted_by_deadline_earliest_first(mixed, agent):
    tickets = selectors.tickets_in_queue(
        user=agent, queue="breached", filters=QueueFilters(), now=NOW
    )
    assert _numbers(tickets) == [mixed["breached_early"].number, mixed["breached_late"].number]


def test_all_open_sorts_no_commitment_last(mixed, agent):
    tickets = selectors.tickets_in_queue(user=agent, queue="open", filters=QueueFilters(), now=NOW)
    assert _numbers(tickets)[-1] == mixed["no_commitment"].number
    assert _numbers(tickets)[0] == mixed["breached_early"].number


@pytest.mark.parametrize(
    "search",
    ["number", "subject", "tenant", "email"],
)
def test_search_by_number_subject_tenant_and_contact_email(mixed, agent, search):
    running = mixed["running"]
    term = {
        "number": running.number.lower(),
        "subject": "teams の会議",
        "tenant": str(running.customer.tenant_id),
        "email": running.requester.email.upper(),
    }[search]
    other_customer = CustomerFactory(reseller=running.reseller)
    make_ticket(other_customer)
    tickets = selectors.tickets_in_queue(
        user=agent, queue="open", filters=QueueFilters(search=term), now=NOW
    )
    numbers = _numbers(tickets)
    assert running.number in numbers
    if search in ("number", "subject", "email"):
        assert numbers == [running.number]
    else:
        assert len(numbers) == 5  # every ticket of that tenant, none of the other customer


def test_filters_combine(mixed, agent):
    filters = QueueFilters(severity="critical", assignee="none", channel="api")
    tickets = selectors.tickets_in_queue(user=agent, queue="open", filters=filters, now=NOW)
    assert set(_numbers(tickets)) == {
        mixed["breached_early"].number,
        mixed["breached_late"].number,
        mixed["at_risk"].number,
    }
    mine = selectors.tickets_in_queue(
        user=agent, queue="open", filters=QueueFilters(assignee=str(agent.pk)), now=NOW
    )
    assert _numbers(mine) == [mixed["running"].number]


def test_subcontractor_counts_only_its_organisation(mixed, subcontractor_agent, subcontractor_org):
    ticket_assign(ticket=mixed["at_risk"], assignee=None, organisation=subcontractor_org)
    counts = {
        q.slug: q.count for q in selectors.queues_with_counts(user=subcontractor_agent, now=NOW)
    }
    assert counts["open"] == 1
    assert counts["at_risk"] == 1
    assert counts["breached"] == 0


def test_row_states(mixed, agent):
    page = selectors.queue_page(
        queryset=selectors.tickets_in_queue(
            user=agent, queue="open", filters=QueueFilters(), now=NOW
        ),
        page_number=1,
        now=NOW,
    )
    states = {ticket.number: ticket.sla for ticket in page.object_list}
    assert states == {
        mixed["breached_early"].number: "breached",
        mixed["breached_late"].number: "breached",
        mixed["at_risk"].number: "at_risk",
        mixed["running"].number: "running",
        mixed["no_commitment"].number: "no_commitment",
    }


def test_dashboard_figures(mixed, supervisor, agent):
    # Given the at-risk ticket is answered on time and one running ticket is answered too
    message_add(ticket=mixed["at_risk"], kind="reply", body="確認中です", author_user=agent)
    dashboard = selectors.dashboard_for(user=supervisor, now=NOW)
    # Then the month judges the two breaches (late) and the on-time answer
    assert (dashboard.share_overall.total, dashboard.share_overall.on_time) == (3, 1)
    assert dashboard.share_overall.percent == 33.3
    assert [s.reseller for s in dashboard.share_by_reseller] == ["リセラーA株式会社"]
    assert {t.number for t in dashboard.breached_today} == {
        mixed["breached_early"].number,
        mixed["breached_late"].number,
    }
    assert dashboard.at_risk == []
    assert dashboard.matrix["new"] == {"critical": 2, "high": 1, "non_critical": 1}
    assert dashboard.matrix["in_progress"] == {"critical": 1}
    chart = selectors.share_chart(dashboard.share_by_reseller)
    assert [bar.width for bar in chart["bars"]] == [120]


def test_dashboard_neither_judges_nor_lists_a_ticket_closed_before_its_deadline(
    frozen, customer_a, supervisor
):
    # Given a 重大 ticket closed at the reseller's request 30 minutes after receipt, unanswered,
    # and one closed unanswered after its deadline had passed
    closed_early = make_ticket(customer_a, severity="critical", submitted_at=NOW - 2 * HOUR)
    closed_late = make_ticket(customer_a, severity="critical", submitted_at=NOW - 3 * HOUR)
    with time_machine.travel(NOW - 1.5 * HOUR, tick=False):
        ticket_close(ticket=closed_early)
    with time_machine.travel(NOW - HOUR, tick=False):
        ticket_close(ticket=closed_late)

    dashboard = selectors.dashboard_for(user=supervisor, now=NOW)

    # Then only the late one is a breach of today and judged (late) in the month's share
    assert [t.number for t in dashboard.breached_today] == [closed_late.number]
    assert (dashboard.share_overall.total, dashboard.share_overall.on_time) == (1, 0)


def test_a_refusal_is_judged_as_the_first_response_it_is(frozen, customer_a, supervisor, agent):
    # Given one 重大 ticket refused in time and one refused after its deadline
    in_time = make_ticket(customer_a, severity="critical", submitted_at=NOW - 2 * HOUR)
    late = make_ticket(customer_a, severity="critical", submitted_at=NOW - 3 * HOUR)
    for ticket, moment in ((in_time, NOW - 1.5 * HOUR), (late, NOW - HOUR)):
        with time_machine.travel(moment, tick=False):
            ticket_refuse(
                ticket=ticket, reason="out_of_scope", note="サポート範囲外です。", actor=agent
            )

    dashboard = selectors.dashboard_for(user=supervisor, now=NOW)

    # Then the late refusal is among today's breaches and late in the share, the other on time
    assert [t.number for t in dashboard.breached_today] == [late.number]
    assert (dashboard.share_overall.total, dashboard.share_overall.on_time) == (2, 1)


def test_agents_all_lists_desk_users_only(agent, supervisor, reseller_a_user):
    UserFactory(username="nobody")
    assert [u.username for u in selectors.agents_all()] == ["agent", "supervisor"]


def test_masks():
    assert permissions.mask_email("taro.yamada@example.jp") == "t•••@example.jp"
    assert permissions.mask_phone("03-1234-5678") == "•••-••••-78"
    assert permissions.mask_phone("") == ""
