"""Periodic work of the email channel: read the mailbox, remind waiting customers.
Thin: each task calls a service; the schedule is in django_celery_beat (migration 0002)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from mail import services
from mail.imap import Mailbox, MailboxConfig, MailboxError

logger = logging.getLogger(__name__)


def mailbox_poll_once(config: MailboxConfig | None = None) -> int:
    """Process the unseen mail of the desk's folder; returns how many were taken.

    A mail is marked \\Seen (and moved) only after `inbound_receive` has committed it, so a
    crash between the two leaves it unseen and the next poll takes it again — which the
    Message-ID makes harmless."""
    config = config or MailboxConfig.from_settings()
    if not config.configured:
        logger.info("IMAP_HOST / IMAP_USER not set: mailbox not polled")
        return 0
    taken = 0
    with Mailbox(config) as mailbox:
        for fetched in mailbox.unseen(settings.IMAP_BATCH_SIZE):
            services.inbound_receive(raw=fetched.raw, delivered_at=fetched.delivered_at)
            mailbox.mark_done(fetched.uid)
            taken += 1
    return taken


@shared_task(
    ignore_result=True,
    autoretry_for=(MailboxError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def mailbox_poll() -> int:
    return mailbox_poll_once()


@shared_task(ignore_result=True)
def waiting_reminders_send() -> int:
    return services.reminders_send()
