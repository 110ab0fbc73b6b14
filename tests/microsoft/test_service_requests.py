"""Escalating a ticket to Microsoft: a Partner Center service request created or linked from
the ticket page, its status and notes pulled back, the refresh token rotated or refused."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Profile
from microsoft.clients import transport_open
from microsoft.models import PartnerCenterCredential, ServiceRequest, SupportTopic
from microsoft.service_requests import credential_set, support_topics_refresh, user_client
from microsoft.tasks import service_requests_poll_all
from notifications.models import Notification
from tests.factories import TicketFactory, UserFactory
from tickets.models import Message, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(fake_microsoft):
    fake_microsoft.state.support_topics = [
        {"id": "32444671", "name": "Exchange Online", "description": "Mail flow"},
        {"id": "32444672", "name": "Teams", "description": ""},
    ]
    token = fake_microsoft.issue_refresh_token()
    credential_set(refresh_token=token)
    # As `partner_center_refresh_token` does after storing a token.
    with transport_open() as transport:
        support_topics_refresh(client=user_client(transport), force=True)
    return token


@pytest.fixture
def ticket(agent):
    return TicketFactory(severity="high", assignee=agent)


def _act(client, ticket, data):
    return client.post(
        f"/tickets/{ticket.number}/microsoft/", {f"microsoft-{k}": v for k, v in data.items()}
    )


def test_a_service_request_is_created_from_the_ticket(
    agent_client, ticket, connected, fake_microsoft
):
    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Exchange Online" in page  # Microsoft's topics to choose from

    response = _act(
        agent_client,
        ticket,
        {
            "mode": "create",
            "title": "メールが届かない",
            "description": "全ユーザーで受信不可",
            "support_topic": "32444671",
        },
    )

    assert response.status_code == 302
    created = next(iter(fake_microsoft.state.service_requests.values()))
    assert created["Severity"] == "moderate"  # 高 is Microsoft's Sev B
    assert created["SupportTopicId"] == "32444671"
    assert str(ticket.customer.tenant_id) in created["Description"]
    assert ticket.number in created["Description"]
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_MICROSOFT
    assert ticket.microsoft_case_number == created["Id"]
    request = ServiceRequest.objects.get()
    assert (request.request_id, request.status, request.linked) == (created["Id"], "open", False)
    # Microsoft rotated the refresh token at each use; the newest is what is stored.
    stored = PartnerCenterCredential.objects.get().refresh_token
    assert stored != connected
    assert stored in fake_microsoft.state.refresh_tokens
    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert created["Id"] in page and 'id="service-requests"' in page


def test_creating_needs_a_topic_title_and_description(agent_client, ticket, connected):
    response = _act(agent_client, ticket, {"mode": "create", "title": "", "description": ""})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert not ServiceRequest.objects.exists()


def test_an_existing_request_is_linked_with_its_notes(
    agent_client, ticket, connected, fake_microsoft
):
    fake_microsoft.state.service_requests["615000000000001"] = {
        "Id": "615000000000001",
        "Title": "Existing",
        "Status": "open",
        "Severity": "minimal",
        "Notes": [
            {
                "CreatedByName": "MS Engineer",
                "CreatedDate": "2026-11-24T01:00:00Z",
                "Text": "ログを送ってください",
            }
        ],
    }

    response = _act(agent_client, ticket, {"mode": "link", "case_number": "615000000000001"})

    assert response.status_code == 302
    notes = ticket.messages.filter(kind=Message.Kind.INTERNAL_NOTE)
    assert [n.body.splitlines()[-1] for n in notes] == ["ログを送ってください"]
    assert "MS Engineer" in notes[0].body
    assert ServiceRequest.objects.get().linked is True


def test_an_unknown_number_is_a_form_error(agent_client, ticket, connected):
    response = _act(agent_client, ticket, {"mode": "link", "case_number": "999"})
    assert response.status_code == 400
    assert "Partner Center にありません" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_without_microsoft_the_case_number_is_kept_as_before(agent_client, ticket):
    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "microsoft-support_topic" not in page
    response = _act(agent_client, ticket, {"case_number": "2611250040000123"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.microsoft_case_number == "2611250040000123"
    assert not ServiceRequest.objects.exists()


def test_the_poll_pulls_notes_and_status_once_and_never_resolves(
    agent_client, ticket, connected, fake_microsoft, agent
):
    _act(
        agent_client,
        ticket,
        {"mode": "create", "title": "t", "description": "d", "support_topic": "32444672"},
    )
    remote = next(iter(fake_microsoft.state.service_requests.values()))
    remote["Notes"] = [
        {
            "CreatedByName": "MS",
            "CreatedDate": "2026-11-25T02:00:00Z",
            "Text": "テナント名を教えてください",
        }
    ]
    remote["Status"] = "attention_needed"
    remote["LastModifiedDate"] = "2026-11-25T02:00:00Z"

    assert service_requests_poll_all() == 1
    assert service_requests_poll_all() == 0  # the same data again: nothing more

    notes = ticket.messages.filter(kind=Message.Kind.INTERNAL_NOTE)
    assert notes.count() == 1
    attention = Notification.objects.filter(
        recipient=agent, kind="service_request_attention_needed"
    )
    assert attention.count() == 1

    remote["Status"] = "closed"
    remote["LastClosedDate"] = "2026-11-26T02:00:00Z"
    service_requests_poll_all()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_MICROSOFT  # shown, not auto-resolved
    assert Notification.objects.filter(kind="service_request_closed").count() == 1
    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Microsoft がこのリクエストをクローズしました" in page


def test_a_refused_refresh_token_alerts_admins_once_and_stops_calling(
    ticket, fake_microsoft, connected
):
    admin = UserFactory(username="desk-admin", roles=["admin"])
    ServiceRequest.objects.create(ticket=ticket, request_id="615000000000009", status="open")
    fake_microsoft.state.refresh_tokens.clear()  # revoked at Microsoft
    calls_before = len(fake_microsoft.requests_to("/login/"))

    service_requests_poll_all()
    service_requests_poll_all()

    credential = PartnerCenterCredential.objects.get()
    assert credential.status == PartnerCenterCredential.Status.REFUSED
    assert "invalid_grant" in credential.last_error
    assert (
        Notification.objects.filter(recipient=admin, kind="partner_center_credential").count() == 1
    )
    # One refused refresh; the second poll did not call Microsoft at all.
    assert len(fake_microsoft.requests_to("/login/")) == calls_before + 1


def test_the_command_stores_and_checks_a_new_token(fake_microsoft, monkeypatch, capsys):
    fake_microsoft.state.support_topics = [{"id": "1", "name": "Teams", "description": ""}]
    token = fake_microsoft.issue_refresh_token()
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))

    call_command("partner_center_refresh_token")

    assert "サポート トピック 1 件" in capsys.readouterr().out
    assert SupportTopic.objects.get().name == "Teams"
    credential = PartnerCenterCredential.objects.get()
    assert credential.status == "ok"
    # Encrypted at rest: the column does not hold the token.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token FROM microsoft_partnercentercredential")
        assert token not in cursor.fetchone()[0]


def test_a_subcontractor_cannot_see_other_tickets_requests(client, ticket, connected):
    from accounts.models import Organisation
    from tests.factories import OrganisationFactory

    outsider = UserFactory(username="sub", roles=["subcontractor_agent"])
    Profile.objects.create(
        user=outsider,
        organisation=OrganisationFactory(name="下請", kind=Organisation.Kind.SUBCONTRACTOR),
    )
    client.force_login(outsider)
    response = _act(client, ticket, {"mode": "link", "case_number": "1"})
    assert response.status_code == 404


def test_the_poll_command_pulls_a_request_back_and_says_how_many_changed(
    agent_client, ticket, connected, fake_microsoft, capsys
):
    _act(
        agent_client,
        ticket,
        {"mode": "create", "title": "t", "description": "d", "support_topic": "32444672"},
    )
    remote = next(iter(fake_microsoft.state.service_requests.values()))
    remote["Status"] = "attention_needed"
    remote["LastModifiedDate"] = "2026-11-25T02:00:00Z"

    call_command("service_requests_poll")

    assert "変更のあったサービス リクエスト: 1 件" in capsys.readouterr().out
    assert ServiceRequest.objects.get(ticket=ticket).status == "attention_needed"


def test_the_poll_command_without_a_credential_is_one_line_and_exit_1(fake_microsoft):
    with pytest.raises(CommandError, match="資格情報"):
        call_command("service_requests_poll")
