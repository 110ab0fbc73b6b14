"""The workflow table: allowed moves succeed with an event; wrong moves raise and change nothing."""

from __future__ import annotations

import pytest

from tickets.exceptions import InvalidTransition, ReasonRequired
from tickets.models import Message, RefusalReason, Status, Ticket
from tickets.services import (
    message_add,
    ticket_close,
    ticket_refuse,
    ticket_reopen,
    ticket_resolve,
    ticket_transition,
    ticket_wait_on_microsoft,
)
from tickets.workflow import TRANSITIONS, can_transition

pytestmark = pytest.mark.django_db

ALL = [choice.value for choice in Status]


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(ALL)


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_follows_the_table(current, target, agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=current, refusal_reason="other" if current == Status.REFUSED else ""
    )
    ticket.refresh_from_db()
    allowed = can_transition(current, target) and current != target
    changes: dict[str, object] | None = (
        {"refusal_reason": RefusalReason.OTHER} if target == Status.REFUSED else None
    )

    if allowed:
        result = ticket_transition(ticket=ticket, to=target, actor=agent, changes=changes)
        assert result.status == target
        event = ticket.events.filter(kind="status_changed").get()
        assert event.data["from"] == current and event.data["to"] == target
        assert event.actor == agent
    else:
        with pytest.raises(InvalidTransition):
            ticket_transition(ticket=ticket, to=target, actor=agent, changes=changes)
        ticket.refresh_from_db()
        assert ticket.status == current
        assert not ticket.events.filter(kind="status_changed").exists()


def test_history_records_the_acting_user(agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    ticket_resolve(ticket=ticket, actor=agent)

    latest = ticket.history.first()
    assert latest.status == Status.RESOLVED
    assert latest.history_user == agent


def test_resolve_close_and_reopen_stamp_their_times(agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    ticket = ticket_resolve(ticket=ticket, actor=agent)
    assert ticket.resolved_at is not None
    ticket = ticket_close(ticket=ticket, actor=agent)
    assert ticket.closed_at is not None
    ticket = ticket_reopen(ticket=ticket, actor=agent)
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == (Status.IN_PROGRESS, None, None)


def test_refusal_needs_a_listed_reason_and_a_message(agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    with pytest.raises(ReasonRequired):
        ticket_refuse(ticket=ticket, reason="whatever", note="x", actor=agent)
    with pytest.raises(ReasonRequired):
        ticket_refuse(ticket=ticket, reason=RefusalReason.OUT_OF_SCOPE, note="  ", actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW

    ticket = ticket_refuse(
        ticket=ticket,
        reason=RefusalReason.OUT_OF_SCOPE,
        note="範囲外のためお受けできません。",
        actor=agent,
    )

    assert (ticket.status, ticket.refusal_reason) == (Status.REFUSED, "out_of_scope")
    reply = ticket.messages.get()
    assert reply.kind == Message.Kind.REPLY and "範囲外" in reply.body


def test_waiting_on_microsoft_needs_the_case_number(agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    with pytest.raises(ReasonRequired):
        ticket_wait_on_microsoft(ticket=ticket, case_number=" ", actor=agent)

    ticket = ticket_wait_on_microsoft(ticket=ticket, case_number="2611250040001234", actor=agent)

    assert ticket.status == Status.WAITING_ON_MICROSOFT
    assert ticket.microsoft_case_number == "2611250040001234"


def test_information_request_waits_on_the_customer_and_their_answer_resumes(agent):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ログを送ってください。",
        author_user=agent,
        actor=agent,
        requests_information=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER

    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="添付します。",
        author_contact=ticket.requester,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
