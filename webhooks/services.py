"""Writes of webhooks: registration by a reseller, and the fan-out of ticket events into
signed deliveries queued in the transactional outbox.

`webhook_deliveries_enqueue` is listed in settings.TICKET_EVENT_SUBSCRIBERS: it runs inside
the transaction that records the ticket event, so a rolled-back change queues nothing and a
committed one is never lost. Delivery and retries are the outbox dispatcher's
(`notifications.tasks`), which calls `webhooks.delivery.deliver`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.history import history_user_set
from notifications.models import OutboxMessage
from notifications.services import outbox_enqueue
from tickets.models import Message, Ticket, TicketEvent
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent

# TicketEvent kind → the webhook event a reseller subscribes to.
EVENT_BY_KIND: dict[str, str] = {
    TicketEvent.Kind.CREATED: WebhookEvent.TICKET_CREATED,
    TicketEvent.Kind.FIRST_RESPONSE: WebhookEvent.TICKET_FIRST_RESPONSE,
    TicketEvent.Kind.STATUS_CHANGED: WebhookEvent.TICKET_STATUS_CHANGED,
    TicketEvent.Kind.BREACHED: WebhookEvent.TICKET_BREACHED,
    TicketEvent.Kind.MESSAGE_ADDED: WebhookEvent.TICKET_MESSAGE_ADDED,
    TicketEvent.Kind.AT_RISK: WebhookEvent.TICKET_SLA_AT_RISK,
    TicketEvent.Kind.SLA_AT_RISK: WebhookEvent.TICKET_SLA_AT_RISK,
    TicketEvent.Kind.SLA_BREACHED: WebhookEvent.TICKET_SLA_BREACHED,
    TicketEvent.Kind.SURVEY_ANSWERED: WebhookEvent.TICKET_SURVEY_ANSWERED,
}

# What of each event's data leaves the product: nothing internal (notes, agents, recipients).
_DATA_KEYS: dict[str, tuple[str, ...]] = {
    TicketEvent.Kind.CREATED: ("channel", "severity", "received_at", "first_response_due"),
    TicketEvent.Kind.FIRST_RESPONSE: ("at", "on_time"),
    TicketEvent.Kind.STATUS_CHANGED: ("from", "to"),
    TicketEvent.Kind.BREACHED: ("first_response_due", "breached_at", "delay_seconds"),
    TicketEvent.Kind.MESSAGE_ADDED: (),
    TicketEvent.Kind.AT_RISK: ("target", "at_risk_at", "first_response_due", "notified_at"),
    TicketEvent.Kind.SLA_AT_RISK: ("target", "due", "notified_at"),
    TicketEvent.Kind.SLA_BREACHED: ("target", "due", "breached_at", "delay_seconds"),
    TicketEvent.Kind.SURVEY_ANSWERED: ("rating", "comment", "answered_at", "updated"),
}


def _iso(moment) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat()


def ticket_snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "severity": ticket.severity,
        "subject": ticket.subject,
        "customer_id": ticket.customer_id,
        "channel": ticket.channel,
        "submitted_at": _iso(ticket.submitted_at),
        "received_at": _iso(ticket.received_at),
        "first_response_due": _iso(ticket.first_response_due),
        "first_responded_at": _iso(ticket.first_responded_at),
        "breached_at": _iso(ticket.breached_at),
        "escalation_level": ticket.escalation_level,
    }


def _message_snapshot(message_id: int | None) -> dict[str, Any] | None:
    """A public message (never an internal note), as the reseller's API shows it."""
    if message_id is None:
        return None
    message = (
        Message.objects.select_related("author_contact", "author_user")
        .exclude(kind=Message.Kind.INTERNAL_NOTE)
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    if message.author_contact is not None:
        author = message.author_contact.name
    else:
        user = message.author_user
        author = (user.get_full_name() if user is not None else "") or "サポート"
    return {
        "id": message.pk,
        "kind": message.kind,
        "direction": message.direction,
        "author_name": author,
        "body": message.body,
        "created_at": _iso(message.created_at),
    }


def event_body(*, event: TicketEvent, name: str) -> dict[str, Any] | None:
    """The JSON a receiver gets (its "id" is set per delivery); None when the event must not
    leave the product (a message that is not public)."""
    data = {key: event.data[key] for key in _DATA_KEYS[event.kind] if key in event.data}
    if event.kind == TicketEvent.Kind.MESSAGE_ADDED:
        message = _message_snapshot(event.data.get("message_id"))
        if message is None:
            return None
        data["message"] = message
    return {
        "id": None,
        "event": name,
        "occurred_at": _iso(event.created_at or timezone.now()),
        "ticket": ticket_snapshot(event.ticket),
        "data": data,
    }


def webhook_deliveries_enqueue(event: TicketEvent) -> list[WebhookDelivery]:
    """TICKET_EVENT_SUBSCRIBERS entry: one delivery and one outbox row (channel "webhook")
    per active webhook of the ticket's reseller that subscribes to this event. The body is a
    snapshot taken now: a receiver learns the ticket as it was at the event."""
    return webhook_deliveries_enqueue_many([event])


def webhook_deliveries_enqueue_many(events: Sequence[TicketEvent]) -> list[WebhookDelivery]:
    """The same for events written in bulk (the SLA sweep): the resellers' webhooks are read
    in one query, whatever the number of events."""
    named = [(event, EVENT_BY_KIND[event.kind]) for event in events if event.kind in EVENT_BY_KIND]
    if not named:
        return []
    by_reseller: dict[int, list[Webhook]] = {}
    for webhook in Webhook.objects.filter(
        reseller_id__in={event.ticket.reseller_id for event, _ in named}, is_active=True
    ):
        by_reseller.setdefault(webhook.reseller_id, []).append(webhook)
    deliveries: list[WebhookDelivery] = []
    for event, name in named:
        webhooks = [
            webhook
            for webhook in by_reseller.get(event.ticket.reseller_id, ())
            if name in webhook.events
        ]
        if webhooks:
            deliveries.extend(_deliveries_for(event=event, name=name, webhooks=webhooks))
    return deliveries


# The sweep hands its events over in one call (tickets.events.events_fan_out).
webhook_deliveries_enqueue.many = webhook_deliveries_enqueue_many  # type: ignore[attr-defined]


def _deliveries_for(
    *, event: TicketEvent, name: str, webhooks: Sequence[Webhook]
) -> list[WebhookDelivery]:
    body = event_body(event=event, name=name)
    if body is None:
        return []
    deliveries: list[WebhookDelivery] = []
    for webhook in webhooks:
        delivery = WebhookDelivery.objects.create(
            webhook=webhook, ticket=event.ticket, event=name, ticket_event_id=event.pk
        )
        outbox, _ = outbox_enqueue(
            channel=OutboxMessage.Channel.WEBHOOK,
            dedup_key=f"webhook:{webhook.pk}:event:{event.pk}",
            payload={
                "webhook_id": webhook.pk,
                "delivery": str(delivery.uuid),
                "body": {**body, "id": str(delivery.uuid)},
            },
            ticket=event.ticket,
        )
        delivery.outbox = outbox
        delivery.save(update_fields=["outbox"])
        deliveries.append(delivery)
    return deliveries


def webhook_deliveries_enqueue_for_reseller(
    *, reseller_id: int, event: str, key: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    """An event that is not a ticket's (a customer's GDAP access ending): one delivery and one
    outbox row per active webhook of the reseller that subscribes to it; `key` names the
    event, so a repeated call queues nothing more. Call inside the transaction of the change."""
    deliveries: list[WebhookDelivery] = []
    for webhook in Webhook.objects.filter(reseller_id=reseller_id, is_active=True):
        if event not in webhook.events:
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=webhook, event_key=key, defaults={"event": event}
        )
        if not created:
            continue
        body = {
            "id": str(delivery.uuid),
            "event": event,
            "occurred_at": _iso(timezone.now()),
            "ticket": None,
            "data": data,
        }
        outbox, _ = outbox_enqueue(
            channel=OutboxMessage.Channel.WEBHOOK,
            dedup_key=f"webhook:{webhook.pk}:key:{key}"[:200],
            payload={"webhook_id": webhook.pk, "delivery": str(delivery.uuid), "body": body},
        )
        delivery.outbox = outbox
        delivery.save(update_fields=["outbox"])
        deliveries.append(delivery)
    return deliveries


@transaction.atomic
def webhook_create(
    *,
    reseller_id: int,
    url: str,
    secret: str,
    events: Sequence[str],
    is_active: bool = True,
    actor=None,
) -> Webhook:
    webhook = Webhook(
        reseller_id=reseller_id, url=url, secret=secret, events=list(events), is_active=is_active
    )
    history_user_set(webhook, actor)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor=None, **changes: Any) -> Webhook:
    """Change url, secret (rotation), events or is_active."""
    unknown = set(changes) - {"url", "secret", "events", "is_active"}
    if unknown:
        raise TypeError(f"webhook_update cannot change {sorted(unknown)}")
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    for name, value in changes.items():
        setattr(webhook, name, list(value) if name == "events" else value)
    history_user_set(webhook, actor)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor=None) -> None:
    """Remove a webhook; its pending deliveries are skipped by the deliverer."""
    history_user_set(webhook, actor)
    webhook.delete()


@transaction.atomic
def delivery_record_attempt(
    *,
    delivery_uuid: str,
    outcome: str,
    response_status: int | None = None,
    error: str = "",
) -> None:
    """What the receiver answered to one attempt (the outbox row keeps the retry state)."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "outcome": outcome,
        "response_status": response_status,
        "last_error": error[:2000],
        "last_attempt_at": now,
    }
    if outcome == WebhookDelivery.Outcome.DELIVERED:
        changes["delivered_at"] = now
    if outcome != WebhookDelivery.Outcome.SKIPPED:
        changes["attempts"] = F("attempts") + 1
    WebhookDelivery.objects.filter(uuid=delivery_uuid).update(**changes)
