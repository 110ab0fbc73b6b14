"""The outbox dispatcher: enqueued right after a commit that wrote outbox rows, and run every
~30 s by beat as the safety net (broker outage, lost task, a retry coming due)."""

from __future__ import annotations

import logging
from time import monotonic

from celery import shared_task
from django.utils import timezone

from notifications import delivery, services

logger = logging.getLogger(__name__)

BATCH = 50
BUDGET_SECONDS = 25.0


@shared_task(ignore_result=True)
def outbox_dispatch() -> int:
    """Deliver due outbox messages in leased batches; returns how many were sent."""
    sent = 0
    started = monotonic()
    while monotonic() - started < BUDGET_SECONDS:
        messages = services.outbox_claim(now=timezone.now(), limit=BATCH)
        if not messages:
            break
        for message in messages:
            deliver = delivery.DELIVERERS.get(message.channel)
            try:
                if deliver is None:
                    raise delivery.DeliveryError(f"no deliverer for channel {message.channel!r}")
                deliver(message.payload)
            except Exception as error:  # any failure of a channel is retried with backoff
                services.outbox_mark_failed(
                    message=message, error=f"{type(error).__name__}: {error}", now=timezone.now()
                )
            else:
                services.outbox_mark_sent(message=message, now=timezone.now())
                sent += 1
    return sent


def dispatch_enqueue() -> None:
    """Enqueue a dispatch without letting a broker outage fail the caller: the committed
    outbox rows wait for the periodic dispatcher."""
    if outbox_dispatch.app.conf.task_always_eager:
        # No broker (development, tests): deliver inline, and let errors show.
        outbox_dispatch.apply()
        return
    try:
        outbox_dispatch.apply_async(retry=False)
    except Exception:
        logger.warning("outbox dispatch not enqueued (broker unavailable)", exc_info=True)
