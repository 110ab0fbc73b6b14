"""Benchmark of the deadline rules: `python -m bench.sla [--instants N] [--repeat R]`.

Prints compute_deadline calls per second for every plan × severity over random instants of
2026–2027 (fixed seed, one core), with and without building the explanation, and the cost of
a submission on the Friday evening before Golden Week 2026 relative to a Tuesday evening:
with the precomputed calendar both are one binary search, so the ratio stays close to 1.
The calendar is built once, before any timing.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sla.calendars import TOKYO, default_calendar
from sla.deadlines import (
    BUSINESS_HOURS,
    CRITICAL,
    HIGH,
    NON_CRITICAL,
    TERMS_2021,
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    compute_deadline,
)

SEED = 20260501
TARGET_PER_SECOND = 100_000
COMBINATIONS = [
    (plan, severity)
    for plan in (BUSINESS_HOURS, TWENTY_FOUR_SEVEN)
    for severity in (CRITICAL, HIGH, NON_CRITICAL)
]
BEFORE_GOLDEN_WEEK = datetime(2026, 5, 1, 17, 30, tzinfo=TOKYO)  # Friday; closed 5/2–5/6
NORMAL_EVENING = datetime(2026, 6, 9, 17, 30, tzinfo=TOKYO)  # Tuesday
RATIO_CASES = [(BUSINESS_HOURS, HIGH), (BUSINESS_HOURS, NON_CRITICAL), (TWENTY_FOUR_SEVEN, HIGH)]


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity on this platform)"


def random_instants(count: int) -> list[datetime]:
    """Uniform instants of 2026–2027, in UTC as they come from the database."""
    rng = random.Random(SEED)
    start = int(datetime(2026, 1, 1, tzinfo=TOKYO).timestamp())
    end = int(datetime(2028, 1, 1, tzinfo=TOKYO).timestamp())
    return [datetime.fromtimestamp(rng.randrange(start, end), UTC) for _ in range(count)]


def best_seconds(run: Callable[[], None], repeat: int) -> float:
    """Best of `repeat` timings, with the garbage collector off as timeit does."""
    best = float("inf")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def deadlines_loop(
    instants: Sequence[datetime],
    plan: str,
    severity: str,
    calendar: BusinessCalendar,
    *,
    explain: bool,
) -> Callable[[], None]:
    if explain:

        def run() -> None:
            for submitted in instants:
                compute_deadline(submitted, plan, severity, TERMS_2021, calendar).steps  # noqa: B018

    else:

        def run() -> None:
            for submitted in instants:
                compute_deadline(submitted, plan, severity, TERMS_2021, calendar)

    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=30_000, help="random instants per row")
    parser.add_argument("--repeat", type=int, default=3, help="timings per row (best is kept)")
    arguments = parser.parse_args(argv)

    pinning = pin_to_one_core()
    started = time.perf_counter()
    calendar = default_calendar()
    built_in = time.perf_counter() - started
    instants = random_instants(arguments.instants)
    count, repeat = arguments.instants, arguments.repeat

    print(f"sla.deadlines benchmark: {count:,} random instants of 2026–2027 (seed {SEED}),")
    print(f"best of {repeat}, {pinning}; calendar {calendar.first_year}–{calendar.last_year}")
    print(f"built once in {built_in * 1000:.0f} ms (national holidays computed, import excluded)\n")

    print(f"{'plan':<16}{'severity':<14}{'deadlines/s':>14}{'with steps/s':>15}{'µs/call':>10}")
    slowest = float("inf")
    for plan, severity in COMBINATIONS:
        bare = count / best_seconds(
            deadlines_loop(instants, plan, severity, calendar, explain=False), repeat
        )
        explained = count / best_seconds(
            deadlines_loop(instants, plan, severity, calendar, explain=True), repeat
        )
        slowest = min(slowest, bare)
        print(f"{plan:<16}{severity:<14}{bare:>14,.0f}{explained:>15,.0f}{1e6 / bare:>10.2f}")
    verdict = "meets" if slowest >= TARGET_PER_SECOND else "MISSES"
    print(f"slowest {slowest:,.0f}/s: {verdict} the target of {TARGET_PER_SECOND:,}/s\n")

    print("cost of Fri 2026-05-01 17:30 (before Golden Week) / Tue 2026-06-09 17:30")
    print(f"{'plan':<16}{'severity':<14}{'ratio':>8}{'with steps':>12}")
    for plan, severity in RATIO_CASES:
        ratios = []
        for explain in (False, True):
            golden_week = best_seconds(
                deadlines_loop(
                    [BEFORE_GOLDEN_WEEK] * count, plan, severity, calendar, explain=explain
                ),
                repeat,
            )
            normal = best_seconds(
                deadlines_loop([NORMAL_EVENING] * count, plan, severity, calendar, explain=explain),
                repeat,
            )
            ratios.append(golden_week / normal)
        print(f"{plan:<16}{severity:<14}{ratios[0]:>8.2f}{ratios[1]:>12.2f}")
    print("(with steps, the explanation lists each closed date, so it grows with the holiday)")


if __name__ == "__main__":
    main()
