"""Never reply twice (二重対応防止): the stale-reply guard, taking over, and presence."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from tests.factories import UserFactory
from tickets.models import Message
from tickets.services import message_add, ticket_assign
from workspace import collision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _version(ticket) -> int:
    return collision.ticket_version_current(ticket=ticket)


def _reply(client, ticket, body: str, version: int):
    return client.post(
        reverse("workspace:ticket_action", args=[ticket.number, "reply"]),
        {"reply-body": body, "reply-seen_version": str(version)},
    )


def test_a_reply_on_a_fresh_page_is_sent(agent, ticket):
    response = _reply(_client(agent), ticket, "ご連絡ありがとうございます。", _version(ticket))
    assert response.status_code == 302
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 1


def test_a_reply_written_on_a_stale_page_is_held_until_confirmed(agent, supervisor, ticket):
    # Given the agent opened the ticket, then a colleague replied
    seen = _version(ticket)
    message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="同僚からの回答です。",
        author_user=supervisor,
        actor=supervisor,
    )
    client = _client(agent)

    # When the agent sends the reply written on the old page
    response = _reply(client, ticket, "私からの回答です。", seen)

    # Then nothing is sent, and the page shows what changed with the text kept
    assert response.status_code == 409
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 1
    html = response.content.decode()
    assert 'id="stale-reply"' in html
    assert "同僚からの回答です。" in html
    assert "私からの回答です。" in html
    assert response.context["forms"]["reply"]["seen_version"].value() == str(_version(ticket))

    # When the agent confirms (sends again from that page), the reply goes out
    response = _reply(client, ticket, "私からの回答です。", _version(ticket))
    assert response.status_code == 302
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 2


def test_the_deadline_sweeps_own_marks_do_not_make_a_reply_stale(agent, ticket):
    from tickets.events import event_record
    from tickets.models import TicketEvent

    seen = _version(ticket)
    event_record(ticket=ticket, kind=TicketEvent.Kind.AT_RISK, actor=None, data={})
    assert _reply(_client(agent), ticket, "回答", seen).status_code == 302


def test_taking_over_asks_first_and_tells_the_previous_assignee(agent, supervisor, ticket):
    ticket_assign(ticket=ticket, assignee=supervisor, actor=supervisor)
    client = _client(agent)
    html = client.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert "data-confirm=" in html and "担当を引き継ぎますか" in html
    response = client.post(reverse("workspace:ticket_action", args=[ticket.number, "take"]))
    assert response.status_code == 302
    notification = Notification.objects.get(recipient=supervisor)
    assert notification.kind == "ticket_taken"
    assert ticket.number in notification.title


def test_presence_shows_the_others_and_who_is_typing(agent, supervisor, ticket):
    url = reverse("workspace:ticket_presence", args=[ticket.number])
    first = _client(agent).post(url, {"typing": "1"})
    assert first.json()["others"] == []
    second = _client(supervisor).post(url, {"typing": "0"})
    assert second.json()["others"] == [{"user": agent.username, "typing": True}]
    assert second.json()["version"] == _version(ticket)
    queue = _client(supervisor).get(reverse("workspace:queue_presence"), {"numbers": ticket.number})
    assert queue.json() == {"tickets": {ticket.number: [{"user": agent.username, "typing": True}]}}
    _client(agent).post(url, {"leave": "1"})
    assert _client(supervisor).post(url).json()["others"] == []


def test_presence_follows_the_ticket_rules(ticket, subcontractor_agent):
    url = reverse("workspace:ticket_presence", args=[ticket.number])
    assert _client(subcontractor_agent).post(url).status_code == 404
    outsider = UserFactory(username="nobody")
    assert _client(outsider).post(url).status_code == 403
    queue = _client(subcontractor_agent).get(
        reverse("workspace:queue_presence"), {"numbers": ticket.number}
    )
    assert queue.json() == {"tickets": {}}


def test_leaving_is_csrf_protected_like_any_post(agent, supervisor, ticket):
    # Given the agent on the ticket, in a browser-like client that checks CSRF
    url = reverse("workspace:ticket_presence", args=[ticket.number])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    page = browser.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    # When a leave arrives without the page's token (another site's beacon), it is refused
    assert browser.post(url, {"leave": "1"}).status_code == 403
    others = _client(supervisor).post(url).json()["others"]
    assert others == [{"user": agent.username, "typing": False}]
    # And the page's beacon (the form body carries the token) leaves
    assert browser.post(url, {"leave": "1", "csrfmiddlewaretoken": token}).status_code == 200
    assert _client(supervisor).post(url).json()["others"] == []
