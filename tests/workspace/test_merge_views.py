# ruff: noqa: F811  (the subcontractor fixtures are imported from the workspace tests)
"""The merge and link actions of the ticket page: thin views over tickets.merge."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.workspace.conftest import make_ticket, subcontractor_agent, subcontractor_org  # noqa: F401
from tickets.models import Status, Ticket, TicketLink
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


def test_an_agent_merges_and_both_pages_say_so(agent_client, ticket, customer_a):
    duplicate = make_ticket(customer_a, subject="重複")
    response = agent_client.post(
        f"/tickets/{duplicate.number}/merge/", {"merge-original": ticket.number.lower()}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Status.CLOSED, ticket.pk)
    page = agent_client.get(f"/tickets/{duplicate.number}/").content.decode()
    assert 'id="merged-into"' in page and ticket.number in page
    assert 'id="action-merge"' not in page
    assert 'id="reply-box"' not in page  # the thread is the original's: write there
    original = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert duplicate.number in original.split('id="merged-from-list"')[1]


def test_merging_into_itself_shows_the_error_at_the_ticket(agent_client, ticket):
    response = agent_client.post(
        f"/tickets/{ticket.number}/merge/", {"merge-original": ticket.number}
    )
    assert response.status_code == 409
    assert "自分自身に統合することはできません" in response.content.decode()


def test_a_subcontractor_cannot_merge_into_a_ticket_it_cannot_see(
    agent, subcontractor_agent, ticket, customer_a
):
    duplicate = make_ticket(customer_a)
    ticket_assign(ticket=duplicate, assignee=subcontractor_agent, actor=agent)
    client = Client()
    client.force_login(subcontractor_agent)
    response = client.post(f"/tickets/{duplicate.number}/merge/", {"merge-original": ticket.number})
    assert response.status_code == 400
    assert "見つかりません" in response.content.decode()
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_link_and_unlink_from_the_page(agent_client, ticket, customer_a):
    other = make_ticket(customer_a)
    agent_client.post(f"/tickets/{ticket.number}/link/", {"link-other": other.number})
    assert TicketLink.objects.count() == 1
    page = agent_client.get(f"/tickets/{other.number}/").content.decode()
    assert ticket.number in page.split('id="linked-list"')[1]
    agent_client.post(f"/tickets/{other.number}/unlink/", {"unlink-other": ticket.number})
    assert TicketLink.objects.count() == 0


def _page(user, ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/tickets/{ticket.number}/")
    assert response.status_code == 200
    # The number fields' example (placeholder) is not a ticket's number
    return re.sub(r'placeholder="[^"]*"', "", response.content.decode())


def test_a_subcontractor_sees_no_number_of_a_merged_ticket_it_cannot_see(
    agent, agent_client, subcontractor_agent, ticket, customer_a
):
    # Given a duplicate the subcontractor works on, merged into a ticket it may not see
    duplicate = make_ticket(customer_a, subject="重複")
    ticket_assign(ticket=duplicate, assignee=subcontractor_agent, actor=agent)
    response = agent_client.post(
        f"/tickets/{duplicate.number}/merge/", {"merge-original": ticket.number}
    )
    assert response.status_code == 302
    # Then the subcontractor's page (events and field history) names no number of it
    page = _page(subcontractor_agent, duplicate)
    assert ticket.number not in page
    assert "別のチケットに統合" in page
    assert "→ 別のチケット</li>" in page  # the field history of 統合先
    # While the desk's agent, who sees both, reads the numbers
    page = _page(agent, duplicate)
    assert f"{ticket.number} に統合" in page
    assert "別のチケット" not in page


def test_a_subcontractor_sees_no_number_of_a_linked_ticket_it_cannot_see(
    agent, agent_client, subcontractor_agent, ticket, customer_a
):
    other = make_ticket(customer_a, subject="関連")
    ticket_assign(ticket=ticket, assignee=subcontractor_agent, actor=agent)
    agent_client.post(f"/tickets/{ticket.number}/link/", {"link-other": other.number})
    assert TicketLink.objects.count() == 1
    page = _page(subcontractor_agent, ticket)
    assert other.number not in page
    assert "別のチケット" in page
    assert other.number in _page(agent, ticket)
