"""Find any case: the search box over the queues, on PostgreSQL (bigram documents) and on
SQLite (substrings), scoped to what the user may see."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ContactFactory
from tests.workspace.conftest import NOW, make_ticket
from tickets.models import Message, Status, Ticket
from tickets.services import (
    message_add,
    ticket_close,
    ticket_update_subject,
    ticket_wait_on_microsoft,
)
from workspace import selectors
from workspace.selectors import QueueFilters

pytestmark = pytest.mark.django_db


def _found(user, search: str, queue: str = "open", **filters) -> list[str]:
    queryset = selectors.tickets_in_queue(
        user=user, queue=queue, filters=QueueFilters(search=search, **filters), now=NOW
    )
    return sorted(queryset.values_list("number", flat=True))


@pytest.fixture
def outage(customer_a, agent) -> Ticket:
    ticket = make_ticket(
        customer_a,
        subject="Exchange Online で障害が発生",
        description="大多数のユーザーでメール送受信ができません。",
    )
    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="ログを添付します。エラーコード 0x80070005 が表示されます。",
        author_contact=ticket.requester,
    )
    message_add(
        ticket=ticket,
        kind=Message.Kind.INTERNAL_NOTE,
        body="社内確認: テナント移行の影響かもしれない",
        author_user=agent,
        actor=agent,
    )
    return ticket


@pytest.fixture
def other(customer_a) -> Ticket:
    return make_ticket(
        customer_a, subject="Teams の会議に参加できない", description="特定の会議のみ"
    )


@pytest.mark.parametrize(
    "search",
    [
        "障害",
        "障害が発生",
        "exchange",
        "EXCH",
        "送受信",
        "0x80070005",
        "エラーコード",
        "テナント移行",
    ],
)
def test_words_in_subject_description_and_every_message_are_found(outage, other, agent, search):
    assert _found(agent, search) == [outage.number]


@pytest.mark.postgres
def test_a_frequent_word_beside_a_rare_one_is_answered_from_the_index(
    outage, other, agent, monkeypatch, django_assert_max_num_queries
):
    """障害 is in more documents than FREQUENT_AT, 障害 exchnage (a typo) in none: the exact
    probe says so, and the queue is not walked ticket by ticket (EXISTS over each document)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search import selectors as search_selectors

    if not search_selectors.fulltext_enabled():
        pytest.skip("the bigram documents are read on PostgreSQL only")
    monkeypatch.setattr(search_selectors, "FREQUENT_AT", 0)
    with CaptureQueriesContext(connection) as queries:
        assert _found(agent, "障害 exchnage") == []
    assert not [q for q in queries.captured_queries if "ts_match_vq" in q["sql"]]
    # An exact match found more often than FREQUENT_AT still walks the queue.
    with CaptureQueriesContext(connection) as queries:
        assert _found(agent, "障害 exch") == [outage.number]
    assert [q for q in queries.captured_queries if "ts_match_vq" in q["sql"]]


@pytest.mark.parametrize("frequent_at", [2_000, 0], ids=["rare", "frequent"])
def test_both_plans_keep_internal_notes_the_scope_and_whole_numbers(
    outage, other, monkeypatch, frequent_at
):
    """What a reseller's user may search (no internal notes), in a narrowed queryset, and a
    number matched whole, alike in both plans."""
    from search import selectors as search_selectors

    monkeypatch.setattr(search_selectors, "FREQUENT_AT", frequent_at)
    message_add(
        ticket=other,
        kind=Message.Kind.CUSTOMER,
        body="エラーは 30 件です。",
        author_contact=other.requester,
    )

    def found(search: str, *, internal: bool, queryset=None) -> list[str]:
        matching = search_selectors.tickets_matching(
            queryset=Ticket.objects.all() if queryset is None else queryset,
            search=search,
            include_internal=internal,
            contact_data=False,
        )
        return sorted(matching.values_list("number", flat=True))

    assert found("テナント移行", internal=True) == [outage.number]
    assert found("テナント移行", internal=False) == []
    assert found("障害", internal=True, queryset=Ticket.objects.exclude(pk=outage.pk)) == []
    assert found("30", internal=False) == [other.number]
    if search_selectors.fulltext_enabled():
        # A number is a whole term (30 is not 3); SQLite's fallback matches substrings.
        assert found("3", internal=False) == []


@pytest.mark.postgres
@pytest.mark.parametrize("frequent_at", [2_000, 0], ids=["rare", "frequent"])
def test_both_plans_find_exactly_the_phrase(outage, other, agent, monkeypatch, frequent_at):
    """A word found in more than FREQUENT_AT documents is searched by walking the queue and
    testing each ticket's document; below, the index's matches are taken and sorted. Both
    find the same tickets, phrases matched exactly: a ticket holding every bigram of
    会議に参加 but not side by side is not found."""
    from search import selectors as search_selectors

    if not search_selectors.fulltext_enabled():
        pytest.skip("the bigram documents are read on PostgreSQL only")
    monkeypatch.setattr(search_selectors, "FREQUENT_AT", frequent_at)
    scattered = make_ticket(
        outage.customer, subject="参加者の会議室", description="会議に出る。ここに参上。"
    )
    assert _found(agent, "会議に参加") == [other.number]
    assert _found(agent, "会議に参加", queue="all") == [other.number]
    assert sorted(_found(agent, "会議")) == sorted([other.number, scattered.number])
    assert _found(agent, "テナント移行") == [outage.number]  # an internal note: desk users
    assert _found(agent, "exch") == [outage.number]
    assert _found(agent, "障害 exch") == [outage.number]
    assert _found(agent, "障害 teams") == []


def test_two_words_must_both_match(outage, other, agent):
    assert _found(agent, "会議 特定") == [other.number]
    assert _found(agent, "会議 障害") == []


def test_a_number_fragment_finds_the_ticket(outage, other, agent):
    sequence = outage.number.rsplit("-", 1)[1]  # e.g. 000001
    assert _found(agent, sequence) == [outage.number]
    assert _found(agent, str(int(sequence))) == [outage.number]
    assert _found(agent, outage.number) == [outage.number]


def test_microsoft_case_number_tenant_email_and_phone(outage, other, agent):
    ticket_wait_on_microsoft(ticket=outage, case_number="2411250040001234", actor=agent)
    assert _found(agent, "2411250040001234") == [outage.number]
    assert _found(agent, str(other.customer.tenant_id)) == sorted([outage.number, other.number])
    requester = ContactFactory(customer=other.customer, phone="03-9876-5432")
    mine = make_ticket(other.customer, requester=requester)
    assert _found(agent, requester.email.upper()) == [mine.number]
    assert _found(agent, "0398765432") == [mine.number]
    assert _found(agent, "03-9876-5432") == [mine.number]
    # Never a fragment of a masked value: the masked number shows its last two digits only.
    assert _found(agent, "5432") == []
    assert _found(agent, requester.email.split("@")[0]) == []


@pytest.mark.parametrize(
    "typed", ["+81 3 1111 2222", "０３－１１１１－２２２２", "０３１１１１２２２２"]
)
def test_the_requester_s_number_is_found_as_people_type_it(outage, other, agent, typed):
    type(outage.requester).objects.filter(pk=outage.requester_id).update(phone="03-1111-2222")
    assert _found(agent, typed) == [outage.number]


def test_closed_and_refused_tickets_are_found_from_any_queue(outage, agent):
    ticket_close(ticket=outage, actor=agent)
    assert _found(agent, "障害") == [outage.number]
    assert _found(agent, "", queue="all") == [outage.number]
    assert _found(agent, "", queue="open") == []
    assert _found(agent, "", queue="unassigned", status=Status.CLOSED) == [outage.number]


def test_edits_keep_the_document_current(outage, agent):
    ticket_update_subject(ticket=outage, subject="SharePoint サイトに接続できない", actor=agent)
    assert _found(agent, "sharepoint") == [outage.number]
    assert _found(agent, "障害が発生") == []
    assert _found(agent, "0x80070005") == [outage.number]  # the messages are kept


def test_a_subcontractor_finds_only_its_organisation_s_tickets(
    outage, other, subcontractor_agent, subcontractor_org
):
    Ticket.objects.filter(pk=other.pk).update(assigned_organisation=subcontractor_org)
    assert _found(subcontractor_agent, "障害") == []
    assert _found(subcontractor_agent, "会議") == [other.number]


def test_an_identifier_outside_the_scope_reads_as_if_it_did_not_exist(
    outage, other, subcontractor_agent, subcontractor_org
):
    # Given a subcontractor who may see `other` only, whose text names outage's sequence
    sequence = str(int(outage.number[-6:]))
    Ticket.objects.filter(pk=other.pk).update(assigned_organisation=subcontractor_org)
    ticket_update_subject(
        ticket=Ticket.objects.get(pk=other.pk), subject=f"手順 {sequence} で失敗", actor=None
    )
    # When it searches that number, or the outage's requester's address
    # Then the search reads words, as for a number never issued: nothing says that a ticket
    # (or a requester) exists outside what it may see
    assert _found(subcontractor_agent, sequence) == [other.number]
    assert _found(subcontractor_agent, outage.requester.email) == []


def test_the_queue_shows_the_hit_in_context(outage, agent):
    client = Client()
    client.force_login(agent)
    html = client.get("/", {"queue": "open", "search": "0x80070005"}).content.decode()
    assert "お客様からのメッセージ" in html
    assert "<mark>0x80070005</mark>" in html


def test_search_page_queries_do_not_grow_with_rows(
    customer_a, agent, django_assert_max_num_queries
):
    for index in range(30):
        ticket = make_ticket(customer_a, subject=f"件名 {index}")
        message_add(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            body="障害の詳細",
            author_contact=ticket.requester,
        )
    client = Client()
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        response = client.get("/", {"queue": "all", "search": "障害"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30


def test_the_ticket_page_shows_the_customer_s_and_the_requester_s_other_tickets(
    outage, other, agent, customer_a, django_assert_max_num_queries
):
    from django.urls import reverse

    ticket_close(ticket=other, actor=agent)
    elsewhere = make_ticket(customer_a, requester=outage.requester, subject="別件の問い合わせ")
    client = Client()
    client.force_login(agent)
    url = reverse("workspace:ticket", args=[outage.number])
    with django_assert_max_num_queries(45):
        response = client.get(url)
    related = response.context["related"]
    assert [t.number for t in related.customer_open] == [elsewhere.number]
    assert [t.number for t in related.customer_recent_closed] == [other.number]
    assert [t.number for t in related.requester] == [elsewhere.number]
    html = response.content.decode()
    assert 'id="related-customer-closed"' in html and other.number in html
