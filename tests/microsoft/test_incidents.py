"""Microsoft 365 incidents: polled from readable tenants, suggested on the ticket page and the
intake, linked, answered together through the reply path, resolved together."""

from __future__ import annotations

import uuid

import pytest

from contracts.models import DelegatedAccess
from microsoft.clients import graph_client, transport_open
from microsoft.incidents import service_health_sync
from microsoft.models import Incident, IncidentTenant, IncidentTicket, SyncRun
from tests.factories import CustomerFactory, TicketFactory, UserFactory
from tests.microsoft.fake import issue_item
from tickets.models import Message, Status

pytestmark = pytest.mark.django_db

T1, T2, T3, T4 = (str(uuid.UUID(int=n)) for n in (11, 12, 13, 14))


@pytest.fixture
def tenants(fake_microsoft):
    customers = {
        T1: CustomerFactory(tenant_id=T1, name="顧客一", delegated_access=DelegatedAccess.ACTIVE),
        T2: CustomerFactory(tenant_id=T2, name="顧客二", delegated_access=DelegatedAccess.ACTIVE),
        T3: CustomerFactory(tenant_id=T3, name="顧客三", delegated_access=DelegatedAccess.LAPSED),
        T4: CustomerFactory(tenant_id=T4, name="顧客四", delegated_access=DelegatedAccess.ACTIVE),
    }
    state = fake_microsoft.state
    state.readable_tenants = {T1, T2, T3}  # T4's consent is missing at Microsoft
    state.issues = {
        T1: [
            issue_item("EX1001", "メールを受信できない"),
            issue_item("MO2002", "Outlook on the web が遅い", resolved=True),
            issue_item("TM3003", "Teams の会議に参加できない", service="Microsoft Teams"),
        ],
        T2: [issue_item("EX1001", "メールを受信できない")],
        T3: [issue_item("SP4004", "SharePoint にアクセスできない", service="SharePoint Online")],
    }
    return customers


def _sync():
    with transport_open() as transport:
        return service_health_sync(client=graph_client(transport))


def test_incidents_of_readable_tenants_are_recorded_with_their_tenants(tenants):
    report = _sync()

    assert set(Incident.objects.values_list("issue_id", flat=True)) == {
        "EX1001",
        "MO2002",
        "TM3003",
    }
    exchange = Incident.objects.get(issue_id="EX1001")
    assert {t.customer.name for t in exchange.tenants.all()} == {"顧客一", "顧客二"}
    assert exchange.posts[0]["text"] == "ユーザーがメールを受信できない問題を調査しています。"
    assert Incident.objects.get(issue_id="MO2002").is_resolved
    # 顧客三's access has lapsed: its tenant is not read. 顧客四's token is refused: recorded.
    assert report.counts["errors"] == 1
    assert SyncRun.objects.get().status == SyncRun.Status.PARTIAL


def test_the_same_data_twice_changes_nothing(tenants):
    _sync()
    before = (
        list(Incident.objects.order_by("issue_id").values()),
        IncidentTenant.objects.count(),
        Incident.history.count(),
    )
    report = _sync()
    assert report.changes == []
    assert (
        list(Incident.objects.order_by("issue_id").values()),
        IncidentTenant.objects.count(),
        Incident.history.count(),
    ) == before


def test_the_ticket_page_suggests_active_incidents_of_its_tenant_and_links_one(
    agent_client, tenants
):
    _sync()
    ticket = TicketFactory(customer=tenants[T1])

    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="incident-suggestions"' in page
    assert "EX1001" in page and "TM3003" in page
    assert "MO2002" not in page  # resolved: not suggested

    response = agent_client.post("/incidents/EX1001/link/", {"ticket": ticket.number})

    assert response.status_code == 302
    assert IncidentTicket.objects.filter(ticket=ticket, incident__issue_id="EX1001").exists()


def test_a_ticket_of_an_unaffected_tenant_is_not_linked(agent_client, tenants):
    _sync()
    other = TicketFactory(customer=tenants[T4])
    agent_client.post("/incidents/EX1001/link/", {"ticket": other.number})
    assert not IncidentTicket.objects.exists()


def test_phone_intake_suggests_the_incidents(agent_client, tenants):
    _sync()
    page = agent_client.get(f"/tickets/new/{tenants[T2].pk}/").content.decode()
    assert 'id="incident-suggestions"' in page and "EX1001" in page


def _linked_tickets(tenants):
    incident = Incident.objects.get(issue_id="EX1001")
    tickets = [
        TicketFactory(customer=tenants[T1], severity="critical"),
        TicketFactory(customer=tenants[T2], severity="high"),
        TicketFactory(customer=tenants[T2], severity="non_critical"),
    ]
    for ticket in tickets:
        IncidentTicket.objects.create(incident=incident, ticket=ticket)
    return incident, tickets


def test_the_incident_page_lists_tickets_customers_and_sla_states(
    agent_client, tenants, django_assert_max_num_queries
):
    _sync()
    _incident, tickets = _linked_tickets(tenants)

    with django_assert_max_num_queries(15):
        page = agent_client.get("/incidents/EX1001/").content.decode()

    for ticket in tickets:
        assert ticket.number in page
    assert "顧客一" in page and "顧客二" in page
    assert 'data-sla-state="running"' in page
    assert "2026-11-25 09:40 JST" in page  # Microsoft's post, in Japan time
    assert 'data-sla-state="no_commitment"' in page


def test_one_update_answers_every_open_linked_ticket_through_the_reply_path(
    agent_client, agent, tenants
):
    _sync()
    _incident, tickets = _linked_tickets(tenants)
    tickets[2].status = Status.CLOSED
    tickets[2].save()

    response = agent_client.post(
        "/incidents/EX1001/update/", {"body": "Microsoft が復旧作業中です（EX1001）。"}
    )

    assert response.status_code == 302
    for ticket in tickets[:2]:
        ticket.refresh_from_db()
        reply = ticket.messages.get(kind=Message.Kind.REPLY)
        assert reply.author_user == agent
        assert ticket.first_responded_at is not None  # the terms' first response counts
        assert ticket.status == Status.IN_PROGRESS
    assert not tickets[2].messages.filter(kind=Message.Kind.REPLY).exists()


def test_tickets_are_resolved_together_only_once_microsoft_resolved(
    agent_client, fake_microsoft, tenants
):
    _sync()
    _incident, tickets = _linked_tickets(tenants)

    response = agent_client.post("/incidents/EX1001/resolve/")
    assert response.status_code == 409
    assert all(t.status == Status.NEW for t in (t.__class__.objects.get(pk=t.pk) for t in tickets))

    for items in fake_microsoft.state.issues.values():
        for item in items:
            if item["id"] == "EX1001":
                item.update(isResolved=True, status="serviceRestored")
    _sync()
    response = agent_client.post("/incidents/EX1001/resolve/")

    assert response.status_code == 302
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED


def test_a_subcontractor_answers_only_its_own_tickets(client, tenants, subcontractor):
    _sync()
    _incident, tickets = _linked_tickets(tenants)
    tickets[0].assigned_organisation = subcontractor.profile.organisation
    tickets[0].save()
    client.force_login(subcontractor)

    page = client.get("/incidents/EX1001/").content.decode()
    assert tickets[0].number in page and tickets[1].number not in page
    assert "顧客一" in page and "顧客二" not in page  # only its tickets' customers (Art. 12)
    client.post("/incidents/EX1001/update/", {"body": "復旧作業中です。"})

    assert tickets[0].messages.filter(kind=Message.Kind.REPLY).exists()
    assert not tickets[1].messages.filter(kind=Message.Kind.REPLY).exists()


def test_unlinking_is_on_the_ticket_timeline(agent_client, tenants):
    _sync()
    ticket = TicketFactory(customer=tenants[T1])
    agent_client.post("/incidents/EX1001/link/", {"ticket": ticket.number})
    agent_client.post("/incidents/EX1001/link/", {"ticket": ticket.number, "unlink": "1"})
    assert not IncidentTicket.objects.exists()
    changes = [e.data for e in ticket.events.filter(kind="updated")]
    assert changes == [
        {"field": "microsoft_incident", "to": "EX1001"},
        {"field": "microsoft_incident", "from": "EX1001", "to": None},
    ]


def test_a_malformed_issue_is_skipped_and_the_rest_kept(tenants, fake_microsoft):
    fake_microsoft.state.issues[T1].append({"id": "BAD1", "title": "x", "isResolved": "no"})
    report = _sync()
    assert not Incident.objects.filter(issue_id="BAD1").exists()
    assert Incident.objects.filter(issue_id="EX1001").exists()
    assert report.counts["rejected"] == 1


def test_outsiders_are_refused(client, tenants):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/incidents/").status_code == 403
