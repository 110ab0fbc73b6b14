"""Benchmark of the reseller REST API: `python -m bench.api [options]`.

On PostgreSQL (default `postgres://postgres@127.0.0.1:5432/bench_api`, created when missing),
seeds 100,000 tickets across 50 resellers with bulk inserts (SLA fields computed by the pure
deadline rules, so they are the real thing), starts the app under gunicorn with 2 workers,
and drives it with a concurrent HTTP client. Prints p50/p95 latency and requests per second
for: ticket list (page of 50), ticket detail, ticket create. Targets: list p95 < 100 ms,
detail >= 300 requests/s.

The data is kept between runs (seeding happens only when the database has fewer tickets);
`--reseed` starts over. Throttling is switched off for the server under test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_api"
SEED = 20260525
SEED_YEAR = 2025
LIST_P95_TARGET_MS = 100.0
DETAIL_RPS_TARGET = 300.0
ROOT = Path(__file__).resolve().parent.parent


def server_environment(database_url: str) -> dict[str, str]:
    """The environment of both this process and the gunicorn workers."""
    return {
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": os.environ.get(
            "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789"
        ),
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "API_THROTTLE_RATE": "none",
        # Persistent connections, as in production: a connection per request would be measured.
        "DB_CONN_MAX_AGE": "60",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def database_create_if_missing(database_url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


# --- seeding ------------------------------------------------------------------------------------


@dataclass
class ResellerFixture:
    token: str
    customers: list[tuple[int, int, int]]  # (customer, subscription, global admin contact)
    numbers: list[str]


def seed(*, tickets: int, resellers: int, customers_per_reseller: int, reseed: bool) -> None:
    """Bulk-insert the data set unless it is there already."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from accounts.models import Profile
    from contracts.models import (
        Contact,
        Customer,
        Plan,
        Product,
        Reseller,
        Subscription,
        SupportContract,
    )
    from sla import selectors as sla_selectors
    from sla import services as sla_services
    from sla.deadlines import compute_deadline
    from tickets.models import Status, Ticket, TicketSequence

    call_command("migrate", verbosity=0)
    if reseed:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tickets_ticket, tickets_ticketsequence CASCADE")
    if Ticket.objects.filter(reseller__code__startswith="bench-").count() >= tickets:
        return

    started = time.perf_counter()
    rng = random.Random(SEED)
    User = get_user_model()
    with transaction.atomic():
        product, _ = Product.objects.get_or_create(
            sku="BENCH-M365-BS",
            defaults={"name": "Microsoft 365 Business Standard", "family": "microsoft_365"},
        )
        existing = set(
            Reseller.objects.filter(code__startswith="bench-").values_list("code", flat=True)
        )
        new_resellers = [
            Reseller(code=f"bench-{index:03d}", name=f"ベンチリセラー{index:03d}株式会社")
            for index in range(resellers)
            if f"bench-{index:03d}" not in existing
        ]
        Reseller.objects.bulk_create(new_resellers)
        all_resellers = list(Reseller.objects.filter(code__startswith="bench-").order_by("code"))
        for reseller in all_resellers:
            if SupportContract.objects.filter(reseller=reseller).exists():
                continue
            plan: str = Plan.TWENTY_FOUR_SEVEN if reseller.pk % 2 else Plan.BUSINESS_HOURS
            SupportContract.objects.create(reseller=reseller, plan=plan, starts_on=date(2020, 1, 1))
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"api-{reseller.code}",
                        password="!",
                        email=f"{reseller.code}@example.jp",
                    )
                ]
            )
            Profile.objects.bulk_create([Profile(user=users[0], reseller=reseller)])
            Token.objects.bulk_create([Token(key=Token.generate_key(), user=users[0])])
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        reseller=reseller,
                        name=f"{reseller.name} 顧客{n:02d}",
                        primary_domain=f"{reseller.code}-c{n:02d}.onmicrosoft.com",
                        delegated_access="active",
                    )
                    for n in range(customers_per_reseller)
                ]
            )
            Contact.objects.bulk_create(
                [
                    Contact(
                        customer=customer,
                        name=f"管理者 {customer.pk}",
                        # In the customer's domain: a global admin who may ask (DOMAIN.md §12).
                        email=f"admin{customer.pk}@{customer.primary_domain}",
                        is_global_admin=True,
                    )
                    for customer in customers
                ]
            )
            available = datetime(2020, 1, 2, tzinfo=UTC)
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        customer=customer,
                        product=product,
                        ordered_at=available,
                        available_at=available,
                        status=Subscription.Status.ACTIVE,
                    )
                    for customer in customers
                ]
            )

        calendar = sla_selectors.calendar_current()
        policy_id, policy = sla_selectors.policy_in_force(on=date(SEED_YEAR, 6, 1))
        rows = list(
            Subscription.objects.filter(customer__reseller__code__startswith="bench-").values_list(
                "customer__reseller_id", "customer_id", "pk", "customer__contacts__pk"
            )
        )
        plans = dict(
            SupportContract.objects.filter(reseller__code__startswith="bench-").values_list(
                "reseller_id", "pk"
            )
        )
        plan_of = dict(
            SupportContract.objects.filter(reseller__code__startswith="bench-").values_list(
                "reseller_id", "plan"
            )
        )
        start = datetime(SEED_YEAR, 1, 1, tzinfo=UTC).timestamp()
        span = datetime(SEED_YEAR, 12, 20, tzinfo=UTC).timestamp() - start
        severities = ["critical"] * 1 + ["high"] * 4 + ["non_critical"] * 5
        statuses = [Status.CLOSED] * 6 + [Status.RESOLVED] * 2 + [Status.IN_PROGRESS, Status.NEW]
        explanations: dict[tuple, list] = {}
        batch: list[Ticket] = []
        have = Ticket.objects.filter(reseller__code__startswith="bench-").count()
        for index in range(have, tickets):
            reseller_id, customer_id, subscription_id, contact_id = rows[index % len(rows)]
            severity = rng.choice(severities)
            plan = plan_of[reseller_id]
            submitted = datetime.fromtimestamp(start + rng.random() * span, UTC)
            deadline = compute_deadline(submitted, plan, severity, policy, calendar)
            status = rng.choice(statuses)
            responded = (
                deadline.received_at + timedelta(minutes=rng.randrange(5, 600))
                if status != Status.NEW
                else None
            )
            # The explanation is the same for tickets of one plan, severity and receipt day
            # shape; computing it per row would dominate the seeding time.
            key = (plan, severity, deadline.received_at == deadline.submitted_at)
            if key not in explanations:
                explanations[key] = sla_services.steps_as_json(deadline)
            batch.append(
                Ticket(
                    number=f"CS-{SEED_YEAR}-{index + 1:06d}",
                    reseller_id=reseller_id,
                    customer_id=customer_id,
                    subscription_id=subscription_id,
                    requester_id=contact_id,
                    contract_id=plans[reseller_id],
                    plan=plan,
                    policy_id=policy_id,
                    channel=rng.choice(["api", "email", "phone", "web"]),
                    severity=severity,
                    category="standard_feature",
                    subject=f"ベンチマーク用の問い合わせ {index + 1}",
                    description="メールの送受信ができません。",
                    status=status,
                    submitted_at=submitted,
                    received_at=deadline.received_at,
                    first_response_due=deadline.first_response_due,
                    at_risk_at=sla_services.at_risk_at_for(
                        severity=severity,
                        received_at=deadline.received_at,
                        first_response_due=deadline.first_response_due,
                    ),
                    sla_explanation=explanations[key],
                    first_responded_at=responded,
                    resolved_at=responded if status in (Status.RESOLVED, Status.CLOSED) else None,
                    closed_at=responded if status == Status.CLOSED else None,
                )
            )
            if len(batch) >= 5000:
                Ticket.objects.bulk_create(batch)
                batch.clear()
        if batch:
            Ticket.objects.bulk_create(batch)
        TicketSequence.objects.update_or_create(year=SEED_YEAR, defaults={"last_number": tickets})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {tickets:,} tickets in {time.perf_counter() - started:.1f} s", flush=True)


def fixtures() -> list[ResellerFixture]:
    from rest_framework.authtoken.models import Token

    from contracts.models import Subscription
    from tickets.models import Ticket

    result = []
    for token in Token.objects.filter(
        user__profile__reseller__code__startswith="bench-"
    ).select_related("user__profile"):
        reseller_id = token.user.profile.reseller_id
        customers = list(
            Subscription.objects.filter(customer__reseller_id=reseller_id).values_list(
                "customer_id", "pk", "customer__contacts__pk"
            )
        )
        numbers = list(
            Ticket.objects.filter(reseller_id=reseller_id).values_list("number", flat=True)[:500]
        )
        result.append(ResellerFixture(token.key, customers, numbers))
    return result


# --- the server and the client ------------------------------------------------------------------


def server_start(port: int, environment: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "helpdesk.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment})


def request(port: int, method: str, path: str, token: str, body: dict | None = None):
    """One request on a fresh connection (gunicorn's sync workers close after each answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def server_wait(port: int, token: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        status, _ = request(port, "GET", "/api/v1/tickets/?page_size=1", token)
        if status == 200:
            return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


@dataclass
class Result:
    name: str
    count: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[94] * 1000

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def scenario(name: str, make, *, port: int, count: int, concurrency: int, ok: set[int]) -> Result:
    """`count` requests from `concurrency` threads; `make(rng)` returns (method, path, token,
    body). A short warm-up first, so each worker has its connection and caches."""
    rng = random.Random(SEED)
    lock = threading.Lock()
    plans = [make(rng) for _ in range(count)]
    for plan in plans[: min(20, count)]:
        request(port, *plan)
    latencies: list[float] = []
    errors = 0

    def run(plan) -> None:
        nonlocal errors
        status, seconds = request(port, *plan)
        with lock:
            latencies.append(seconds)
            if status not in ok:
                errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, plans))
    return Result(name, count, errors, time.perf_counter() - started, latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--resellers", type=int, default=50)
    parser.add_argument("--customers-per-reseller", type=int, default=10)
    parser.add_argument("--requests", type=int, default=600, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reseed", action="store_true")
    options = parser.parse_args(argv)

    if not options.database_url.startswith("postgres"):
        raise SystemExit("bench.api runs on PostgreSQL: give --database-url postgres://…")
    environment = server_environment(options.database_url)
    os.environ.update(environment)
    database_create_if_missing(options.database_url)
    import django

    django.setup()
    seed(
        tickets=options.tickets,
        resellers=options.resellers,
        customers_per_reseller=options.customers_per_reseller,
        reseed=options.reseed,
    )
    resellers = fixtures()
    from django.db import connections

    connections.close_all()

    process = server_start(options.port, environment)
    try:
        server_wait(options.port, resellers[0].token, process)
        port = options.port

        def list_page(rng):
            reseller = rng.choice(resellers)
            return (
                "GET",
                f"/api/v1/tickets/?page_size=50&page={rng.randint(1, 40)}",
                reseller.token,
                None,
            )

        def detail(rng):
            reseller = rng.choice(resellers)
            return ("GET", f"/api/v1/tickets/{rng.choice(reseller.numbers)}/", reseller.token, None)

        def create(rng):
            reseller = rng.choice(resellers)
            customer, subscription, contact = rng.choice(reseller.customers)
            body = {
                "customer": customer,
                "subscription": subscription,
                "requester": contact,
                "severity": rng.choice(["critical", "high", "non_critical"]),
                "category": "standard_feature",
                "subject": "ベンチマークの起票",
                "description": "API からの起票です。",
            }
            return ("POST", "/api/v1/tickets/", reseller.token, body)

        arguments = {"port": port, "count": options.requests, "concurrency": options.concurrency}
        results = [
            scenario("ticket list (page of 50)", list_page, ok={200}, **arguments),
            scenario("ticket detail", detail, ok={200}, **arguments),
            scenario("ticket create", create, ok={201}, **arguments),
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    print(
        f"\nbench.api: {options.tickets:,} tickets, {options.resellers} resellers, gunicorn 2 "
        f"workers, {options.concurrency} concurrent clients, {options.requests} requests each"
    )
    print(f"{'scenario':<26}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'errors':>8}")
    for result in results:
        print(
            f"{result.name:<26}{result.p50_ms:>9.1f}{result.p95_ms:>9.1f}"
            f"{result.per_second:>9.0f}{result.errors:>8}"
        )
    list_ok = results[0].p95_ms < LIST_P95_TARGET_MS
    detail_ok = results[1].per_second >= DETAIL_RPS_TARGET
    print(
        f"targets: list p95 < {LIST_P95_TARGET_MS:.0f} ms: {'met' if list_ok else 'NOT met'}; "
        f"detail >= {DETAIL_RPS_TARGET:.0f} req/s: {'met' if detail_ok else 'NOT met'}"
    )
    return 0 if all(result.errors == 0 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
