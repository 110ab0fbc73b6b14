"""Channels that deliver outbox messages: `DELIVERERS` maps an OutboxMessage channel to a
callable taking the message payload. A deliverer returns on success and raises on failure
(the dispatcher then retries with backoff).

The webhook POST belongs to the reseller API: its app installs its callable with
`DELIVERERS["webhook"] = …` (e.g. in `AppConfig.ready`). Until then webhook messages stay in
the outbox, retried and visible in the admin, never dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

Payload = dict[str, Any]


class DeliveryError(Exception):
    """A message could not be delivered; the dispatcher retries it."""


def email_send(payload: Payload) -> None:
    """Send the outbox email format: {"to", "subject", "text", "html", "headers",
    "message_id", "in_reply_to", "references"}. The Message-ID is fixed in the payload, so a
    retried send is recognisable as the same message."""
    headers = {str(name): str(value) for name, value in (payload.get("headers") or {}).items()}
    if payload.get("message_id"):
        headers["Message-ID"] = payload["message_id"]
    if payload.get("in_reply_to"):
        headers["In-Reply-To"] = payload["in_reply_to"]
    if payload.get("references"):
        headers["References"] = " ".join(payload["references"])
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload.get("text") or "",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(payload["to"]),
        headers=headers,
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    message.send(fail_silently=False)


def webhook_not_installed(payload: Payload) -> None:
    raise DeliveryError("no webhook deliverer is installed (notifications.delivery.DELIVERERS)")


DELIVERERS: dict[str, Callable[[Payload], None]] = {
    "email": email_send,
    "webhook": webhook_not_installed,
}
