"""Helpers of the live tests: real PostgreSQL, real Redis, real `celery` processes.

Subprocesses use the test database (`test_<name>`, made visible by transactional tests that
commit) and Redis database 5 (WORKER_TEST_REDIS_DB or WORKER_TEST_REDIS_URL to change it; one
more per xdist worker);
every process started here is stopped by its own id when the test ends."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
# One Redis database per pytest-xdist worker (gw0 → 5, gw1 → 6, …): each test flushes its own
# database and runs its own celery processes, which must not take another worker's tasks.
# WORKER_TEST_REDIS_DB moves the first one, so two checkouts can run the suite side by side.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_REDIS_DB = (int(os.environ.get("WORKER_TEST_REDIS_DB", "5")) + _XDIST_INDEX) % 16
REDIS_URL = os.environ.get("WORKER_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{_REDIS_DB}")


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")


def require_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {url}: {error}")


def redis_flush(url: str = REDIS_URL) -> None:
    """Forget the queued and unacknowledged tasks of an earlier run (our own database)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def database_url() -> str:
    """The test database, as DATABASE_URL for a subprocess."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=REDIS_URL,
        DJANGO_DEBUG="0",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds have passed (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Started(subprocess.Popen[bytes]):
    """A process started by a test, with the name of its log file."""

    def __init__(self, name: str, args: list[str], **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        self.name = name


class Processes:
    """Processes started by one test, each in its own session so that it and its children
    are stopped together, by its id."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Started:
        log = (self.logs / f"{name}.log").open("w")
        process = Started(
            name,
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def worker(
        self, name: str, env: dict[str, str], concurrency: int = 2, supervised: bool = False
    ) -> subprocess.Popen:
        process = self.start(
            name,
            [
                *_supervised(supervised),
                CELERY,
                "-A",
                "helpdesk",
                "worker",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            env,
        )
        if not wait_until(lambda: "ready." in self.log(name), timeout=60):
            pytest.fail(f"worker {name} did not start:\n{self.log(name)[-3000:]}")
        return process

    def beat(self, name: str, env: dict[str, str], supervised: bool = False) -> subprocess.Popen:
        process = self.start(
            name,
            [
                *_supervised(supervised),
                CELERY,
                "-A",
                "helpdesk",
                "beat",
                "--loglevel=INFO",
                f"--pidfile={self.logs / (name + '.pid')}",
            ],
            env,
        )
        if not supervised and not wait_until(lambda: "Starting..." in self.log(name), timeout=60):
            pytest.fail(f"beat {name} did not start:\n{self.log(name)[-3000:]}")
        return process

    def redis(self, port: int) -> subprocess.Popen:
        process = self.start(
            f"redis-{port}",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            os.environ.copy(),
        )
        if not wait_until(lambda: _port_open(port), timeout=10):
            pytest.fail(f"redis-server on port {port} did not start")
        return process

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.kill(process)


def _supervised(supervised: bool) -> list[str]:
    """A restart loop around the command, as docker-compose's `restart: unless-stopped` (or
    systemd's Restart=always) runs the worker and beat in production: Celery may exit on a
    broker outage (kombu raises AttributeError while restoring unacknowledged messages on a
    dead connection: "Unrecoverable error"), and the process supervisor brings it back."""
    if not supervised:
        return []
    loop = (
        # Stopped by the test (SIGTERM to the group): wait for the child's own shutdown, so
        # that no worker outlives the test holding a database connection.
        'trap \'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0\' TERM INT; '
        'while :; do "$0" "$@" & child=$!; wait "$child"; '
        'echo "supervisor: exited with $?, restarting"; sleep 1; done'
    )
    return ["sh", "-c", loop]


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def django_script(code: str) -> list[str]:
    """A Python command that sets Django up and runs `code` (a subprocess of its own)."""
    return [PYTHON, "-c", "import django\ndjango.setup()\n" + code]
