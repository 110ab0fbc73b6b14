"""The outbox dispatcher and the email channel: delivered and marked sent, retried with
backoff, given up after the last attempt, retried by an admin."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from notifications import delivery, services
from notifications.models import OutboxMessage
from notifications.tasks import outbox_dispatch
from sla.calendars import TOKYO

NOW = datetime.datetime(2026, 6, 9, 10, 0, tzinfo=TOKYO)
PAYLOAD = {
    "to": ["supervisor@example.jp"],
    "subject": "【重大】CS-2026-000001 初回応答期限を超過しました",
    "text": "件名: メールが送信できない",
    "html": "<p>件名: メールが送信できない</p>",
    "headers": {"X-Helpdesk-Ticket": "CS-2026-000001"},
    "message_id": "<alert.1@example.jp>",
    "in_reply_to": "<first@example.jp>",
    "references": ["<root@example.jp>", "<first@example.jp>"],
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def enqueue(key: str = "alert-1", channel: str = "email") -> OutboxMessage:
    return services.outbox_enqueue(channel=channel, dedup_key=key, payload=PAYLOAD)[0]


def test_email_is_sent_with_its_threading_headers_and_marked_sent(frozen):
    message = enqueue()

    assert outbox_dispatch() == 1

    message.refresh_from_db()
    assert (message.status, message.sent_at, message.attempts) == ("sent", NOW, 1)
    [sent] = mail.outbox
    assert sent.to == ["supervisor@example.jp"]
    assert sent.subject == PAYLOAD["subject"]
    assert sent.body == PAYLOAD["text"]
    assert isinstance(sent, mail.EmailMultiAlternatives)
    assert sent.alternatives[0][0] == PAYLOAD["html"]
    headers = sent.message()
    assert headers["Message-ID"] == "<alert.1@example.jp>"
    assert headers["In-Reply-To"] == "<first@example.jp>"
    assert headers["References"] == "<root@example.jp> <first@example.jp>"
    assert headers["X-Helpdesk-Ticket"] == "CS-2026-000001"


def test_a_second_enqueue_with_the_same_key_queues_nothing():
    first, created = services.outbox_enqueue(channel="email", dedup_key="k", payload=PAYLOAD)
    again, created_again = services.outbox_enqueue(channel="email", dedup_key="k", payload={})

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert OutboxMessage.objects.count() == 1


def test_a_failed_send_is_retried_with_backoff_then_given_up(frozen, monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3

    def broken(payload):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setitem(delivery.DELIVERERS, "email", broken)
    message = enqueue()

    # first attempt fails: next in 30 s
    assert outbox_dispatch() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == NOW + datetime.timedelta(seconds=30)
    assert message.last_error == "ConnectionRefusedError: smtp down"
    # not due yet: nothing is tried
    outbox_dispatch()
    message.refresh_from_db()
    assert message.attempts == 1
    # second attempt after 30 s fails: next in 60 s
    frozen.move_to(NOW + datetime.timedelta(seconds=30))
    outbox_dispatch()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == NOW + datetime.timedelta(seconds=90)
    # third and last attempt fails: given up
    frozen.move_to(NOW + datetime.timedelta(seconds=90))
    outbox_dispatch()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert mail.outbox == []


def test_retry_now_makes_a_failed_message_due_and_it_goes_out(frozen):
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed", attempts=10)

    count = services.outbox_retry_now(message_ids=[message.pk])
    outbox_dispatch()

    message.refresh_from_db()
    assert count == 1
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_a_sent_message_is_never_retried():
    message = enqueue()
    outbox_dispatch()

    assert services.outbox_retry_now(message_ids=[message.pk]) == 0
    outbox_dispatch()

    assert len(mail.outbox) == 1


def test_webhooks_wait_in_the_outbox_while_no_deliverer_is_installed(frozen, monkeypatch):
    monkeypatch.setitem(delivery.DELIVERERS, "webhook", delivery.webhook_not_installed)
    message = enqueue(key="hook-1", channel="webhook")

    outbox_dispatch()

    message.refresh_from_db()
    assert message.status == "pending"
    assert message.last_error.startswith("DeliveryError: no webhook deliverer")


def test_a_committed_enqueue_dispatches_right_away(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()

    message.refresh_from_db()
    assert message.status == "sent"
    assert len(mail.outbox) == 1


# Beat closes the database connection as it sets up, as a long-running process should: the test
# commits instead of running in a transaction that the close would end.
@pytest.mark.django_db(transaction=True)
def test_beat_writes_the_schedules_of_the_settings_into_the_database_and_keeps_a_pause(
    settings,
):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from helpdesk.celery import app

    # given an empty schedule table (no migration writes schedules any more)
    assert not PeriodicTask.objects.exclude(name="celery.backend_cleanup").exists()

    # when beat starts, then an admin pauses the mailbox poll, and beat starts again
    DatabaseScheduler(app=app).setup_schedule()
    PeriodicTask.objects.filter(task="mail.tasks.mailbox_poll").update(enabled=False)
    DatabaseScheduler(app=app).setup_schedule()

    # then every schedule of CELERY_BEAT_SCHEDULE is in the database with its interval, and the
    # pause stands
    schedules = {
        task.task: (task.interval.every, task.interval.period, task.expire_seconds, task.enabled)
        for task in PeriodicTask.objects.exclude(name="celery.backend_cleanup").select_related(
            "interval"
        )
    }
    assert schedules == {
        "sla.tasks.breach_sweep": (60, "seconds", 55, True),
        "sla.tasks.escalation_sweep": (60, "seconds", 55, True),
        "sla.tasks.at_risk_sweep": (60, "seconds", 55, True),
        "notifications.tasks.outbox_dispatch": (30, "seconds", 25, True),
        "mail.tasks.mailbox_poll": (60, "seconds", 55, False),
        "mail.tasks.waiting_reminders_send": (900, "seconds", 895, True),
        "microsoft.tasks.partner_center_sync_all": (3600, "seconds", 3595, True),
        "microsoft.tasks.gdap_sync_all": (3600, "seconds", 3595, True),
        "microsoft.tasks.service_requests_poll_all": (300, "seconds", 295, True),
        "microsoft.tasks.service_health_sync_all": (300, "seconds", 295, True),
        "reports.tasks.monthly_reports_send": (3600, "seconds", 3595, True),
    }
    assert set(settings.CELERY_BEAT_SCHEDULE) == set(
        PeriodicTask.objects.exclude(name="celery.backend_cleanup").values_list("name", flat=True)
    )


def test_every_scheduled_task_is_a_registered_task(settings):
    from helpdesk.celery import app

    app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)


def test_no_migration_writes_beat_schedules():
    """The schedules have one home, the setting: a migration that wrote them would be a second."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for path in root.glob("*/migrations/*.py")
        if "PeriodicTask" in path.read_text(encoding="utf-8")
    ]
    assert writers == []
