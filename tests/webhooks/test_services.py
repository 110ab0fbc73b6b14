"""Ticket events fan out into webhook deliveries in the outbox, in the same transaction, for
the ticket's reseller only, for subscribed events only, and never with internal content."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import OutboxMessage
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, TicketFactory
from tests.webhooks.conftest import SECRET
from tickets import services
from tickets.events import event_record
from tickets.models import Message, TicketEvent
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def _open(customer, contact, subscription, **kwargs):
    return TicketFactory(customer=customer, subscription=subscription, requester=contact, **kwargs)


def _webhook(reseller, events, **kwargs) -> Webhook:
    return Webhook.objects.create(
        reseller=reseller,
        url="https://hooks.example.com/in",
        secret=SECRET,
        events=events,
        **kwargs,
    )


def test_ticket_created_queues_one_signed_delivery(
    reseller_a, customer_a, admin_contact_a, subscription_a
):
    # given reseller A's webhook for created tickets
    webhook = _webhook(reseller_a, ["ticket.created"])

    # when a ticket is opened
    ticket = _open(customer_a, admin_contact_a, subscription_a)

    # then one delivery and one outbox row of channel "webhook" carry the event
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.webhook, delivery.ticket, delivery.event) == (
        webhook,
        ticket,
        "ticket.created",
    )
    outbox = OutboxMessage.objects.get(channel="webhook")
    assert delivery.outbox == outbox
    assert outbox.ticket == ticket
    assert outbox.payload["webhook_id"] == webhook.pk
    assert outbox.payload["delivery"] == str(delivery.uuid)
    body = outbox.payload["body"]
    assert body["id"] == str(delivery.uuid)
    assert body["event"] == "ticket.created"
    assert body["ticket"]["number"] == ticket.number
    assert set(body["data"]) == {"channel", "severity", "received_at", "first_response_due"}
    assert SECRET not in str(outbox.payload)


def test_other_resellers_inactive_and_unsubscribed_webhooks_get_nothing(
    reseller_a, reseller_b, customer_a, admin_contact_a, subscription_a
):
    _webhook(reseller_b, ["ticket.created"])
    _webhook(reseller_a, ["ticket.created"], is_active=False)
    _webhook(reseller_a, ["ticket.breached"])

    _open(customer_a, admin_contact_a, subscription_a)

    assert WebhookDelivery.objects.count() == 0
    assert OutboxMessage.objects.filter(channel="webhook").count() == 0


def test_status_change_sends_from_and_to_only(
    reseller_a, customer_a, admin_contact_a, subscription_a
):
    ticket = _open(customer_a, admin_contact_a, subscription_a)
    _webhook(reseller_a, ["ticket.status_changed"])

    services.ticket_wait_on_microsoft(ticket=ticket, case_number="2605020010000123")

    body = OutboxMessage.objects.get(channel="webhook").payload["body"]
    assert body["event"] == "ticket.status_changed"
    assert body["data"] == {"from": "new", "to": "waiting_on_microsoft"}


def test_internal_notes_never_leave(reseller_a, customer_a, admin_contact_a, subscription_a, agent):
    ticket = _open(customer_a, admin_contact_a, subscription_a)
    _webhook(reseller_a, ["ticket.message_added", "ticket.first_response"])

    services.message_add(
        ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="社内のみ", author_user=agent
    )
    assert OutboxMessage.objects.filter(channel="webhook").count() == 0

    services.message_add(
        ticket=ticket, kind=Message.Kind.REPLY, body="ご連絡します", author_user=agent
    )

    events = {
        row.payload["body"]["event"]: row.payload["body"]
        for row in OutboxMessage.objects.filter(channel="webhook")
    }
    assert set(events) == {"ticket.message_added", "ticket.first_response"}
    assert events["ticket.message_added"]["data"]["message"]["body"] == "ご連絡します"
    assert events["ticket.first_response"]["data"]["on_time"] is True
    assert "社内のみ" not in str(events)


def test_breach_event_is_delivered(reseller_a, customer_a, admin_contact_a, subscription_a):
    ticket = _open(customer_a, admin_contact_a, subscription_a, severity="critical")
    _webhook(reseller_a, ["ticket.breached"])

    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.BREACHED,
        data={"first_response_due": "x", "breached_at": "y", "delay_seconds": 1.0, "internal": 1},
        dedup_key="breached:test",
    )

    body = OutboxMessage.objects.get(channel="webhook").payload["body"]
    assert body["data"] == {"first_response_due": "x", "breached_at": "y", "delay_seconds": 1.0}


def test_a_rolled_back_change_queues_nothing(
    reseller_a, customer_a, admin_contact_a, subscription_a
):
    _webhook(reseller_a, ["ticket.created"])

    with pytest.raises(RuntimeError), transaction.atomic():
        _open(customer_a, admin_contact_a, subscription_a)
        raise RuntimeError("the request failed after the intake")

    assert WebhookDelivery.objects.count() == 0
    assert OutboxMessage.objects.filter(channel="webhook").count() == 0


def test_each_reseller_gets_its_own_events(
    reseller_a, reseller_b, customer_a, admin_contact_a, subscription_a
):
    _webhook(reseller_a, ["ticket.created"])
    webhook_b = _webhook(reseller_b, ["ticket.created"])
    customer_b = CustomerFactory(reseller=reseller_b)
    from tests.factories import SupportContractFactory

    SupportContractFactory(reseller=reseller_b)
    ticket_b = _open(
        customer_b, ContactFactory(customer=customer_b), SubscriptionFactory(customer=customer_b)
    )

    [delivery] = WebhookDelivery.objects.filter(webhook=webhook_b)
    assert delivery.ticket == ticket_b
    assert WebhookDelivery.objects.count() == 1
