"""Writes of notifications and outbox messages. Call inside the transaction of the change
that causes them: a rolled-back change then sends nothing, and a committed one is never lost."""

from __future__ import annotations

from typing import Any

from notifications.models import Notification, OutboxMessage


def outbox_enqueue(
    *,
    channel: str,
    dedup_key: str,
    payload: dict[str, Any],
    ticket=None,
) -> tuple[OutboxMessage, bool]:
    """Queue one outgoing message. A second call with the same key (a retried producer, a
    concurrent sweep) queues nothing: the unique key decides, and `created` is False."""
    return OutboxMessage.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={"channel": channel, "payload": payload, "ticket": ticket},
    )


def notification_create(
    *, recipient, title: str, kind: str, body: str = "", ticket=None, dedup_key: str | None = None
) -> tuple[Notification, bool]:
    """An in-app notification; with a `dedup_key`, at most one per recipient."""
    if dedup_key is None:
        return (
            Notification.objects.create(
                recipient=recipient, title=title, kind=kind, body=body, ticket=ticket
            ),
            True,
        )
    return Notification.objects.get_or_create(
        recipient=recipient,
        dedup_key=dedup_key,
        defaults={"title": title, "kind": kind, "body": body, "ticket": ticket},
    )
