"""Reads of webhooks: a reseller sees only its own webhooks and their deliveries."""

from __future__ import annotations

from django.db.models import QuerySet

from helpdesk.api import caller_reseller_id
from webhooks.models import Webhook, WebhookDelivery


def webhooks_visible_to(user) -> QuerySet[Webhook]:
    reseller_id = caller_reseller_id(user) if user.is_authenticated else None
    if reseller_id is None:
        return Webhook.objects.none()
    return Webhook.objects.filter(reseller_id=reseller_id).order_by("id")


def deliveries_of(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("outbox", "ticket")
        .order_by("-created_at", "-id")
    )
