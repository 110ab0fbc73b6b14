"""Benchmark of the sweep over all SLA targets (issue 11): `python -m bench.targets
[--size 1000000] [--due 1000]`.

Needs PostgreSQL (DATABASE_URL); works in its own `<name>_bench` database, as `bench.sweep`.
It fills `--size` tickets (about 95% closed) with their two internal-target clocks each
(`INSERT … SELECT`, no ORM objects), of which `--due` fall due in the last minute, split across
the three targets (the terms' first response, next reply, resolution). Then it times one
sweep over all targets — `breaches_mark` and `target_breaches_mark`, as the worker's minute
task runs them — counts its SQL statements, runs it again to show that nothing is marked
twice, and prints the plans (`EXPLAIN`) of the state filters the queues and the API use.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bench.sweep import _bench_database_url, _recreate_database, _reset, desk_create, tickets_fill


def _database_exists(maintenance_url: str, name: str) -> bool:
    from urllib.parse import urlsplit

    import psycopg2

    parts = urlsplit(maintenance_url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


TARGET_SWEEP_SECONDS = 1.0


def clocks_fill(*, due_next_reply: int, due_resolution: int, now: datetime) -> None:
    """Two clocks per ticket: the resolution (fulfilled on closed tickets, running on open
    ones, due in days) and the next reply (idle on most; running on a tenth of the open ones).
    The first `due_*` open tickets after the first-response ones get a clock due in the last
    minute."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH open_tickets AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n
                FROM tickets_ticket WHERE status = 'new' AND first_response_due > %(now)s
            )
            INSERT INTO tickets_ticketclock (
                ticket_id, target, target_kind, target_value, pauses_on_customer,
                pauses_on_microsoft, started_at, due, at_risk_at, paused_since, paused_status,
                paused_seconds, fulfilled_at, stopped_at, breached_at, at_risk_notified_at,
                escalation_level, next_escalation_at, explanation
            )
            SELECT t.id, 'resolution', 'business_day_end', 2, true, true, t.submitted_at,
                   CASE WHEN o.n BETWEEN 1 AND %(resolution)s
                        THEN %(now)s - (o.n * interval '50 milliseconds')
                        ELSE t.submitted_at + interval '3 days' END,
                   NULL::timestamptz, NULL::timestamptz, '', 0,
                   CASE WHEN t.status = 'closed' THEN t.closed_at END,
                   NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, 0,
                   NULL::timestamptz, '[]'::jsonb
            FROM tickets_ticket t LEFT JOIN open_tickets o ON o.id = t.id
            UNION ALL
            SELECT t.id, 'next_reply', 'wall_minutes', 120, true, false,
                   CASE WHEN o.n IS NOT NULL AND (o.n > %(resolution)s AND
                        (o.n <= %(resolution)s + %(next_reply)s OR o.n %% 10 = 0))
                        THEN t.submitted_at END,
                   CASE WHEN o.n > %(resolution)s AND o.n <= %(resolution)s + %(next_reply)s
                        THEN %(now)s - (o.n * interval '50 milliseconds')
                        WHEN o.n %% 10 = 0 THEN %(now)s + interval '2 hours' END,
                   NULL, NULL, '', 0, NULL, NULL, NULL, NULL, 0, NULL, '[]'::jsonb
            FROM tickets_ticket t LEFT JOIN open_tickets o ON o.id = t.id
            """,
            {"now": now, "resolution": due_resolution, "next_reply": due_next_reply},
        )
        cursor.execute("ANALYZE tickets_ticketclock")


def rearm(*, size: int) -> bool:
    """Reuse a bench database filled by an earlier run (`--reuse`): when it holds `size`
    tickets, forget what the last sweep wrote (breaches, levels, their events, notifications,
    emails and history rows) so that the same rows — due in the past since the fill — are due
    again. Building a million tickets takes minutes; this takes seconds. False: fill afresh."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        if cursor.fetchone()[0] != size + 1:  # + the template
            return False
        cursor.execute(
            "UPDATE tickets_ticket SET breached_at = NULL, escalation_level = 0, "
            "next_escalation_at = NULL WHERE breached_at IS NOT NULL AND closed_at IS NULL"
        )
        cursor.execute(
            "UPDATE tickets_ticketclock SET breached_at = NULL, escalation_level = 0, "
            "next_escalation_at = NULL WHERE breached_at IS NOT NULL"
        )
        cursor.execute(
            "TRUNCATE notifications_notification, notifications_outboxmessage, "
            "tickets_historicalticket, tickets_historicalticketclock CASCADE"
        )
        cursor.execute(
            "DELETE FROM tickets_ticketevent WHERE kind IN ('breached', 'escalated', "
            "'sla_breached')"
        )
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_ticketclock")
        cursor.execute("VACUUM ANALYZE tickets_ticketevent")
    return True


def sweep_all_timed(
    now: datetime, statements: list[tuple[float, str]] | None = None
) -> tuple[float, int, int, int]:
    """(seconds, SQL statements, first responses breached, internal targets breached); the
    statements' own times go to `statements`, if given."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import escalation

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        terms = escalation.breaches_mark(now=now)
        internal = escalation.target_breaches_mark(now=now)
        elapsed = time.perf_counter() - started
    if statements is not None:
        statements.extend((float(q["time"]), q["sql"]) for q in queries.captured_queries)
    return elapsed, len(queries.captured_queries), terms.tickets, internal.tickets


def plans(now: datetime) -> list[tuple[str, str]]:
    """The EXPLAIN of each state filter of the queues and the API."""
    from django.db.models import QuerySet

    from sla.deadlines import SlaState
    from tickets import clocks
    from tickets.models import Ticket, TicketClock

    def explain(queryset: QuerySet) -> str:
        return queryset.explain()

    open_tickets = Ticket.objects.filter(clocks.q_open())
    return [
        (
            "queue 期限超過 (open, first response breached), first page",
            explain(
                open_tickets.filter(clocks.q_first_response(SlaState.BREACHED, now=now))
                .order_by("first_response_due")
                .values("id")[:50]
            ),
        ),
        (
            "queue 期限間近 (open, first response at risk), first page",
            explain(
                open_tickets.filter(clocks.q_first_response(SlaState.AT_RISK, now=now))
                .order_by("first_response_due")
                .values("id")[:50]
            ),
        ),
        (
            "API sla_target=next_reply&sla_state=breached, first page",
            explain(
                Ticket.objects.filter(
                    clocks.q_tickets_with_target("next_reply", SlaState.BREACHED, now=now)
                )
                .order_by("-received_at")
                .values("id")[:50]
            ),
        ),
        (
            "target breach sweep claim",
            explain(
                TicketClock.objects.filter(clocks.q_target_breach_due(now=now))
                .order_by("due")
                .values("id")[:500]
            ),
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--explain", action="store_true", help="print the query plans in full")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the bench database of an earlier run of the same --size (re-arms its due rows)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="print the slowest statements of the sweep"
    )
    options = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("bench.targets needs DATABASE_URL=postgres://… (PostgreSQL)", file=sys.stderr)
        return 2
    bench_url, bench_name, maintenance_url = _bench_database_url(database_url)
    if not (options.reuse and _database_exists(maintenance_url, bench_name)):
        _recreate_database(maintenance_url, bench_name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from notifications import tasks as notification_tasks

    notification_tasks.outbox_dispatch.app.conf.task_always_eager = False
    notification_tasks.outbox_dispatch.apply_async = lambda *args, **kwargs: None  # type: ignore[method-assign,assignment]
    # Warm: imports, catalogues and the connection, before any timing.
    sweep_all_timed(datetime.now(UTC) - timedelta(days=1))

    per_target = options.due // 3
    first_response = options.due - 2 * per_target
    started = time.perf_counter()
    reused = options.reuse and rearm(size=options.size)
    if not reused:
        template = desk_create()
        _reset(template.pk)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_ticketclock")
        now = datetime.now(UTC)
        tickets_fill(template_id=template.pk, total=options.size, due=first_response, now=now)
        clocks_fill(due_next_reply=per_target, due_resolution=per_target, now=now)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT count(*) FROM tickets_ticketclock")
        clock_rows = cursor.fetchone()[0]
    built = time.perf_counter() - started

    print(
        f"bench.targets on {bench_name}: {options.size:,} tickets, {clock_rows:,} target clocks "
        f"({'re-armed' if reused else 'built'} in {built:.1f} s); due: {first_response} first "
        f"responses, {per_target} next replies, {per_target} resolutions",
        flush=True,
    )
    timed: list[tuple[float, str]] = []
    elapsed, statements, terms, internal = sweep_all_timed(datetime.now(UTC), timed)
    verdict = "meets" if elapsed < TARGET_SWEEP_SECONDS else "misses"
    print(
        f"one sweep over all targets: {elapsed:.3f} s, {statements} SQL statements, "
        f"{terms} first responses + {internal} internal targets breached — {verdict} the "
        "target of < 1 s"
    )
    if options.statements:
        for seconds, sql in sorted(timed, reverse=True)[:8]:
            print(f"  {seconds:.3f} s  {sql[:160]}")
    again, statements_again, terms_again, internal_again = sweep_all_timed(datetime.now(UTC))
    print(
        f"the same sweep again: {again:.3f} s, {statements_again} statements, "
        f"{terms_again + internal_again} breached (exactly once)"
    )
    for title, plan in plans(datetime.now(UTC)):
        lines = plan.splitlines()
        indexes = sorted(
            {line.split(" using ")[1].split()[0] for line in lines if " using " in line}
        )
        print(f"EXPLAIN {title}: {', '.join(indexes) or 'no index'}")
        if options.explain:
            print("  " + "\n  ".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
