# ruff: noqa: F811  (the subcontractor fixtures are imported from the workspace tests)
"""Merging a duplicate into its original, and linking related tickets (tickets.merge)."""

from __future__ import annotations

import pytest

from notifications.models import OutboxMessage
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, TicketFactory
from tests.files import png
from tests.workspace.conftest import subcontractor_agent, subcontractor_org  # noqa: F401
from tickets import merge
from tickets.exceptions import (
    LinkRefused,
    MergeRefused,
    OtherTicketNotFound,
    TicketMergedElsewhere,
)
from tickets.models import Message, Status, Ticket, TicketEvent, TicketLink
from tickets.services import AttachmentUpload, message_add, ticket_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(customer_a) -> tuple[Ticket, Ticket]:
    subscription = SubscriptionFactory(customer=customer_a)
    requester = ContactFactory(customer=customer_a)
    original = TicketFactory(
        customer=customer_a, subscription=subscription, requester=requester, subject="元の件"
    )
    duplicate = TicketFactory(
        customer=customer_a,
        subscription=subscription,
        requester=requester,
        subject="重複の件",
        channel="web",
        description="同じ障害です",
    )
    return original, duplicate


def test_merge_moves_the_thread_closes_the_duplicate_and_mails_the_customer(pair, agent):
    original, duplicate = pair
    from django.core.files.uploadedfile import SimpleUploadedFile

    message = message_add(
        ticket=duplicate,
        kind=Message.Kind.CUSTOMER,
        body="ログを添付します",
        author_contact=duplicate.requester,
        attachments=[
            AttachmentUpload(
                "log.png", "image/png", SimpleUploadedFile("log.png", png(), "image/png")
            )
        ],
    )

    merged = merge.ticket_merge(duplicate=duplicate, original=original, actor=agent)

    assert merged.status == Status.CLOSED
    assert merged.merged_into_id == original.pk
    message.refresh_from_db()
    assert message.ticket_id == original.pk
    assert message.attachments.get().filename == "log.png"
    note = original.messages.get(kind=Message.Kind.INTERNAL_NOTE)
    assert "同じ障害です" in note.body
    # Not the duplicate's number: the original's subcontractor reads notes (the merge event
    # names it to those who may see it).
    assert duplicate.number not in note.body
    merged_event = merged.events.get(kind=TicketEvent.Kind.MERGED)
    assert merged_event.actor == agent
    assert merged_event.data["into"] == original.number
    received = original.events.get(kind=TicketEvent.Kind.MERGE_RECEIVED)
    assert received.actor == agent and received.data["from"] == duplicate.number
    mail = OutboxMessage.objects.get(dedup_key=f"mail:merged:{duplicate.pk}")
    assert mail.payload["to"] == [duplicate.requester.email]
    assert original.number in mail.payload["subject"]
    assert merged.history.first().history_user == agent


def test_a_later_message_to_the_duplicate_joins_the_original(pair, agent):
    original, duplicate = pair
    merge.ticket_merge(duplicate=duplicate, original=original, actor=agent)
    message = message_add(
        ticket=duplicate, kind=Message.Kind.CUSTOMER, body="追記", author_contact=original.requester
    )
    assert message.ticket_id == original.pk
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED


def test_a_ticket_cannot_merge_into_itself_or_into_a_merged_one(pair, agent, customer_a):
    original, duplicate = pair
    with pytest.raises(MergeRefused):
        merge.ticket_merge(duplicate=original, original=original, actor=agent)
    merge.ticket_merge(duplicate=duplicate, original=original, actor=agent)
    third = TicketFactory(customer=customer_a)
    with pytest.raises(MergeRefused):
        merge.ticket_merge(duplicate=third, original=duplicate, actor=agent)
    with pytest.raises(MergeRefused):
        merge.ticket_merge(duplicate=duplicate, original=third, actor=agent)


def test_a_subcontractor_cannot_merge_into_a_ticket_it_cannot_see(
    pair, agent, subcontractor_agent, subcontractor_org
):
    original, duplicate = pair
    ticket_assign(ticket=duplicate, assignee=subcontractor_agent, actor=agent)
    duplicate.refresh_from_db()
    with pytest.raises(OtherTicketNotFound):
        merge.ticket_find_other(user=subcontractor_agent, number=original.number, field="original")
    with pytest.raises(OtherTicketNotFound):
        merge.ticket_merge(duplicate=duplicate, original=original, actor=subcontractor_agent)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_ticket_never_merges_into_another_customers(pair, agent, reseller_b):
    _, duplicate = pair
    other = TicketFactory(customer=CustomerFactory(reseller=reseller_b), subject="他社の件")
    with pytest.raises(MergeRefused):
        merge.ticket_merge(duplicate=duplicate, original=other, actor=agent)
    # nothing of the duplicate's thread moved
    assert not Message.objects.filter(ticket=other, body__contains="同じ障害です").exists()
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_writer_who_cannot_see_the_original_is_refused_on_the_duplicate(
    pair, agent, subcontractor_agent, subcontractor_org
):
    original, duplicate = pair
    ticket_assign(ticket=duplicate, assignee=subcontractor_agent, actor=agent)
    merge.ticket_merge(duplicate=duplicate, original=original, actor=agent)
    notes = Message.objects.filter(ticket=original).count()
    with pytest.raises(TicketMergedElsewhere):
        message_add(
            ticket=duplicate,
            kind=Message.Kind.INTERNAL_NOTE,
            body="再委託先のメモ",
            author_user=subcontractor_agent,
        )
    assert Message.objects.filter(ticket=original).count() == notes


def test_link_shows_on_both_and_unlinks(pair, agent):
    original, duplicate = pair
    merge.ticket_link(ticket=original, other=duplicate, actor=agent)
    merge.ticket_link(ticket=duplicate, other=original, actor=agent)  # again: nothing new
    assert TicketLink.objects.count() == 1
    assert merge.tickets_linked(user=agent, ticket=original) == [duplicate]
    assert merge.tickets_linked(user=agent, ticket=duplicate) == [original]
    assert original.events.filter(kind=TicketEvent.Kind.LINKED, actor=agent).count() == 1
    with pytest.raises(LinkRefused):
        merge.ticket_link(ticket=original, other=original, actor=agent)
    assert merge.ticket_unlink(ticket=duplicate, other=original, actor=agent)
    assert merge.tickets_linked(user=agent, ticket=original) == []
    assert duplicate.events.filter(kind=TicketEvent.Kind.UNLINKED).count() == 1
