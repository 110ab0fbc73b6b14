"""The agent's notifications about its tickets (tickets.notices): assigned to me, taken from
me, the customer replied on my ticket, my ticket at risk; shown in the reader's language,
read when the ticket is opened."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext

from notifications.models import Notification
from notifications.selectors import notifications_unread_count
from notifications.services import notification_create
from tests.factories import UserFactory
from tests.workspace.conftest import make_ticket
from tickets import escalation
from tickets.models import Message, Ticket
from tickets.services import message_add, ticket_assign

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_assigned_to_me_and_taken_from_me(agent, supervisor, customer_a):
    other = UserFactory(username="agent-2", roles=["agent"])
    ticket = make_ticket(customer_a)
    ticket_assign(ticket=ticket, assignee=agent, actor=supervisor)
    assert _kinds(agent) == ["assigned"]
    note = Notification.objects.get(recipient=agent)
    assert note.ticket == ticket and ticket.number in note.title

    # Taken by someone else: the previous assignee is told, the taker is not.
    ticket_assign(ticket=ticket, assignee=other, actor=other)
    assert sorted(_kinds(agent)) == ["assigned", "ticket_taken"]
    assert _kinds(other) == []
    # Taking one's own ticket again, or giving it away oneself, tells no one.
    ticket_assign(ticket=ticket, assignee=other, actor=other)
    ticket_assign(ticket=ticket, assignee=None, actor=other)
    assert _kinds(other) == []
    assert _kinds(supervisor) == []


def test_the_customer_replied_on_my_ticket(agent, supervisor, customer_a):
    ticket = make_ticket(customer_a)
    message_add(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="未割当", author_contact=ticket.requester
    )
    assert not Notification.objects.exists()  # no assignee, no one to tell
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="ログを添付しました。\nご確認ください。",
        author_contact=ticket.requester,
    )
    message_add(ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="メモ", author_user=supervisor)
    note = Notification.objects.get(recipient=agent)
    assert note.kind == "customer_replied"
    assert note.body == "ログを添付しました。 ご確認ください。"


def test_my_ticket_at_risk(agent, customer_a):
    ticket = make_ticket(customer_a)
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.at_risk_at is not None
    escalation.at_risk_warn(now=ticket.at_risk_at + datetime.timedelta(seconds=1))
    assert _kinds(agent) == ["at_risk"]


def test_the_list_speaks_the_readers_language_and_opening_the_ticket_reads_it(
    agent, supervisor, customer_a, django_assert_max_num_queries
):
    tickets = [make_ticket(customer_a) for _ in range(3)]
    for ticket in tickets:
        ticket_assign(ticket=ticket, assignee=agent, actor=supervisor)
    client = Client()
    client.force_login(agent)
    with django_assert_max_num_queries(10):
        page = client.get("/notifications/").content.decode()
    assert f"{tickets[0].number} があなたの担当になりました" in page
    assert notifications_unread_count(user=agent) == 3
    client.cookies["django_language"] = "en"
    english = client.get("/notifications/").content.decode()
    assert f"{tickets[0].number} was assigned to you" in english

    assert client.get(f"/tickets/{tickets[0].number}/").status_code == 200
    assert notifications_unread_count(user=agent) == 2
    assert Notification.objects.get(ticket=tickets[0]).read_at is not None
    # Another user's opening reads nothing of mine.
    other = Client()
    other.force_login(supervisor)
    other.get(f"/tickets/{tickets[1].number}/")
    assert notifications_unread_count(user=agent) == 2


def test_the_sweeps_and_microsofts_alerts_speak_the_readers_language_too(agent, customer_a):
    # given a breach alert from the sweep and an alert about Microsoft's credential
    ticket = make_ticket(customer_a)
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.first_response_due is not None
    escalation.breaches_mark(now=ticket.first_response_due + datetime.timedelta(seconds=1))
    notification_create(
        recipient=agent,
        title=lambda: gettext("Partner Center の App+User 資格情報が拒否されました"),
        kind="partner_center_credential",
    )
    alerts = Notification.objects.filter(recipient=agent).exclude(kind="assigned")
    assert {alert.kind for alert in alerts} >= {"breached", "partner_center_credential"}

    # then each is written in both languages, and the English list shows the English one
    client = Client()
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    english = client.get("/notifications/").content.decode()
    for alert in alerts:
        assert set(alert.titles) == {"ja", "en"}
        assert alert.titles["en"] != alert.titles["ja"]
        assert alert.title == alert.titles["ja"]  # what a mail and older readers show
        assert escape(alert.titles["en"]) in english
    assert "Partner Center refused the App+User credential" in english
