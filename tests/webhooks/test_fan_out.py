"""Events written in bulk (the SLA sweep) reach the webhooks in a constant number of queries."""

from __future__ import annotations

import pytest

from tests.factories import TicketFactory
from tickets.events import events_fan_out
from tickets.models import TicketEvent
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def _breaches(count: int) -> list[TicketEvent]:
    events = []
    for index in range(count):
        ticket = TicketFactory(severity="critical")
        events.append(
            TicketEvent.objects.create(
                ticket=ticket, kind=TicketEvent.Kind.BREACHED, dedup_key=f"breached-{index}"
            )
        )
    return events


@pytest.mark.parametrize("count", [3, 30])
def test_a_batch_of_events_without_webhooks_costs_one_query(count, django_assert_max_num_queries):
    events = _breaches(count)

    with django_assert_max_num_queries(1):
        events_fan_out(events)

    assert WebhookDelivery.objects.count() == 0


def test_each_subscribed_webhook_gets_one_delivery_per_event():
    events = _breaches(3)
    reseller = events[0].ticket.reseller
    Webhook.objects.create(
        reseller=reseller,
        url="https://hooks.example.jp/helpdesk",
        secret="s" * 32,
        events=["ticket.breached"],
    )

    events_fan_out(events)

    deliveries = WebhookDelivery.objects.all()
    assert [delivery.ticket_event_id for delivery in deliveries] == [events[0].pk]
    assert deliveries[0].event == "ticket.breached"
