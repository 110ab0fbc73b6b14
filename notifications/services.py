"""Writes of notifications and outbox messages. Call inside the transaction of the change
that causes them: a rolled-back change then sends nothing, and a committed one is never lost.

Delivery: `outbox_claim` leases due messages (a short transaction with SKIP LOCKED), the
dispatcher task sends each one outside any transaction and records the outcome with
`outbox_mark_sent` / `outbox_mark_failed`. A worker killed between the send and the mark
leaves a lease that expires, and the message is sent again with the same Message-ID
(at-least-once; receivers deduplicate on it)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from notifications.models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 300))


def outbox_backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at 1 hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def outbox_dispatch_on_commit() -> None:
    """Ask a worker to deliver the outbox right after this transaction commits. Best effort:
    with the broker down the periodic dispatcher delivers later, and the change stands."""
    from notifications.tasks import dispatch_enqueue

    transaction.on_commit(dispatch_enqueue)


def outbox_enqueue(
    *,
    channel: str,
    dedup_key: str,
    payload: dict[str, Any],
    ticket=None,
) -> tuple[OutboxMessage, bool]:
    """Queue one outgoing message. A second call with the same key (a retried producer, a
    concurrent sweep) queues nothing: the unique key decides, and `created` is False."""
    message, created = OutboxMessage.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "channel": channel,
            "payload": payload,
            "ticket": ticket,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        outbox_dispatch_on_commit()
    return message, created


def outbox_claim(*, now: datetime.datetime, limit: int = 50) -> list[OutboxMessage]:
    """Lease up to `limit` due messages to this worker: their next attempt moves past the
    lease, so no other dispatcher takes them while this one sends."""
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING)
            .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                attempts=F("attempts") + 1, next_attempt_at=now + _lease()
            )
            for message in messages:
                message.attempts += 1
    return messages


def outbox_mark_sent(*, message: OutboxMessage, now: datetime.datetime) -> None:
    OutboxMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(
        status=Status.SENT, sent_at=now, next_attempt_at=None, last_error=""
    )


def outbox_mark_failed(*, message: OutboxMessage, error: str, now: datetime.datetime) -> None:
    """Schedule the next attempt with backoff, or give up after OUTBOX_MAX_ATTEMPTS (an admin
    can still retry it)."""
    changes: dict[str, Any]
    if message.attempts >= _max_attempts():
        changes = {"status": Status.FAILED, "next_attempt_at": None}
        logger.error("outbox %s failed for good: %s", message.dedup_key, error)
    else:
        changes = {"next_attempt_at": now + outbox_backoff(message.attempts)}
        logger.warning(
            "outbox %s attempt %s failed: %s", message.dedup_key, message.attempts, error
        )
    OutboxMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(
        last_error=error[:2000], **changes
    )


@transaction.atomic
def outbox_retry_now(*, message_ids: list[int], now: datetime.datetime | None = None) -> int:
    """An admin's "retry now": pending or failed messages become due at once, with a fresh
    count of attempts. Sent messages are left alone."""
    now = now or timezone.now()
    count = OutboxMessage.objects.filter(
        pk__in=message_ids, status__in=[Status.PENDING, Status.FAILED]
    ).update(status=Status.PENDING, next_attempt_at=now, attempts=0)
    if count:
        outbox_dispatch_on_commit()
    return count


def in_each_language(render: Callable[[], str]) -> dict[str, str]:
    """What `render` says in each of the site's languages (it reads gettext), so that a
    notification shows in its reader's language whichever language wrote it."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(render())
    return rendered


def notification_create(
    *,
    recipient,
    title: str | Callable[[], str],
    kind: str,
    body: str = "",
    ticket=None,
    dedup_key: str | None = None,
) -> tuple[Notification, bool]:
    """An in-app notification; with a `dedup_key`, at most one per recipient. A `title` given
    as a function (of gettext) is written in every language, shown in the reader's."""
    titles: dict[str, str] = {}
    if callable(title):
        titles = in_each_language(title)
        title = titles.get(settings.LANGUAGE_CODE[:2]) or next(iter(titles.values()))
    fields = {"title": title, "titles": titles, "kind": kind, "body": body, "ticket": ticket}
    if dedup_key is None:
        return Notification.objects.create(recipient=recipient, **fields), True
    return Notification.objects.get_or_create(
        recipient=recipient, dedup_key=dedup_key, defaults=fields
    )


def notification_mark_read(
    *, user, notification_id: int, now: datetime.datetime | None = None
) -> bool:
    """Mark one of the user's own notifications read; someone else's is "not found"."""
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=now or timezone.now())
    return updated == 1 or Notification.objects.filter(pk=notification_id, recipient=user).exists()


def notifications_mark_all_read(*, user, now: datetime.datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def notifications_mark_read_for_ticket(
    *, user, ticket, now: datetime.datetime | None = None
) -> int:
    """Opening a ticket reads the user's unread notifications about it (one UPDATE)."""
    return Notification.objects.filter(recipient=user, ticket=ticket, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
