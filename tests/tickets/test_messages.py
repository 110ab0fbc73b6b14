"""What a message means for its ticket: a late first response leaves the breach on record,
and the customer writing on a finished ticket brings it back to the desk."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from notifications.models import Notification
from tests.factories import TicketFactory
from tickets.clocks import first_response_state as ticket_sla_state
from tickets.models import Message, RefusalReason, Status
from tickets.services import message_add, ticket_close, ticket_refuse, ticket_resolve

pytestmark = pytest.mark.django_db

JST = datetime.timezone(datetime.timedelta(hours=9))
OPENED = datetime.datetime(2026, 6, 9, 10, 0, tzinfo=JST)


def test_a_late_first_response_the_sweep_missed_still_records_the_breach(agent, supervisor):
    with time_machine.travel(OPENED, tick=False):
        ticket = TicketFactory(severity="critical")
    due = ticket.first_response_due
    assert due is not None
    late = due + datetime.timedelta(minutes=7)

    with time_machine.travel(late, tick=False):
        message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body="確認しています。",
            author_user=agent,
            actor=agent,
        )
        call_command("sla_sweep", stdout=StringIO())

    ticket.refresh_from_db()
    assert ticket.first_responded_at == late
    assert ticket.breached_at == due
    assert ticket.escalation_level == 0
    breaches = ticket.events.filter(kind="breached")
    assert breaches.count() == 1
    assert breaches.get().data["recorded_by"] == "first_response"
    assert breaches.get().data["delay_seconds"] == 420
    assert ticket_sla_state(ticket=ticket, now=late).value == "breached"
    assert not Notification.objects.filter(ticket=ticket).exists()


def test_an_on_time_first_response_records_no_breach(agent):
    with time_machine.travel(OPENED, tick=False):
        ticket = TicketFactory(severity="critical")
        message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body="対応します。",
            author_user=agent,
            actor=agent,
        )

    ticket.refresh_from_db()
    assert ticket.breached_at is None
    assert not ticket.events.filter(kind="breached").exists()


@pytest.mark.parametrize("finish", ["resolved", "closed"])
def test_the_customer_writing_on_a_finished_ticket_reopens_it(agent, finish):
    ticket = TicketFactory()
    ticket_resolve(ticket=ticket, actor=agent)
    if finish == "closed":
        ticket_close(ticket=ticket, actor=agent)

    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="まだ解決していません。",
        author_contact=ticket.requester,
    )

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert (ticket.resolved_at, ticket.closed_at) == (None, None)
    assert ticket.events.filter(kind="status_changed", data__to="in_progress").exists()


def test_a_refusal_stands_when_the_customer_writes_again(agent):
    ticket = TicketFactory()
    ticket_refuse(
        ticket=ticket, reason=RefusalReason.APP_USAGE, note="操作方法は範囲外です。", actor=agent
    )

    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="納得できません。",
        author_contact=ticket.requester,
    )

    ticket.refresh_from_db()
    assert ticket.status == Status.REFUSED
