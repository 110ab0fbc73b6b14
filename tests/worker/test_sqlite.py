"""SQLite, the embedded default, under concurrent writes: a real server process (gunicorn,
two workers with threads) on a SQLite file takes 40 parallel API ticket creates without a
single "database is locked", while a real celery worker on the same file delivers what they
queue (a webhook per ticket, to a receiver on loopback)."""

from __future__ import annotations

import http.client
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from tests.worker import live

PARALLEL = 40

SETUP = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from contracts.models import Contact, Subscription
from tickets import eligibility
from webhooks.models import Webhook
user = get_user_model().objects.get(username="demo-reseller-a")
reseller = user.profile.reseller
subscription = next(
    s
    for s in Subscription.objects.filter(customer__reseller=reseller, status="active")
    if "standard_feature" in eligibility.categories_in_scope(s.product)
    and Contact.objects.filter(customer=s.customer, is_global_admin=True).exists()
)
contact = Contact.objects.filter(customer=subscription.customer, is_global_admin=True).first()
Webhook.objects.create(
    reseller=reseller, url=RECEIVER, secret="s" * 30, events=["ticket.created"]
)
print(json.dumps({
    "token": Token.objects.get_or_create(user=user)[0].key,
    "customer": subscription.customer_id,
    "subscription": subscription.pk,
    "requester": contact.pk,
}))
"""


class _Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL=live.REDIS_URL,
        DJANGO_DEBUG="0",
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
        API_THROTTLE_RATE="none",
        # the receiver is plain http on loopback: allowed here, explicitly
        WEBHOOK_ALLOW_HTTP="1",
        WEBHOOK_ALLOW_PRIVATE_NETWORKS="1",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use")
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    import subprocess

    result = subprocess.run(
        args, cwd=live.settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def _create(port: int, token: str, body: dict, index: int) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = json.dumps({**body, "subject": f"同時起票 {index}"})
    connection.request(
        "POST",
        "/api/v1/tickets/",
        body=payload.encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    return response.status, text


@pytest.mark.sqlite
@pytest.mark.waits
def test_parallel_api_creates_and_a_worker_on_sqlite_all_succeed(tmp_path):
    # The embedded default's own test (a file of its own, a minute of migrating and waiting):
    # it runs when the suite runs on SQLite, as the README's command does and CI's second pass.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own test: runs when the suite runs on SQLite")
    live.require_redis()
    live.redis_flush()
    database = tmp_path / "db.sqlite3"
    env = _environment(database)
    receiver = _Receiver()
    try:
        # given a migrated SQLite file with the demo data and a webhook to our receiver
        manage = [live.PYTHON, "manage.py"]
        _run([*manage, "migrate", "--no-input"], env)
        _run([*manage, "seed_demo"], env)
        world = json.loads(
            _run(live.django_script(f"RECEIVER = {receiver.url!r}\n" + SETUP), env)
            .strip()
            .splitlines()[-1]
        )
        token = world.pop("token")
        body = {
            **world,
            "severity": "critical",  # received around the clock on either plan
            "category": "standard_feature",
            "description": "並行して起票します。",
        }
        port = live.free_port()
        with live.processes(tmp_path) as started:
            started.worker("sqlite-worker", env, concurrency=2)
            started.start(
                "gunicorn",
                [
                    str(Path(live.PYTHON).parent / "gunicorn"),
                    "helpdesk.wsgi:application",
                    f"--bind=127.0.0.1:{port}",
                    "--workers=2",
                    "--threads=20",
                    "--worker-class=gthread",
                ],
                env,
            )
            assert live.wait_until(lambda: live._port_open(port), timeout=60), started.log(
                "gunicorn"
            )

            # when 40 clients create a ticket at the same moment
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                answers = list(pool.map(lambda i: _create(port, token, body, i), range(PARALLEL)))

            # then every one is created, none answered "database is locked"
            statuses = [status for status, _ in answers]
            assert statuses == [201] * PARALLEL, [a for a in answers if a[0] != 201][:3]
            numbers = {json.loads(text)["number"] for _, text in answers}
            assert len(numbers) == PARALLEL
            # and the worker, writing the same file meanwhile, delivers every webhook
            delivered = live.wait_until(
                lambda: {b["ticket"]["number"] for b in receiver.bodies} >= numbers, timeout=90
            )
            assert delivered, (len(receiver.bodies), started.log("sqlite-worker")[-3000:])
            for name in ("gunicorn", "sqlite-worker"):
                assert "database is locked" not in started.log(name)
    finally:
        receiver.close()
        live.redis_flush()
