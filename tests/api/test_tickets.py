"""Tickets through the reseller API: intake with the terms' rules, idempotency, filters that
agree with the SLA state, constant query counts, severity changes, the close request and
the public thread."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Subscription
from tests import files
from tests.factories import ContactFactory, TicketFactory
from tickets import services
from tickets.models import Message, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

JST = datetime.timezone(datetime.timedelta(hours=9))
# Saturday of Golden Week 2026: 24x365 high is due at 17:00 of the next business day (5/7).
GOLDEN_WEEK_SATURDAY = datetime.datetime(2026, 5, 2, 12, 0, tzinfo=JST)


def _payload(world, **overrides) -> dict:
    return {
        "customer": world.customer.pk,
        "subscription": world.subscription.pk,
        "requester": world.contact.pk,
        "severity": "high",
        "category": "standard_feature",
        "subject": "Outlook on the web でフォルダーが正しく表示されない",
        "description": "一部のユーザーで発生しています。",
        **overrides,
    }


@pytest.fixture
def frozen():
    with time_machine.travel(GOLDEN_WEEK_SATURDAY, tick=False) as traveller:
        yield traveller


# --- create -------------------------------------------------------------------------------------


def test_create_answers_201_with_the_deadline_and_its_explanation(client_a, world_a, frozen):
    # when reseller A files a 高 ticket on Saturday of Golden Week (24x365 contract)
    response = client_a.post("/api/v1/tickets/", _payload(world_a), format="json")

    # then it is received at once and due at 17:00 of the next business day, in JST
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new"
    assert body["channel"] == "api"
    assert body["plan"] == "24x365"
    assert body["submitted_at"] == "2026-05-02T12:00:00+09:00"
    assert body["received_at"] == "2026-05-02T12:00:00+09:00"
    assert body["first_response_due"] == "2026-05-07T17:00:00+09:00"
    assert body["sla_state"] == "running"
    assert body["customer"] == {"id": world_a.customer.pk, "name": world_a.customer.name}
    assert body["requester"] == {"id": world_a.contact.pk, "name": world_a.contact.name}
    assert body["sla_explanation"]
    assert all(set(step) == {"code", "ja", "en"} for step in body["sla_explanation"])
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.reseller_id == world_a.customer.reseller_id
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.CREATED).count() == 1


def test_a_requester_who_is_not_a_global_admin_is_refused_with_the_terms_code(
    client_a, world_a, frozen
):
    # given a contact of the customer without global admin rights (Art. 3.2)
    contact = ContactFactory(customer=world_a.customer, is_global_admin=False)
    before = Ticket.objects.count()

    # when reseller A files for them
    response = client_a.post(
        "/api/v1/tickets/", _payload(world_a, requester=contact.pk), format="json"
    )

    # then 400 with the code, Japanese and English, naming the field; nothing is created
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "requester_not_global_admin"
    assert body["fields"] == {"requester": ["requester_not_global_admin"]}
    assert "全体管理者" in body["message_ja"]
    assert "global administrator" in body["message_en"]
    assert body["message"] == body["message_ja"]
    assert Ticket.objects.count() == before


def test_an_ended_subscription_is_refused(client_a, world_a, frozen):
    Subscription.objects.filter(pk=world_a.subscription.pk).update(
        status="ended", ended_at=GOLDEN_WEEK_SATURDAY, end_reason="cancelled"
    )
    before = Ticket.objects.count()

    response = client_a.post("/api/v1/tickets/", _payload(world_a), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "subscription_not_active"
    assert Ticket.objects.count() == before


def test_english_messages_on_request(client_a, world_a, frozen):
    contact = ContactFactory(customer=world_a.customer, is_global_admin=False)

    response = client_a.post(
        "/api/v1/tickets/",
        _payload(world_a, requester=contact.pk),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.json()["message"] == response.json()["message_en"]


def test_missing_fields_answer_400_naming_each(client_a, world_a):
    response = client_a.post("/api/v1/tickets/", {"subject": "件名のみ"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {
        "customer",
        "subscription",
        "requester",
        "severity",
        "category",
        "description",
    }
    assert body["fields"]["customer"] == ["required"]


def test_idempotency_key_returns_the_first_ticket(client_a, world_a, frozen):
    # given a first POST with an Idempotency-Key
    first = client_a.post(
        "/api/v1/tickets/", _payload(world_a), format="json", HTTP_IDEMPOTENCY_KEY="req-42"
    )
    count = Ticket.objects.count()

    # when the client retries it
    again = client_a.post(
        "/api/v1/tickets/", _payload(world_a), format="json", HTTP_IDEMPOTENCY_KEY="req-42"
    )

    # then it gets the first ticket back, and no duplicate exists
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == count


def test_an_invalid_idempotency_key_is_refused(client_a, world_a, frozen):
    before = Ticket.objects.count()

    response = client_a.post(
        "/api/v1/tickets/", _payload(world_a), format="json", HTTP_IDEMPOTENCY_KEY="x" * 101
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"Idempotency-Key": ["invalid"]}
    assert Ticket.objects.count() == before


def test_a_resellers_own_tenant_may_file(client_a, reseller_a, frozen):
    from tests.factories import CustomerFactory, SubscriptionFactory, SupportContractFactory

    SupportContractFactory(reseller=reseller_a, plan="24x365")
    own = CustomerFactory(reseller=reseller_a, is_reseller_tenant=True, name="リセラーA自社")
    admin = ContactFactory(customer=None, reseller=reseller_a, is_global_admin=True)
    subscription = SubscriptionFactory(customer=own)
    payload = {
        "customer": own.pk,
        "subscription": subscription.pk,
        "requester": admin.pk,
        "severity": "non_critical",
        "category": "technical_information",
        "subject": "自社テナントの問い合わせ",
        "description": "詳細",
    }

    response = client_a.post("/api/v1/tickets/", payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["sla_state"] == "no_commitment"
    assert response.json()["first_response_due"] is None


# --- list: filters, ordering, pagination, query counts ------------------------------------------


def _ticket(world, *, severity: str, submitted_at: datetime.datetime, **fields) -> Ticket:
    ticket = TicketFactory(
        customer=world.customer,
        subscription=world.subscription,
        requester=world.contact,
        severity=severity,
        submitted_at=submitted_at,
    )
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
    return ticket


@pytest.fixture
def sla_zoo(world_a):
    """One ticket in every SLA state at NOW (24x365 重大: due 1 h after receipt, warning at
    45 min), and the world's own 高 ticket."""
    now = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=JST)
    hour = datetime.timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        zoo = {
            "running": _ticket(world_a, severity="critical", submitted_at=now - hour / 2),
            "at_risk": _ticket(world_a, severity="critical", submitted_at=now - hour * 50 / 60),
            "breached_unanswered": _ticket(
                world_a, severity="critical", submitted_at=now - 2 * hour
            ),
            "met": _ticket(
                world_a,
                severity="critical",
                submitted_at=now - 2 * hour,
                first_responded_at=now - 1.5 * hour,
            ),
            "breached_late_answer": _ticket(
                world_a,
                severity="critical",
                submitted_at=now - 3 * hour,
                first_responded_at=now - hour,
            ),
            "breached_marked": _ticket(
                world_a, severity="critical", submitted_at=now - hour / 6, breached_at=now
            ),
            "no_commitment": _ticket(world_a, severity="non_critical", submitted_at=now - hour),
            # Closed without a response: before the deadline (since passed), before the
            # deadline (still ahead, past the warning point), and after it.
            "stopped_before_due": _ticket(
                world_a,
                severity="critical",
                submitted_at=now - 2 * hour,
                status="closed",
                closed_at=now - 1.5 * hour,
            ),
            "stopped_due_ahead": _ticket(
                world_a,
                severity="critical",
                submitted_at=now - hour * 50 / 60,
                status="resolved",
                resolved_at=now - hour / 60,
            ),
            "breached_closed_late": _ticket(
                world_a,
                severity="critical",
                submitted_at=now - 3 * hour,
                status="closed",
                resolved_at=now - 1.5 * hour,
                closed_at=now - hour,
            ),
        }
    return now, zoo


def _numbers(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/tickets/?page_size=200&{query}")
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_breached_and_at_risk_filters_agree_with_the_sla_state(client_a, sla_zoo):
    now, zoo = sla_zoo
    with time_machine.travel(now, tick=False):
        # given the state each ticket shows
        rows = client_a.get("/api/v1/tickets/?page_size=200").json()["results"]
        state = {row["number"]: row["sla_state"] for row in rows}
        expected = {name: name.split("_")[0] for name in zoo}
        expected["at_risk"] = "at_risk"
        expected["no_commitment"] = "no_commitment"
        assert {name: state[t.number] for name, t in zoo.items()} == expected

        # when filtering in the database
        breached = _numbers(client_a, "breached=true")
        not_breached = _numbers(client_a, "breached=false")
        at_risk = _numbers(client_a, "at_risk=true")
        not_at_risk = _numbers(client_a, "at_risk=false")

    # then each filter is exactly its state, and false is exactly the rest
    assert breached == {number for number, s in state.items() if s == "breached"}
    assert at_risk == {number for number, s in state.items() if s == "at_risk"}
    assert not_breached == set(state) - breached
    assert not_at_risk == set(state) - at_risk


def test_filters_and_ordering(client_a, sla_zoo, world_a):
    now, zoo = sla_zoo
    services.ticket_close(ticket=zoo["met"])
    with time_machine.travel(now, tick=False):
        assert _numbers(client_a, "status=closed") == {
            zoo[name].number for name in ("met", "stopped_before_due", "breached_closed_late")
        }
        assert _numbers(client_a, "severity=non_critical") == {zoo["no_commitment"].number}
        assert zoo["running"].number in _numbers(client_a, f"customer={world_a.customer.pk}")
        assert _numbers(client_a, "channel=phone") == set()
        assert _numbers(client_a, f"search={zoo['at_risk'].number}") == {zoo["at_risk"].number}
        after = (now - datetime.timedelta(minutes=40)).isoformat().replace("+", "%2B")
        assert _numbers(client_a, f"received_after={after}") == {
            zoo["running"].number,
            zoo["breached_marked"].number,
            world_a.ticket.number,  # opened at the real clock, months after NOW
        }
        before = after.replace("received_after", "")
        assert world_a.ticket.number not in _numbers(client_a, f"received_before={before}")
        rows = client_a.get("/api/v1/tickets/?page_size=200&ordering=severity").json()["results"]
        severities = [row["severity"] for row in rows]
        assert severities == sorted(severities, key=["critical", "high", "non_critical"].index)
        due = client_a.get("/api/v1/tickets/?page_size=200&ordering=first_response_due").json()
        dues = [row["first_response_due"] for row in due["results"]]
        present = [value for value in dues if value is not None]
        assert present == sorted(present)
        assert dues[len(present) :] == [None] * (len(dues) - len(present))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("received_after=yesterday", "received_after"),
        ("received_after=9999-12-31T23:00:00-05:00", "received_after"),
        ("ordering=subject", "ordering"),
        ("customer=abc", "customer"),
    ],
)
def test_a_bad_filter_answers_400_naming_it(client_a, world_a, query, field):
    response = client_a.get(f"/api/v1/tickets/?{query}")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_offsets_past_postgresqls_range_are_normalised(client_a, world_a):
    # Python accepts a -22:06 offset; PostgreSQL does not: the filter hands over UTC.
    response = client_a.get("/api/v1/tickets/?received_after=2020-09-15T22:43:30-22:06")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_page_size_up_to_200(client_a, world_a):
    response = client_a.get("/api/v1/tickets/?page_size=1")
    assert len(response.json()["results"]) == 1
    assert response.json()["count"] == 1

    from helpdesk.api import ApiPagination

    assert ApiPagination.max_page_size == 200
    assert client_a.get("/api/v1/tickets/?page_size=100000").status_code == 200


def test_list_queries_do_not_depend_on_page_size(client_a, world_a, django_assert_max_num_queries):
    # given 12 tickets of reseller A
    for _ in range(11):
        TicketFactory(
            customer=world_a.customer, subscription=world_a.subscription, requester=world_a.contact
        )

    # when listing a page of 2 and a page of 12
    with CaptureQueriesContext(connection) as small:
        assert len(client_a.get("/api/v1/tickets/?page_size=2").json()["results"]) == 2
    with (
        django_assert_max_num_queries(len(small.captured_queries)),
        CaptureQueriesContext(connection) as large,
    ):
        assert len(client_a.get("/api/v1/tickets/?page_size=12").json()["results"]) == 12

    # then both cost the same number of queries, and few
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 6


@pytest.mark.parametrize(
    "url",
    ["/api/v1/customers/", "/api/v1/contacts/", "/api/v1/subscriptions/"],
)
def test_contract_lists_queries_do_not_depend_on_page_size(client_a, reseller_a, url):
    from tests.factories import CustomerFactory, SubscriptionFactory

    for _ in range(6):
        customer = CustomerFactory(reseller=reseller_a)
        ContactFactory(customer=customer)
        SubscriptionFactory(customer=customer)

    with CaptureQueriesContext(connection) as small:
        client_a.get(f"{url}?page_size=1")
    with CaptureQueriesContext(connection) as large:
        client_a.get(f"{url}?page_size=6")

    assert len(large.captured_queries) == len(small.captured_queries)


def test_message_list_queries_do_not_depend_on_page_size(client_a, world_a):
    for index in range(5):
        services.message_add(
            ticket=world_a.ticket,
            kind=Message.Kind.CUSTOMER,
            body=f"追記 {index}",
            author_contact=world_a.contact,
            attachments=[
                services.AttachmentUpload(
                    filename=f"log{index}.txt",
                    content_type="text/plain",
                    content=SimpleUploadedFile(f"log{index}.txt", b"log"),
                )
            ],
        )
    url = f"/api/v1/tickets/{world_a.ticket.number}/messages/"

    with CaptureQueriesContext(connection) as small:
        client_a.get(f"{url}?page_size=1")
    with CaptureQueriesContext(connection) as large:
        client_a.get(f"{url}?page_size=5")

    assert len(large.captured_queries) == len(small.captured_queries)


# --- partial update -----------------------------------------------------------------------------


def test_severity_change_with_a_reason_recomputes_the_deadline(client_a, world_a):
    # given an unanswered 高 ticket on a 24x365 contract
    change_at = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=JST)
    ticket = _ticket(world_a, severity="high", submitted_at=change_at - datetime.timedelta(hours=2))

    # when the reseller raises it to 重大 with a reason
    with time_machine.travel(change_at, tick=False):
        response = client_a.patch(
            f"/api/v1/tickets/{ticket.number}/",
            {"severity": "critical", "severity_reason": "全ユーザーでメールが送れなくなった"},
            format="json",
        )

    # then the deadline runs from the change: 1 hour (DOMAIN.md §9)
    assert response.status_code == 200, response.content
    assert response.json()["severity"] == "critical"
    assert response.json()["first_response_due"] == "2026-06-10T13:00:00+09:00"
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.SEVERITY_CHANGED)
    assert event.data["reason"] == "全ユーザーでメールが送れなくなった"


def test_severity_change_without_a_reason_is_refused_and_changes_nothing(client_a, world_a):
    ticket = world_a.ticket

    response = client_a.patch(
        f"/api/v1/tickets/{ticket.number}/", {"severity": "critical"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"severity_reason": ["required"]}
    ticket.refresh_from_db()
    assert ticket.severity == "high"


def test_subject_change_is_recorded(client_a, world_a):
    ticket = world_a.ticket

    response = client_a.patch(
        f"/api/v1/tickets/{ticket.number}/", {"subject": "  新しい件名  "}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["subject"] == "新しい件名"
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.UPDATED)
    assert event.data["to"] == "新しい件名"
    assert ticket.history.first().history_user is not None


def test_close_request_goes_through_the_workflow(client_a, world_a):
    # given a resolved ticket
    ticket = services.ticket_resolve(ticket=world_a.ticket)

    # when the reseller asks to close it
    response = client_a.patch(
        f"/api/v1/tickets/{ticket.number}/", {"status": "closed"}, format="json"
    )

    # then it is closed, with the status event
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"] is not None
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.STATUS_CHANGED, data__to="closed"
    ).exists()

    # and closing it again is a conflict that changes nothing
    events = TicketEvent.objects.count()
    again = client_a.patch(f"/api/v1/tickets/{ticket.number}/", {"status": "closed"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize("body", [{"status": "resolved"}, {}, {"severity": "urgent"}])
def test_other_updates_are_refused(client_a, world_a, body):
    response = client_a.patch(f"/api/v1/tickets/{world_a.ticket.number}/", body, format="json")

    assert response.status_code == 400
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.NEW


# --- messages -----------------------------------------------------------------------------------


def test_thread_never_shows_internal_notes(client_a, world_a, agent):
    ticket = world_a.ticket
    services.message_add(
        ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="社内メモ", author_user=agent
    )
    services.message_add(ticket=ticket, kind=Message.Kind.REPLY, body="回答です", author_user=agent)

    rows = client_a.get(f"/api/v1/tickets/{ticket.number}/messages/").json()["results"]

    assert [(row["kind"], row["body"]) for row in rows] == [("reply", "回答です")]


def test_customer_answer_moves_waiting_ticket_back_to_in_progress(client_a, world_a, agent):
    # given the desk asked for logs (Art. 3.4)
    ticket = world_a.ticket
    services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ログをお送りください",
        author_user=agent,
        requests_information=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER

    # when the reseller answers with an attachment (multipart)
    response = client_a.post(
        f"/api/v1/tickets/{ticket.number}/messages/",
        {
            "body": "ログを添付します",
            "attachments": [SimpleUploadedFile("trace.txt", b"trace", content_type="text/plain")],
        },
        format="multipart",
    )

    # then the message is the requester's, with its attachment, and the ticket is back in progress
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "customer"
    assert body["author_name"] == world_a.contact.name
    assert [(a["filename"], a["size"]) for a in body["attachments"]] == [("trace.txt", 5)]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_a_refused_attachment_saves_nothing(client_a, world_a):
    ticket = world_a.ticket
    before = Message.objects.count()

    response = client_a.post(
        f"/api/v1/tickets/{ticket.number}/messages/",
        {
            "body": "実行ファイル",
            "attachments": [
                SimpleUploadedFile("x.exe", files.EXE, content_type="application/x-msdownload")
            ],
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "attachment_rejected"
    assert Message.objects.count() == before


def test_a_closed_ticket_takes_no_message(client_a, world_a):
    ticket = services.ticket_close(ticket=world_a.ticket)
    before = Message.objects.count()

    response = client_a.post(
        f"/api/v1/tickets/{ticket.number}/messages/", {"body": "まだ直りません"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_closed"
    assert Message.objects.count() == before


def test_an_agents_message_is_a_public_reply_and_the_first_response(agent_client, world_a):
    ticket = world_a.ticket

    response = agent_client.post(
        f"/api/v1/tickets/{ticket.number}/messages/", {"body": "確認いたします"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "reply"
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    assert ticket.status == Status.IN_PROGRESS


def test_the_fast_representation_is_drfs_own(sla_zoo):
    # given tickets in every SLA state, one with a first response and one closed
    from tickets.api.selectors import tickets_for_api
    from tickets.api.serializers import TicketSerializer

    now, zoo = sla_zoo
    services.ticket_close(ticket=zoo["met"])
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root", "root@example.jp", "x")

    # when each is rendered both ways
    for ticket in tickets_for_api(user=superuser):
        serializer = TicketSerializer(context={"now": now})
        fast = serializer.to_representation(ticket)
        generic = super(TicketSerializer, serializer).to_representation(ticket)

        # then the JSON is the same
        assert fast == generic
