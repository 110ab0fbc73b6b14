"""Benchmark of the reports: `python -m bench.reports [--tickets 1000000] [--runs 5]`.

Needs PostgreSQL (DATABASE_URL). It never touches the configured database: it creates
`<name>_reports_bench` next to it (dropped first), migrates it, and fills it with
`INSERT … SELECT … FROM generate_series` (no ORM objects): `--tickets` tickets received over
the 24 months 2025-01 … 2026-12 across 20 resellers × 5 customers, a mix of severities (重大
with a 1-hour deadline, 高 with one a day later, 重大でない with none), answered on time, late
or not at all, mostly closed, some refused and reopened-free. Then it times a month's report
(2026-11: the page's whole, then grouped by customer, and the reseller API's month for one
reseller) and counts its SQL statements. Target: ≤ 1 s for a month over 1,000,000 tickets.

Each ticket also gets its internal targets' clocks (`clocks_fill`: a next-reply clock not
started, and a 3-day resolution clock fulfilled at its resolution, stopped by a refusal, or
still running), and the business seconds the reports read are stored by
`reports.services.business_seconds_backfill` as for a database from before the columns.
`--reuse` times an existing bench database again (adding what an older bench did not build).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

TARGET_SECONDS = 1.0
RESELLERS = 20
CUSTOMERS_PER_RESELLER = 5


def _bench_database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_reports_bench"
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
        urlunsplit(parts._replace(path="/postgres")),
    )


def _customers(template) -> tuple[list[int], list[int]]:
    """(customer ids, their reseller ids), in the same order."""
    from contracts.models import Customer, Reseller

    customer_ids, reseller_ids = [], []
    for r in range(RESELLERS):
        reseller, _ = Reseller.objects.get_or_create(
            code=f"bench-{r}", defaults={"name": f"ベンチリセラー{r:02d}株式会社"}
        )
        for c in range(CUSTOMERS_PER_RESELLER):
            customer = Customer.objects.create(
                reseller=reseller,
                name=f"ベンチ顧客{r:02d}-{c}株式会社",
                primary_domain=f"bench{r}-{c}.onmicrosoft.com",
                delegated_access="active",
            )
            customer_ids.append(customer.pk)
            reseller_ids.append(reseller.pk)
    return customer_ids, reseller_ids


def tickets_fill(*, template_id: int, total: int, customers: list[int], resellers: list[int]):
    from django.db import connection

    from bench.sweep import _column_list

    span_seconds = 730 * 86400
    received = (
        f"(timestamptz '2025-01-01 00:00+09' + (g::bigint * {span_seconds} / {total}) "
        "* interval '1 second')"
    )
    severity = (
        "(CASE WHEN (g::bigint * 7919) %% 10 < 2 THEN 'critical' "
        "WHEN (g::bigint * 7919) %% 10 < 6 THEN 'high' ELSE 'non_critical' END)"
    )
    due = (
        f"(CASE WHEN (g::bigint * 7919) %% 10 < 2 THEN {received} + interval '1 hour' "
        f"WHEN (g::bigint * 7919) %% 10 < 6 THEN {received} + interval '1 day' END)"
    )
    # 90% answered, 10 to 130 minutes after receipt (so some critical ones late).
    responded = (
        f"(CASE WHEN (g::bigint * 104729) %% 100 < 90 "
        f"THEN {received} + (10 + (g::bigint * 31) %% 120) * interval '1 minute' END)"
    )
    refused = "(g %% 200 = 0)"
    # As at a real desk, only recent tickets are still open: 5% of the last 2% of the span.
    closed = f"(g %% 100 < 95 OR g < {int(total * 0.98)})"
    overrides = {
        "number": "'R-' || lpad(g::text, 8, '0')",
        "idempotency_key": "NULL",
        "customer_id": f"(ARRAY{customers})[1 + g %% {len(customers)}]",
        "reseller_id": f"(ARRAY{resellers})[1 + g %% {len(resellers)}]",
        "severity": severity,
        "submitted_at": received,
        "received_at": received,
        "first_response_due": due,
        "first_responded_at": responded,
        "at_risk_at": "NULL",
        "at_risk_notified_at": "NULL",
        "breached_at": "NULL",
        "escalation_level": "0",
        "next_escalation_at": "NULL",
        "status": f"(CASE WHEN {refused} THEN 'refused' WHEN {closed} THEN 'closed' "
        "ELSE 'in_progress' END)",
        "refusal_reason": f"(CASE WHEN {refused} THEN 'out_of_scope' ELSE '' END)",
        "resolved_at": f"(CASE WHEN {closed} AND NOT {refused} "
        f"THEN {received} + interval '2 days' END)",
        "closed_at": f"(CASE WHEN {closed} AND NOT {refused} "
        f"THEN {received} + interval '3 days' END)",
        "created_at": received,
        "updated_at": received,
    }
    columns, expressions = _column_list(overrides)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO tickets_ticket ({columns}) SELECT {expressions} "
            "FROM tickets_ticket base, generate_series(1, %(total)s) g WHERE base.id = %(id)s",
            {"total": total, "id": template_id},
        )
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("CHECKPOINT")


def clocks_fill() -> int:
    """The internal targets' clocks of every ticket that has none (two per ticket)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_ticketclock (ticket_id, target, target_kind, target_value, "
            "pauses_on_customer, pauses_on_microsoft, started_at, due, paused_status, "
            "paused_seconds, fulfilled_at, stopped_at, explanation) "
            "SELECT t.id, c.target, c.kind, c.value, true, false, "
            "CASE WHEN c.target = 'resolution' THEN t.received_at END, "
            "CASE WHEN c.target = 'resolution' THEN t.received_at + interval '3 days' END, "
            "'', 0, "
            "CASE WHEN c.target = 'resolution' THEN t.resolved_at END, "
            "CASE WHEN c.target = 'resolution' AND t.status = 'refused' THEN t.received_at END, "
            "'[]'::jsonb "
            "FROM tickets_ticket t CROSS JOIN (VALUES ('next_reply', 'none', NULL::integer), "
            "('resolution', 'wall_minutes', 4320)) AS c(target, kind, value) "
            "WHERE NOT EXISTS (SELECT 1 FROM tickets_ticketclock k WHERE k.ticket_id = t.id)"
        )
        inserted = cursor.rowcount
        cursor.execute("VACUUM ANALYZE tickets_ticketclock")
    return inserted


def timed(function, runs: int) -> tuple[float, float, int]:
    """(median seconds, max seconds, SQL statements) of `runs` calls after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    times = []
    statements = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        statements = len(queries.captured_queries)
    return statistics.median(times), max(times), statements


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", default="2026-11")
    parser.add_argument(
        "--reuse", action="store_true", help="time the reports on the database already built"
    )
    options = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("bench.reports needs DATABASE_URL=postgres://… (PostgreSQL)", file=sys.stderr)
        return 2
    from bench.sweep import _recreate_database, desk_create

    bench_url, bench_name, maintenance_url = _bench_database_url(database_url)
    if not options.reuse:
        _recreate_database(maintenance_url, bench_name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from contracts.models import Reseller
    from reports.periods import parse_month
    from reports.selectors import sla_report
    from tickets.models import Ticket

    started = time.perf_counter()
    if options.reuse:
        resellers = list(
            Reseller.objects.filter(code__startswith="bench-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        template = desk_create()
        customers, resellers = _customers(template)
        tickets_fill(
            template_id=template.pk,
            total=options.tickets,
            customers=customers,
            resellers=resellers,
        )
    built = time.perf_counter() - started
    from reports.services import business_seconds_backfill

    started = time.perf_counter()
    clocks = clocks_fill()
    stored = business_seconds_backfill(batch_size=20000)
    if stored:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tickets_ticket")
            cursor.execute("VACUUM ANALYZE tickets_ticketclock")
    print(
        f"clocks added: {clocks:,}; business seconds stored: {stored:,} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    period = parse_month(options.month)
    now = datetime(2027, 1, 15, tzinfo=UTC)
    in_month = Ticket.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
    print(
        f"bench.reports on {bench_name}: {Ticket.objects.count():,} tickets built in "
        f"{built:.1f} s; {in_month.count():,} received in {period.label}"
    )
    every = Ticket.objects.all()
    one_reseller = Ticket.objects.filter(reseller_id=resellers[0])
    cases = [
        ("month, whole (page)", lambda: sla_report(tickets=every, period=period, now=now)),
        (
            "month by customer (page)",
            lambda: sla_report(tickets=every, period=period, now=now, group_by="customer"),
        ),
        (
            "month, one reseller (API)",
            lambda: sla_report(tickets=one_reseller, period=period, now=now),
        ),
    ]
    print(f"{'report':<28}{'median s':>10}{'max s':>9}{'statements':>12}")
    worst = 0.0
    for name, function in cases:
        median, slowest, statements = timed(function, options.runs)
        worst = max(worst, median)
        print(f"{name:<28}{median:>10.3f}{slowest:>9.3f}{statements:>12}")
    verdict = "meets" if worst <= TARGET_SECONDS else "misses"
    print(f"slowest median {worst:.3f} s — {verdict} the target of ≤ {TARGET_SECONDS:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
