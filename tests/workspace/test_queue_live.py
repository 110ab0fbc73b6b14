"""What changed, seen from the queue: the customer's last activity, an unread marker per agent,
the last-update order, and the rows refreshed without reloading (workspace.live_views)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from tests.factories import ContactFactory, UserFactory
from tests.workspace.conftest import NOW, make_ticket
from tickets.models import Message, Status
from tickets.services import message_add, ticket_transition
from workspace.models import TicketView

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """Frozen at NOW; a test moves it with `clock.shift`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _rows(client, query: str = "queue=open") -> dict[str, str]:
    """number → the row's HTML, from the live endpoint."""
    data = client.get(f"/live/?{query}").json()
    rows = {}
    for chunk in data["rows"].split("<tr ")[1:]:
        number = chunk.split('data-number="')[1].split('"')[0]
        rows[number] = chunk
    return rows


def test_the_customers_last_activity_is_the_submission_then_their_messages(ticket, agent, clock):
    assert ticket.last_customer_activity_at == ticket.submitted_at
    clock.shift(datetime.timedelta(hours=1))
    message_add(ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="メモ", author_user=agent)
    ticket.refresh_from_db()
    assert ticket.last_customer_activity_at == ticket.submitted_at
    assert ticket.updated_at == NOW + datetime.timedelta(hours=1)  # a note is an update too
    clock.shift(datetime.timedelta(hours=1))
    message_add(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="追記", author_contact=ticket.requester
    )
    ticket.refresh_from_db()
    assert ticket.last_customer_activity_at == NOW + datetime.timedelta(hours=2)
    # No history row for the touch: the history names what an agent changed.
    assert not any(
        "last_customer_activity_at" in change.field
        for record in ticket.history.all()[:1]
        if record.prev_record
        for change in record.diff_against(record.prev_record).changes
    )


def test_a_ticket_is_unread_until_the_agent_opens_it_and_again_after_a_change(
    agent_client, agent, ticket, clock
):
    assert 'class="unread-marker"' in _rows(agent_client)[ticket.number]
    clock.shift(datetime.timedelta(minutes=1))
    assert agent_client.get(f"/tickets/{ticket.number}/").status_code == 200
    seen_at = NOW + datetime.timedelta(minutes=1)
    assert TicketView.objects.get(user=agent, ticket=ticket).seen_at == seen_at
    assert "unread-marker" not in _rows(agent_client)[ticket.number]

    # Another agent's view changes nothing for this one; the customer's message does.
    other = Client()
    other.force_login(UserFactory(roles=["agent"]))
    other.get(f"/tickets/{ticket.number}/")
    assert "unread-marker" not in _rows(agent_client)[ticket.number]
    clock.shift(datetime.timedelta(minutes=5))
    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="まだ直りません",
        author_contact=ticket.requester,
    )
    assert "unread-marker" in _rows(agent_client)[ticket.number]


def test_sort_by_last_update(agent_client, customer_a, clock):
    first = make_ticket(customer_a, subject="先に受付")
    clock.shift(datetime.timedelta(minutes=1))
    second = make_ticket(customer_a, subject="後に受付、後で更新")
    clock.shift(datetime.timedelta(hours=1))
    message_add(
        ticket=second, kind=Message.Kind.CUSTOMER, body="更新", author_contact=second.requester
    )
    clock.shift(datetime.timedelta(minutes=1))
    message_add(ticket=first, kind=Message.Kind.INTERNAL_NOTE, body="メモ")
    by_deadline = agent_client.get("/?queue=open").context["page"].object_list
    assert [t.number for t in by_deadline] == [first.number, second.number]
    by_update = agent_client.get("/?queue=open&sort=updated").context["page"].object_list
    assert [t.number for t in by_update] == [first.number, second.number]
    clock.shift(datetime.timedelta(minutes=1))
    message_add(
        ticket=second, kind=Message.Kind.CUSTOMER, body="再度", author_contact=second.requester
    )
    by_update = agent_client.get("/?queue=open&sort=updated").context["page"].object_list
    assert [t.number for t in by_update] == [second.number, first.number]
    by_deadline = agent_client.get("/?queue=open").context["page"].object_list
    assert [t.number for t in by_deadline] == [first.number, second.number]


def test_live_rows_show_new_tickets_changed_states_and_counts(agent_client, agent, customer_a):
    first = make_ticket(customer_a)
    assert set(_rows(agent_client)) == {first.number}
    second = make_ticket(customer_a, requester=ContactFactory(customer=customer_a))
    ticket_transition(ticket=first, to=Status.WAITING_ON_MICROSOFT, actor=agent)
    data = agent_client.get("/live/?queue=open").json()
    rows = _rows(agent_client)
    assert set(rows) == {first.number, second.number}
    assert 'data-status="waiting_on_microsoft"' in rows[first.number]
    assert data["counts"]["open"] == 2 and data["counts"]["waiting_on_microsoft"] == 1
    assert data["counts"]["all"] is None
    assert "2" in data["count"]


def test_live_rows_are_scoped_like_the_queue(customer_a, subcontractor_agent_client):
    make_ticket(customer_a)
    assert _rows(subcontractor_agent_client) == {}


@pytest.fixture
def subcontractor_agent_client(db):
    from accounts.models import Organisation, Profile
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory(kind=Organisation.Kind.SUBCONTRACTOR)
    user = UserFactory(roles=["subcontractor_agent"])
    Profile.objects.create(user=user, organisation=organisation)
    client = Client()
    client.force_login(user)
    return client


def test_live_rows_queries_do_not_grow_with_rows(
    agent, customer_a, settings, django_assert_max_num_queries
):
    settings.WORKSPACE_PAGE_SIZE = 30
    client = Client()
    client.force_login(agent)
    for _ in range(25):
        ticket = make_ticket(customer_a, requester=ContactFactory(customer=customer_a))
        client.get(f"/tickets/{ticket.number}/")
    with django_assert_max_num_queries(12):
        data = client.get("/live/?queue=open&sort=updated").json()
    assert data["rows"].count("<tr ") == 25
    with django_assert_max_num_queries(12):
        assert client.get("/?queue=open").status_code == 200


@pytest.mark.parametrize(
    ("language", "note", "explanation"),
    [
        ("ja", "時間外の申込: 次の受付開始時刻に受付", "は受付時間外のため、約款（第3条3.3）"),
        ("en", "Submitted out of hours: received at the next opening", "outside reception hours"),
    ],
)
def test_a_row_received_later_than_submitted_says_why(
    agent, customer_a, clock, language, note, explanation
):
    # Given a ticket submitted at night, received at the next opening (DOMAIN.md §4)
    later = make_ticket(customer_a, subject="夜間の申込")
    submitted = NOW - datetime.timedelta(hours=2)
    received = NOW + datetime.timedelta(hours=3)
    type(later).objects.filter(pk=later.pk).update(
        submitted_at=submitted, first_response_started_at=submitted, received_at=received
    )
    # and one received as submitted
    at_once = make_ticket(customer_a, subject="受付時間内の申込")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(agent)
    client.cookies["django_language"] = language
    # Then the queue's row explains the received time, naming the submission
    rows = _rows(client)
    assert note in rows[later.number]
    assert explanation in rows[later.number]
    submitted_text = submitted.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert submitted_text.strftime("%Y-%m-%d %H:%M JST") in rows[later.number]
    assert 'class="received-later' not in rows[at_once.number]
    # And the page itself (first render) says the same
    page = client.get("/?queue=open").content.decode()
    assert page.count('class="received-later') == 1


def test_a_clock_restarted_in_business_hours_says_nothing_of_out_of_hours(agent, customer_a, clock):
    # Given a ticket submitted in business hours whose severity changed before the first
    # response: its clock and receipt restarted at the change (DOMAIN.md §9)
    from tickets.services import ticket_change_severity

    ticket = make_ticket(customer_a, subject="重大度を変更", severity="high")
    ticket_change_severity(
        ticket=ticket,
        severity="critical",
        reason="業務停止",
        actor=agent,
        now=NOW + datetime.timedelta(minutes=30),
    )
    ticket.refresh_from_db()
    assert ticket.received_at > ticket.submitted_at
    client = Client()
    client.force_login(agent)
    # Then its row says nothing of a submission out of reception hours
    assert 'class="received-later' not in _rows(client)[ticket.number]
