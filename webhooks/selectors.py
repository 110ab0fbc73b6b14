"""Reads of webhooks: a reseller sees only its own webhooks and their deliveries."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import access_of
from webhooks.models import Webhook, WebhookDelivery


def webhooks_visible_to(user) -> QuerySet[Webhook]:
    access = access_of(user)
    if not access.is_reseller or access.reseller_id is None:
        return Webhook.objects.none()
    return Webhook.objects.filter(reseller_id=access.reseller_id).order_by("id")


def deliveries_of(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("outbox", "ticket")
        .order_by("-created_at", "-id")
    )
