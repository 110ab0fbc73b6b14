"""Settings from the environment: production refuses to start without a secret, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each test runs manage.py in a subprocess with its own settings: no test database involved.
pytestmark = pytest.mark.backend_neutral


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_stops_with_one_readable_line():
    result = _manage("check")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is not 1."
    ]


def test_development_runs_with_the_dev_key():
    result = _manage("check", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_an_unknown_mail_sender_check_stops_with_one_readable_line():
    result = _manage("check", DJANGO_DEBUG="1", MAIL_SENDER_AUTH="spf")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "configuration error: MAIL_SENDER_AUTH must be 'dmarc', 'dkim', 'dmarc,dkim' or "
        "'off', not 'spf'."
    ]


def test_sender_checks_off_is_said_at_every_start():
    result = _manage("check", DJANGO_DEBUG="1", MAIL_SENDER_AUTH="off")

    # the system check (manage.py) and the log line every process writes (gunicorn, worker)
    assert "mail.W001" in result.stderr
    assert "Sender authentication: MAIL_SENDER_AUTH=off" in result.stderr


def test_the_wsgi_application_freezes_what_start_up_loaded():
    # A full garbage collection during a request then scans only what requests made (one queue
    # request in ten paused 50-90 ms for it, bench.search).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="helpdesk.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import gc, helpdesk.wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10_000
