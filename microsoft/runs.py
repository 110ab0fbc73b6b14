"""Sync runs: one full run of a kind at a time, its report (counts and a list of changes) kept
on the SyncRun row, and progress for the command's output."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from microsoft.models import SyncRun
from microsoft.shapes import Rejected

# A run still "running" after this long died with its worker: the next one takes over.
STALE_AFTER = datetime.timedelta(hours=6)
# The report keeps at most this many changes on the row (the counts stay exact).
MAX_CHANGES = 2000


class SyncAlreadyRunning(Exception):
    """Another run of the same kind holds the claim."""


@dataclass
class SyncReport:
    counts: Counter[str] = field(default_factory=Counter)
    changes: list[dict[str, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, action: str, subject: str, detail: str = "") -> None:
        self.counts[action] += 1
        if len(self.changes) < MAX_CHANGES:
            self.changes.append({"action": action, "object": subject, "detail": detail})

    def count(self, action: str, number: int = 1) -> None:
        self.counts[action] += number

    def reject(self, rejected: list[Rejected]) -> None:
        self.rejected += rejected
        self.counts["rejected"] += len(rejected)

    def fail(self, message: str) -> None:
        self.errors.append(message[:500])
        self.counts["errors"] += 1

    @property
    def changed(self) -> bool:
        return bool(self.changes)


Progress = Callable[[int, float], None]


class ProgressMeter:
    """Calls `report(done, rate)` at most every `every` seconds, and at the end."""

    def __init__(self, report: Progress | None, *, every: float = 5.0) -> None:
        self.report = report
        self.every = every
        self.started = time.monotonic()
        self.last = self.started
        self.done = 0

    def step(self, number: int = 1) -> None:
        self.done += number
        now = time.monotonic()
        if self.report is not None and now - self.last >= self.every:
            self.last = now
            self.report(self.done, self.rate(now))

    def rate(self, now: float | None = None) -> float:
        elapsed = (now or time.monotonic()) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


def sync_run_start(*, kind: str, now: datetime.datetime | None = None) -> SyncRun:
    """Claim the run of `kind`; a dead run (older than STALE_AFTER) is marked failed first."""
    now = now or timezone.now()
    SyncRun.objects.filter(
        kind=kind, status=SyncRun.Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(status=SyncRun.Status.FAILED, finished_at=now, error="abandoned")
    try:
        with transaction.atomic():
            return SyncRun.objects.create(kind=kind, started_at=now)
    except IntegrityError as error:
        raise SyncAlreadyRunning(kind) from error


def sync_run_finish(
    *, run: SyncRun, report: SyncReport, error: str = "", now: datetime.datetime | None = None
) -> SyncRun:
    if error:
        status = SyncRun.Status.FAILED
    elif report.errors or report.rejected:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.SUCCEEDED
    run.status = status
    run.finished_at = now or timezone.now()
    run.counts = dict(report.counts)
    changes: list[dict[str, Any]] = list(report.changes)
    changes += [
        {"action": "rejected", "object": f"{r.kind} {r.key}", "detail": r.reason}
        for r in report.rejected[: MAX_CHANGES - len(changes)]
    ]
    run.changes = changes
    run.error = (error or "\n".join(report.errors))[:5000]
    run.save(update_fields=["status", "finished_at", "counts", "changes", "error"])
    return run
