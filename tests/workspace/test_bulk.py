"""Bulk actions of the queue: supervisors only, each ticket through its own service."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.workspace.conftest import make_ticket
from tickets.models import Status, TicketEvent
from tickets.services import ticket_close

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_closes_several_tickets_each_recorded(supervisor, customer_a):
    first, second, done = make_ticket(customer_a), make_ticket(customer_a), make_ticket(customer_a)
    ticket_close(ticket=done, actor=supervisor)
    client = _client(supervisor)
    assert 'id="bulk-form"' in client.get("/").content.decode()
    response = client.post(
        reverse("workspace:queue_bulk"),
        {"action": "closed", "numbers": [first.number, second.number, done.number], "next": "/"},
    )
    assert response.status_code == 302
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        event = ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).get()
        assert event.actor == supervisor
    # The one already closed is refused on its own, the others done
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(done.number in m for m in messages)


def test_assign_in_bulk(supervisor, agent, customer_a):
    ticket = make_ticket(customer_a)
    _client(supervisor).post(
        reverse("workspace:queue_bulk"),
        {"action": "assign", "assignee": agent.pk, "numbers": [ticket.number]},
    )
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_agents_have_no_bulk_bar_and_cannot_post(agent, customer_a):
    ticket = make_ticket(customer_a)
    client = _client(agent)
    assert 'id="bulk-form"' not in client.get("/").content.decode()
    response = client.post(
        reverse("workspace:queue_bulk"), {"action": "closed", "numbers": [ticket.number]}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
