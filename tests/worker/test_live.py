"""The worker against the real services: PostgreSQL, Redis and `celery` processes.

Skipped with the reason when PostgreSQL or Redis is absent (CI has both). Transactional
tests commit their data so that the subprocesses, on the same test database, see it."""

from __future__ import annotations

import datetime
import re
import shutil
import signal
import time

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.sweep import tickets_due_between, tickets_fill
from notifications.models import Notification, OutboxMessage
from sla.models import SupportPolicy
from tests.factories import TicketFactory
from tests.worker import live
from tickets import escalation
from tickets.models import Ticket, TicketEvent


# `waits`: these tests spend most of their time waiting on real processes and real deadlines;
# tests/conftest.py starts them first so the waiting overlaps the rest of the suite.
def LIVE(test):
    return pytest.mark.waits(
        pytest.mark.django_db(transaction=True, serialized_rollback=True)(test)
    )


@pytest.fixture(scope="module", autouse=True)
def _database_restored_after_the_module(django_db_blocker):
    """These tests run first (marker `waits`), before the tests that expect the data the
    migrations wrote; a serialized-rollback test leaves the database empty, so the module
    restores it as Django restores it before such a test: from the copy taken at creation."""
    yield
    with django_db_blocker.unblock():
        serialized = getattr(connection, "_test_serialized_contents", None)
        if serialized and not SupportPolicy.objects.exists():
            connection.creation.deserialize_db_from_string(serialized)


@pytest.fixture
def services():
    live.require_postgres()
    live.require_redis()
    live.redis_flush()
    yield
    live.redis_flush()


@pytest.fixture
def template(customer_a, subscription_a, admin_contact_a, supervisor, manager) -> Ticket:
    """An unassigned 重大 ticket opened now (due in an hour) that bulk tickets are cloned from."""
    return TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        severity="critical",
    )


def bulk_due(template: Ticket, count: int, due: datetime.datetime, prefix: str) -> None:
    with transaction.atomic():
        tickets_due_between(
            template_id=template.pk, count=count, first=due, last=due, prefix=prefix
        )


def clones():
    return Ticket.objects.exclude(number__startswith="CS-")


def assert_exactly_once(tickets: int, level_two: int = 0) -> None:
    """One breach event, one event per level, one notification and one email per ticket and
    level (the desk has one supervisor and one manager; the tickets are unassigned)."""
    assert clones().filter(breached_at__isnull=False).count() == tickets
    per_key = TicketEvent.objects.filter(kind__in=["breached", "escalated"]).values(
        "ticket", "dedup_key"
    )
    assert set(per_key.annotate(n=Count("id")).values_list("n", flat=True)) == {1}
    assert TicketEvent.objects.filter(kind="breached").count() == tickets
    assert TicketEvent.objects.filter(kind="escalated").count() == tickets + level_two
    notes = Notification.objects.values("recipient__username").annotate(n=Count("id"))
    expected = (
        {"supervisor": tickets, "manager": level_two} if level_two else {"supervisor": tickets}
    )
    assert {row["recipient__username"]: row["n"] for row in notes} == expected
    assert Notification.objects.values("ticket").distinct().count() == tickets
    assert OutboxMessage.objects.count() == tickets + level_two


SWEEP_AT = """
import sys, time
from tickets.escalation import breaches_mark
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print("breached", breaches_mark().tickets)
"""


@pytest.mark.postgres
@LIVE
def test_four_concurrent_sweeps_mark_escalate_and_notify_each_ticket_once(
    services, template, tmp_path
):
    # given 3,000 due tickets, half of them over an hour late (levels 1 and 2 both due)
    now = timezone.now()
    bulk_due(template, 1500, now - datetime.timedelta(minutes=61), "L")
    bulk_due(template, 1500, now - datetime.timedelta(seconds=10), "S")
    env = live.subprocess_env(SLA_SWEEP_BATCH_SIZE="100")

    # when four sweeps start at the same instant in four processes
    start = str(time.time() + 5)
    with live.processes(tmp_path) as started:
        sweeps = [
            started.start(f"sweep-{n}", [*live.django_script(SWEEP_AT), start], env)
            for n in range(4)
        ]
        for sweep in sweeps:
            assert sweep.wait(timeout=180) == 0, started.log(sweep.name)
        found = [re.search(r"breached (\d+)", started.log(sweep.name)) for sweep in sweeps]
        assert all(found), [started.log(sweep.name)[-2000:] for sweep in sweeps]
        counts = [int(match.group(1)) for match in found if match]

    # then they really ran side by side, and each ticket was claimed by exactly one of them
    assert sum(1 for count in counts if count) >= 2, counts
    assert sum(counts) == 3000
    assert_exactly_once(3000, level_two=1500)
    # and a retried sweep finds nothing left
    assert escalation.breaches_mark().tickets == 0
    assert_exactly_once(3000, level_two=1500)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_sweep_queries_use_the_partial_indexes_not_a_scan_of_tickets(template):
    live.require_postgres()

    # given a realistic table: 20,000 tickets, 95% closed and answered, 100 newly due
    now = timezone.now()
    tickets_fill(template_id=template.pk, total=20_000, due=100, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")

    # when the planner explains every query the sweeps run
    claims = {
        "breach": (escalation.tickets_breach_due, "first_response_due"),
        "at_risk": (escalation.tickets_at_risk_due, "at_risk_at"),
        "escalation": (escalation.tickets_escalation_due, "next_escalation_at"),
    }
    with transaction.atomic():
        explained = {
            name: escalation.claim_queryset(
                queryset(now=now), order_by=order_by, limit=500
            ).explain()
            for name, (queryset, order_by) in claims.items()
        }
        due = escalation._claim(escalation.tickets_breach_due(now=now), order_by="pk", limit=500)
    with CaptureQueriesContext(connection) as upcoming:
        escalation.deadlines_upcoming(now=now)
    with connection.cursor() as cursor:
        for number, query in enumerate(upcoming.captured_queries):
            cursor.execute("EXPLAIN " + query["sql"])
            explained[f"upcoming-{number}"] = "\n".join(row[0] for row in cursor.fetchall())

    # then none reads the whole tickets table, and each uses its partial index
    assert len(due) == 100
    for name, plan in explained.items():
        assert "Seq Scan on tickets_ticket" not in plan, f"{name}:\n{plan}"
    assert "ticket_due_unanswered" in explained["breach"], explained["breach"]
    assert "ticket_at_risk_pending" in explained["at_risk"], explained["at_risk"]
    assert "ticket_next_escalation" in explained["escalation"], explained["escalation"]
    assert "ticket_due_unanswered" in explained["upcoming-0"], explained["upcoming-0"]
    assert "ticket_next_escalation" in explained["upcoming-1"], explained["upcoming-1"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_target_sweeps_claim_through_their_partial_indexes_not_a_scan(template):
    from bench.targets import clocks_fill
    from tickets import clocks
    from tickets.models import TicketClock

    live.require_postgres()

    # given 20,000 tickets with their two target clocks each, 100 of them newly due
    now = timezone.now()
    TicketClock.objects.all().delete()
    tickets_fill(template_id=template.pk, total=20_000, due=34, now=now)
    clocks_fill(due_next_reply=33, due_resolution=33, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")

    # when the planner explains each claim of the target sweeps, as the sweeps run them
    claims = {
        "breach": (clocks.q_target_breach_due, "due"),
        "at_risk": (clocks.q_target_at_risk_due, "at_risk_at"),
        "escalation": (clocks.q_target_escalation_due, "next_escalation_at"),
    }
    explained = {}
    with transaction.atomic():
        for name, (condition, order_by) in claims.items():
            with CaptureQueriesContext(connection) as claim:
                escalation._claim_clocks(condition(now=now), order_by=order_by, limit=500)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + claim.captured_queries[-1]["sql"])
                explained[name] = "\n".join(row[0] for row in cursor.fetchall())

    # then none reads a whole table, and each uses its own partial index
    for name, plan in explained.items():
        assert "Seq Scan on tickets_ticketclock" not in plan, f"{name}:\n{plan}"
        assert "Seq Scan on tickets_ticket " not in plan, f"{name}:\n{plan}"
    assert "clock_due_pending" in explained["breach"], explained["breach"]
    assert "clock_at_risk_pending" in explained["at_risk"], explained["at_risk"]
    assert "clock_next_escalation" in explained["escalation"], explained["escalation"]
    # and the sweep breaches exactly the due clocks
    assert escalation.target_breaches_mark(now=now).tickets == 66


OUTAGE = """
import datetime
from django.contrib.auth import get_user_model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tickets.escalation import breaches_mark
from tickets.models import Message, Ticket
from tickets.services import message_add, ticket_open

template = Ticket.objects.get(number__startswith="CS-")
# a phone call logged late: received an hour and a minute ago, already past its deadline
ticket = ticket_open(
    customer=template.customer, subscription=template.subscription,
    requester=template.requester, severity="critical", category=template.category,
    subject="Redis 停止中の起票", description="停止中でも受け付ける", channel="phone",
    submitted_at=timezone.now() - datetime.timedelta(minutes=61),
)
message_add(ticket=template, kind=Message.Kind.REPLY, body="確認しています。",
            author_user=get_user_model().objects.get(username="supervisor"))
print("breached", breaches_mark().tickets)
print("ok", ticket.number)
"""


@pytest.mark.postgres
@LIVE
def test_with_redis_down_tickets_and_replies_succeed_and_notifications_go_out_after(
    services, template, tmp_path
):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server to stage an outage")
    # given a worker and beat on their own Redis, beat dispatching the outbox every 2 s for the
    # test, both under a process supervisor as in production (docker-compose restarts them);
    # each enqueue gives up on a dead broker after a 1 s connect timeout (3 s by default: the
    # same code path, a third of the wait)
    port = live.free_port()
    env = live.subprocess_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        OUTBOX_DISPATCH_SECONDS="2",
        BROKER_CONNECT_TIMEOUT_SECONDS="1",
    )
    with live.processes(tmp_path) as started:
        redis_server = started.redis(port)
        started.worker("worker", env, supervised=True)
        started.beat("beat", env, supervised=True)

        # when Redis stops, and a ticket is opened, a reply sent and a breach marked
        started.kill(redis_server)
        began = time.monotonic()
        outage = started.start("outage", live.django_script(OUTAGE), env)
        assert outage.wait(timeout=60) == 0, started.log("outage")
        took = time.monotonic() - began

        # then all of it succeeded, quickly, and the notifications wait in the outbox
        assert "ok CS-" in started.log("outage"), started.log("outage")
        assert "breached 1" in started.log("outage")
        # "Quickly": each enqueue gives up on the dead broker after its connection retries
        # (about 2 s each at the 1 s timeout, three steps here, plus a Django start-up on a busy
        # machine); the bound catches a request that hangs on the broker, not a slower machine.
        assert took < 30, took
        template.refresh_from_db()
        assert template.first_responded_at is not None
        pending = list(OutboxMessage.objects.filter(channel="email"))
        assert pending, "the breach queued no email"
        assert {m.status for m in pending} == {"pending"}

        # and when Redis is back they go out without anyone's help
        started.redis(port)
        sent = live.wait_until(
            lambda: (
                not OutboxMessage.objects.filter(channel="email").exclude(status="sent").exists()
            ),
            timeout=120,
            interval=1,
        )
        assert sent, started.log("worker")[-4000:] + started.log("beat")[-2000:]
        message_id = pending[0].payload["message_id"]
        assert message_id in started.log("worker")


@pytest.mark.postgres
@LIVE
def test_a_worker_killed_mid_sweep_leaves_nothing_half_done_and_the_next_sweep_finishes(
    services, template, tmp_path
):
    # given 2,000 due tickets and a worker sweeping them five at a time
    total = 2000
    bulk_due(template, total, timezone.now() - datetime.timedelta(seconds=10), "K")
    env = live.subprocess_env(SLA_SWEEP_BATCH_SIZE="5")
    breached = clones().filter(breached_at__isnull=False)
    with live.processes(tmp_path) as started:
        # a starting worker sweeps at once
        worker = started.worker("worker-1", env, concurrency=1)
        assert live.wait_until(lambda: breached.count() >= 50, timeout=60, interval=0.05)

        # when the worker is killed with SIGKILL in the middle of the sweep
        started.kill(worker, signal.SIGKILL)
        done = breached.count()
        assert 0 < done < total, f"the sweep was not interrupted ({done} of {total})"

        # then every ticket marked has all of its writes, and no other ticket has any
        assert_exactly_once(done)

        # and the next sweep (a new worker, at the default batch size: the small one was for
        # stopping the first sweep in its middle) finishes the rest, once
        started.worker("worker-2", live.subprocess_env())
        assert live.wait_until(lambda: breached.count() == total, timeout=180, interval=0.5)
    assert_exactly_once(total)


OPEN_SOON = """
import datetime
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tickets.models import Ticket
from tickets.services import ticket_open

template = Ticket.objects.get(number__startswith="CS-")
ticket = ticket_open(
    customer=template.customer, subscription=template.subscription,
    requester=template.requester, severity="critical", category=template.category,
    subject="期限間近の起票", description="受付から 59 分 50 秒後に記録", channel="phone",
    submitted_at=timezone.now() - datetime.timedelta(minutes=59, seconds=50),
)
print("due", ticket.first_response_due.isoformat())
"""


@pytest.mark.postgres
@LIVE
def test_breaches_are_marked_within_seconds_of_their_deadlines(services, template, tmp_path):
    # given 20 tickets falling due 10–16 s from now (time for a worker to start, about 5 s:
    # the deadlines are real, so the test lasts as long as the latest of them)
    now = timezone.now()
    with transaction.atomic():
        tickets_due_between(
            template_id=template.pk,
            count=20,
            first=now + datetime.timedelta(seconds=10),
            last=now + datetime.timedelta(seconds=16),
            prefix="T",
        )
    env = live.subprocess_env()

    # when a worker and beat start, and a ticket due in 10 s is opened meanwhile (its
    # exact-time check waits in Redis until the worker is up)
    with live.processes(tmp_path) as started:
        opened = started.start("open", live.django_script(OPEN_SOON), env)
        started.worker("worker", env)
        started.beat("beat", env)
        assert opened.wait(timeout=60) == 0, started.log("open")
        assert live.wait_until(
            lambda: (
                not Ticket.objects.filter(
                    breached_at__isnull=True, first_response_due__lt=timezone.now()
                ).exists()
                and Ticket.objects.filter(breached_at__isnull=False).count() == 21
            ),
            timeout=120,
            interval=0.5,
        ), started.log("worker")[-4000:]

    # then each was marked breached less than 5 s after its deadline
    delays = [
        (breached_at - due).total_seconds()
        for breached_at, due in Ticket.objects.filter(breached_at__isnull=False).values_list(
            "breached_at", "first_response_due"
        )
        if breached_at is not None and due is not None
    ]
    assert len(delays) == 21
    assert all(0 <= delay < 5 for delay in delays), sorted(delays)


@pytest.mark.postgres
@LIVE
def test_internal_targets_falling_due_are_breached_by_the_worker_within_seconds_once(
    services, template, agent, tmp_path
):
    from sla.models import EscalationRule
    from tickets.models import TicketClock
    from webhooks.models import Webhook, WebhookDelivery

    # given the 重大 ticket, assigned to an agent, its next reply due 10 s from now and its
    # resolution 13 s from now
    # (real deadlines: the worker's clock is not frozen, so the test waits for them), and a
    # reseller webhook subscribed to the targets' breaches
    now = timezone.now()
    next_reply_due = now + datetime.timedelta(seconds=10)
    resolution_due = now + datetime.timedelta(seconds=13)
    with transaction.atomic():
        Ticket.objects.filter(pk=template.pk).update(assignee=agent)
        TicketClock.objects.filter(ticket=template, target="next_reply").update(
            target_kind="wall_minutes",
            target_value=120,
            started_at=next_reply_due - datetime.timedelta(minutes=120),
            due=next_reply_due,
            at_risk_at=None,
        )
        TicketClock.objects.filter(ticket=template, target="resolution").update(
            due=resolution_due, at_risk_at=None
        )
        Webhook.objects.create(
            reseller_id=template.reseller_id,
            url="https://hooks.example.com/sla",
            secret="s" * 32,
            events=["ticket.sla_breached"],
        )
    assert (
        EscalationRule.objects.filter(
            target__in=["next_reply", "resolution"], severity="critical", level=1, delay_minutes=0
        ).count()
        == 2
    )
    env = live.subprocess_env()
    clocks = TicketClock.objects.filter(ticket=template, target__in=["next_reply", "resolution"])

    # when a worker and beat run (the worker's start-up sweep arms the exact-time checks)
    with live.processes(tmp_path) as started:
        started.worker("worker", env)
        started.beat("beat", env)
        assert live.wait_until(
            lambda: clocks.filter(breached_at__isnull=False).count() == 2,
            timeout=120,
            interval=0.5,
        ), started.log("worker")[-4000:]

    # then each target was marked breached less than 5 s after its due instant
    delays = {
        clock.target: (clock.breached_at - clock.due).total_seconds()
        for clock in clocks
        if clock.breached_at is not None and clock.due is not None
    }
    assert set(delays) == {"next_reply", "resolution"}
    assert all(0 <= delay < 5 for delay in delays.values()), delays
    # exactly once: one breach event and one level-1 escalation per target, from its own rows
    events = TicketEvent.objects.filter(ticket=template)
    breaches = events.filter(kind="sla_breached")
    assert sorted(event.data["target"] for event in breaches) == ["next_reply", "resolution"]
    escalated = events.filter(kind="escalated")
    assert sorted((e.data["target"], e.data["level"]) for e in escalated) == [
        ("next_reply", 1),
        ("resolution", 1),
    ]
    assert all(clock.escalation_level == 1 for clock in clocks)
    # the assignee was told of each breach, the supervisors of each level, once
    notes = Notification.objects.filter(ticket=template)
    assert sorted(notes.values_list("recipient__username", "kind")) == [
        ("agent", "sla_breached"),
        ("agent", "sla_breached"),
        ("supervisor", "escalated"),
        ("supervisor", "escalated"),
    ]
    # and the reseller's webhook got one delivery per breach
    deliveries = WebhookDelivery.objects.filter(ticket=template, event="ticket.sla_breached")
    assert set(deliveries.values_list("ticket_event_id", flat=True)) == set(
        breaches.values_list("id", flat=True)
    )
    assert deliveries.count() == 2
    # a retried sweep finds nothing left
    assert escalation.target_breaches_mark().tickets == 0
    assert events.filter(kind="sla_breached").count() == 2
