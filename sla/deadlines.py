"""First-response deadlines of the support terms (Art. 3.3) as pure functions.

Nothing here reads the clock, the database or Django: instants, the policy and the business
calendar come in as arguments, and every instant that comes out is aware and in the
calendar's time zone (Asia/Tokyo). The rules of DOMAIN.md "Points the text leaves open":

- business hours are half-open: [09:00, 17:00) JST, so 16:59:59 is open and 17:00:00 closed;
- received at (受付日時) = submitted at when reception is open for the contract and severity,
  else the next opening of the calendar;
- "1 hour" = 60 minutes of wall-clock time after receipt;
- "next business day" (翌営業日) = 17:00 (the closing time) of the first business day after the
  calendar date (JST) of receipt;
- "no commitment" (確約なし) = no deadline (None), never a breach.

The calendar precomputes its opening intervals as UTC epoch seconds once, so every query is a
binary search: a submission before a nine-day Golden Week costs the same as one on a Tuesday.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Final, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "BUSINESS_HOURS",
    "CRITICAL",
    "HIGH",
    "INTERNAL_TARGETS",
    "NON_CRITICAL",
    "TERMS_2021",
    "TWENTY_FOUR_SEVEN",
    "BusinessCalendar",
    "ClosedDay",
    "Closure",
    "Deadline",
    "DeadlineError",
    "InternalRule",
    "NaiveDatetimeError",
    "OutOfCalendarRange",
    "Pause",
    "Plan",
    "Policy",
    "Reception",
    "Rule",
    "Severity",
    "SlaState",
    "Step",
    "Target",
    "TargetKind",
    "UnknownRule",
    "add_business_minutes",
    "at_risk_from",
    "business_seconds_between",
    "clock_state",
    "compute_deadline",
    "due_after_pause",
    "first_response_due",
    "next_business_day_end",
    "pause_step",
    "policy_in_force",
    "received_at",
    "sla_margin",
    "sla_state",
    "target_due",
    "target_retimed_step",
    "target_start_step",
]

Plan = Literal["business_hours", "24x365"]
Severity = Literal["critical", "high", "non_critical"]

BUSINESS_HOURS: Final = "business_hours"
TWENTY_FOUR_SEVEN: Final = "24x365"

CRITICAL: Final = "critical"
HIGH: Final = "high"
NON_CRITICAL: Final = "non_critical"


# --- errors -----------------------------------------------------------------------------------


class DeadlineError(Exception):
    """Base of the errors of this module; `code` is stable for API error mapping."""

    code: str = "sla_error"


class NaiveDatetimeError(DeadlineError, ValueError):
    """A naive datetime was given where an instant (aware datetime) is required."""

    code = "sla_naive_datetime"


class OutOfCalendarRange(DeadlineError, ValueError):
    """The question needs a part of the calendar outside its precomputed years."""

    code = "sla_out_of_calendar_range"


class UnknownRule(DeadlineError, KeyError):
    """The policy has no rule for this (plan, severity)."""

    code = "sla_unknown_rule"

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}"
        )


# --- policy: the terms' table as data (DOMAIN.md point 10) -------------------------------------


class Reception(StrEnum):
    ALWAYS = "always"
    BUSINESS_HOURS = "business_hours"


class TargetKind(StrEnum):
    NONE = "none"
    WALL_MINUTES = "wall_minutes"
    BUSINESS_MINUTES = "business_minutes"
    BUSINESS_DAY_END = "business_day_end"


@dataclass(frozen=True)
class Rule:
    """Reception and first-response target for one (plan, severity).

    `target_value` is minutes for WALL_MINUTES and BUSINESS_MINUTES, N (the N-th next business
    day) for BUSINESS_DAY_END, and None for NONE.
    """

    reception: Reception
    target_kind: TargetKind
    target_value: int | None = None

    def __post_init__(self) -> None:
        if self.target_kind is TargetKind.NONE:
            if self.target_value is not None:
                raise ValueError("a rule without commitment takes no target_value")
        elif (
            not isinstance(self.target_value, int)
            or isinstance(self.target_value, bool)
            or self.target_value < 1
        ):
            raise ValueError(
                f"target_value for {self.target_kind} must be a positive int, "
                f"got {self.target_value!r}"
            )


# --- internal targets (DOMAIN.md point 13): next reply and resolution --------------------------


class Target(StrEnum):
    """The clocks of a ticket. Only FIRST_RESPONSE is the terms' (Art. 3.3); the others are
    the distributor's own goals, never a breach of the terms."""

    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"


INTERNAL_TARGETS: Final = (Target.NEXT_REPLY, Target.RESOLUTION)


@dataclass(frozen=True)
class InternalRule:
    """One internal target for one (plan, severity): none, N wall-clock minutes, N business
    minutes or the end of the N-th business day, counted on the contract's calendar; and
    whether the clock pauses while the ticket waits on the customer (Art. 3.4) or on
    Microsoft."""

    target_kind: TargetKind
    target_value: int | None = None
    pauses_on_customer: bool = True
    pauses_on_microsoft: bool = False

    def __post_init__(self) -> None:
        # The same shape as a rule of the terms: validated by constructing one.
        Rule(Reception.ALWAYS, self.target_kind, self.target_value)


@dataclass(frozen=True)
class Policy:
    """The rules in force from `effective_from` (Art. 15: terms change from a notified date)."""

    name: str
    effective_from: date
    rules: Mapping[tuple[str, str], Rule] = field(hash=False)
    # Internal targets by (plan, severity, target): the distributor's, not the terms'.
    targets: Mapping[tuple[str, str, str], InternalRule] = field(default_factory=dict, hash=False)

    def internal_rule(self, plan: str, severity: str, target: str) -> InternalRule:
        """The internal target for (plan, severity); none when the policy sets none."""
        return self.targets.get((plan, severity, target), InternalRule(TargetKind.NONE))

    def rule(self, plan: str, severity: str) -> Rule:
        try:
            return self.rules[plan, severity]
        except KeyError:
            known = ", ".join(f"{p}/{s}" for p, s in sorted(self.rules))
            raise UnknownRule(
                f"policy {self.name!r} has no rule for plan={plan!r}, severity={severity!r} "
                f"(known: {known})"
            ) from None


TERMS_2021: Final = Policy(
    name="terms-2021-07-01",
    effective_from=date(2021, 7, 1),
    rules={
        # Art. 3.3 table: 重大 is received around the clock on both contracts, answered in 1 hour.
        (BUSINESS_HOURS, CRITICAL): Rule(Reception.ALWAYS, TargetKind.WALL_MINUTES, 60),
        (TWENTY_FOUR_SEVEN, CRITICAL): Rule(Reception.ALWAYS, TargetKind.WALL_MINUTES, 60),
        # 高: business-hours reception and no commitment, or 24/7 reception and 翌営業日.
        (BUSINESS_HOURS, HIGH): Rule(Reception.BUSINESS_HOURS, TargetKind.NONE),
        (TWENTY_FOUR_SEVEN, HIGH): Rule(Reception.ALWAYS, TargetKind.BUSINESS_DAY_END, 1),
        # 重大でない: never a commitment.
        (BUSINESS_HOURS, NON_CRITICAL): Rule(Reception.BUSINESS_HOURS, TargetKind.NONE),
        (TWENTY_FOUR_SEVEN, NON_CRITICAL): Rule(Reception.ALWAYS, TargetKind.NONE),
    },
)


def policy_in_force(policies: Iterable[Policy], day: date) -> Policy:
    """The policy with the latest `effective_from` on or before `day`."""
    candidates = [policy for policy in policies if policy.effective_from <= day]
    if not candidates:
        raise UnknownRule(f"no policy in force on {day.isoformat()}")
    return max(candidates, key=lambda policy: policy.effective_from)


# --- business calendar -------------------------------------------------------------------------

WEEKDAYS_JA: Final = ("月", "火", "水", "木", "金", "土", "日")
WEEKDAYS_EN: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Closure:
    """A one-off closure, whole or part of a day: half-open [start, end) of aware datetimes."""

    start: datetime
    end: datetime
    name: str

    def __post_init__(self) -> None:
        _require_aware(self.start, "Closure.start")
        _require_aware(self.end, "Closure.end")
        if not self.start < self.end:
            raise ValueError(f"closure {self.name!r} must end after it starts")


@dataclass(frozen=True)
class ClosedDay:
    """A date without any opening interval, with the reason shown in explanations."""

    day: date
    name: str
    name_en: str


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Opening hours in `tz`, whole closed days and part-day closures, precomputed by year.

    `weekly_hours` maps a weekday (0 = Monday) to sorted half-open intervals [start, end).
    `holidays` maps whole closed dates (national and company holidays) to their display name;
    `holiday_names_en` optionally gives English names for explanations.
    Every query is a bisect over arrays built once in __post_init__; a question outside
    [first_year, last_year] raises OutOfCalendarRange.
    """

    tz: ZoneInfo
    weekly_hours: Mapping[int, tuple[tuple[time, time], ...]]
    holidays: Mapping[date, str] = field(repr=False)
    closures: tuple[Closure, ...] = ()
    first_year: int = 2015
    last_year: int = 2040
    holiday_names_en: Mapping[date, str] = field(default_factory=dict, repr=False)

    # Precomputed by __post_init__ (init=False): UTC epoch seconds and business-day indexes.
    _open_starts: list[int] = field(init=False, repr=False)
    _open_ends: list[int] = field(init=False, repr=False)
    _open_start_datetimes: list[datetime] = field(init=False, repr=False)
    _open_before: list[int] = field(init=False, repr=False)
    _open_through: list[int] = field(init=False, repr=False)
    _business_ordinals: list[int] = field(init=False, repr=False)
    _business_index: dict[int, int] = field(init=False, repr=False)
    _business_closes: list[datetime] = field(init=False, repr=False)
    _range_start: int = field(init=False, repr=False)
    _range_end: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise ValueError("first_year must not be after last_year")
        weekly = _validated_weekly_hours(self.weekly_hours)
        tz = self.tz
        first_day = date(self.first_year, 1, 1)
        last_day = date(self.last_year, 12, 31)

        # Opening intervals day by day, as UTC epoch seconds tagged with their local date.
        intervals: list[tuple[int, int, int]] = []
        for ordinal in range(first_day.toordinal(), last_day.toordinal() + 1):
            day = date.fromordinal(ordinal)
            if day in self.holidays:
                continue
            for opening, closing in weekly.get(day.weekday(), ()):
                start = int(datetime.combine(day, opening, tzinfo=tz).timestamp())
                end = int(datetime.combine(day, closing, tzinfo=tz).timestamp())
                if start < end:  # an interval swallowed by a DST jump is dropped
                    intervals.append((start, end, ordinal))

        # Closures count in whole seconds, rounded outwards so that a closure is never shorter.
        cuts = _merged(
            (math.floor(closure.start.timestamp()), math.ceil(closure.end.timestamp()))
            for closure in self.closures
        )
        intervals = _subtract(intervals, cuts)

        starts = [start for start, _, _ in intervals]
        ends = [end for _, end, _ in intervals]
        before: list[int] = []
        through: list[int] = []
        total = 0
        for start, end in zip(starts, ends, strict=True):
            before.append(total)
            total += end - start
            through.append(total)

        # A business date is one with an opening interval left; its close is its last end.
        closes: dict[int, int] = {}
        for _, end, ordinal in intervals:
            closes[ordinal] = end
        ordinals = sorted(closes)

        setattr_ = object.__setattr__
        setattr_(self, "weekly_hours", weekly)
        setattr_(self, "_open_starts", starts)
        setattr_(self, "_open_ends", ends)
        setattr_(self, "_open_start_datetimes", [datetime.fromtimestamp(s, tz) for s in starts])
        setattr_(self, "_open_before", before)
        setattr_(self, "_open_through", through)
        setattr_(self, "_business_ordinals", ordinals)
        setattr_(self, "_business_index", {ordinal: i for i, ordinal in enumerate(ordinals)})
        setattr_(
            self,
            "_business_closes",
            [datetime.fromtimestamp(closes[ordinal], tz) for ordinal in ordinals],
        )
        setattr_(
            self,
            "_range_start",
            int(datetime.combine(first_day, time(0), tzinfo=tz).timestamp()),
        )
        setattr_(
            self,
            "_range_end",
            int(datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz).timestamp()),
        )

    # -- range checks --

    def _epoch(self, moment: datetime, name: str = "moment") -> float:
        _require_aware(moment, name)
        epoch = moment.timestamp()
        if not self._range_start <= epoch < self._range_end:
            raise OutOfCalendarRange(
                f"{name} {moment.isoformat()} is outside the business calendar "
                f"({self.first_year}–{self.last_year}); extend the calendar's years"
            )
        return epoch

    def _check_day(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise OutOfCalendarRange(
                f"{day.isoformat()} is outside the business calendar "
                f"({self.first_year}–{self.last_year}); extend the calendar's years"
            )

    def _beyond(self, what: str) -> OutOfCalendarRange:
        return OutOfCalendarRange(
            f"{what} falls after the end of the business calendar ({self.last_year}); "
            "extend the calendar's years"
        )

    # -- queries --

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` lies inside an opening interval (half-open: the end is closed)."""
        epoch = self._epoch(moment)
        index = bisect.bisect_right(self._open_starts, epoch) - 1
        return index >= 0 and epoch < self._open_ends[index]

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself (in `tz`) when open, else the start of the next opening interval."""
        epoch = self._epoch(moment)
        index = bisect.bisect_right(self._open_starts, epoch) - 1
        if index >= 0 and epoch < self._open_ends[index]:
            return moment.astimezone(self.tz)
        if index + 1 >= len(self._open_starts):
            raise self._beyond(f"the next opening after {moment.isoformat()}")
        return self._open_start_datetimes[index + 1]

    def is_business_day(self, day: date) -> bool:
        """Whether `day` has at least one opening interval left after holidays and closures."""
        self._check_day(day)
        return day.toordinal() in self._business_index

    def business_day_end(self, day: date, n: int = 1) -> datetime:
        """The closing time of the n-th business day after `day` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self._check_day(day)
        index = bisect.bisect_right(self._business_ordinals, day.toordinal()) + n - 1
        if index >= len(self._business_closes):
            raise self._beyond(f"the business day {n} after {day.isoformat()}")
        return self._business_closes[index]

    def closed_days_between(self, start: date, end: date) -> tuple[ClosedDay, ...]:
        """Dates in [start, end) without any opening, with the name of the reason.

        The reason is the holiday name, else the name of a closure covering the date, else the
        weekday (土 / Sat). Used for explanations only: its cost grows with the dates listed.
        """
        if start >= end:
            return ()
        self._check_day(start)
        self._check_day(end - timedelta(days=1))
        closed: list[ClosedDay] = []
        for ordinal in range(start.toordinal(), end.toordinal()):
            if ordinal in self._business_index:
                continue
            day = date.fromordinal(ordinal)
            name = self.holidays.get(day)
            if name is not None:
                closed.append(ClosedDay(day, name, self.holiday_names_en.get(day, name)))
                continue
            closure_name = self._closure_name(day)
            if closure_name is not None:
                closed.append(ClosedDay(day, closure_name, closure_name))
                continue
            closed.append(ClosedDay(day, WEEKDAYS_JA[day.weekday()], WEEKDAYS_EN[day.weekday()]))
        return tuple(closed)

    def _closure_name(self, day: date) -> str | None:
        if not self.closures:
            return None
        day_start = datetime.combine(day, time(0), tzinfo=self.tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
        for closure in self.closures:
            if closure.start < day_end and closure.end > day_start:
                return closure.name
        return None


def _validated_weekly_hours(
    weekly_hours: Mapping[int, Iterable[tuple[time, time]]],
) -> dict[int, tuple[tuple[time, time], ...]]:
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for weekday, day_intervals in weekly_hours.items():
        if weekday not in range(7):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
        checked = tuple((opening, closing) for opening, closing in day_intervals)
        previous_end: time | None = None
        for opening, closing in checked:
            if opening.tzinfo is not None or closing.tzinfo is not None:
                raise ValueError("weekly hours are wall-clock times without tzinfo")
            if not opening < closing:
                raise ValueError(f"opening interval {opening}–{closing} must end after it starts")
            if previous_end is not None and opening < previous_end:
                raise ValueError(f"weekly hours of weekday {weekday} must be sorted and disjoint")
            previous_end = closing
        if checked:
            weekly[weekday] = checked
    return weekly


def _merged(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    intervals: list[tuple[int, int, int]], cuts: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Remove the sorted disjoint `cuts` from the sorted `intervals` in one sweep."""
    if not cuts:
        return intervals
    result: list[tuple[int, int, int]] = []
    first_cut = 0
    for start, end, ordinal in intervals:
        while first_cut < len(cuts) and cuts[first_cut][1] <= start:
            first_cut += 1
        cursor = start
        index = first_cut
        while index < len(cuts) and cuts[index][0] < end and cursor < end:
            cut_start, cut_end = cuts[index]
            if cut_start > cursor:
                result.append((cursor, cut_start, ordinal))
            cursor = max(cursor, cut_end)
            index += 1
        if cursor < end:
            result.append((cursor, end, ordinal))
    return result


# --- the rules ---------------------------------------------------------------------------------


def _received(submitted: datetime, rule: Rule, calendar: BusinessCalendar) -> datetime:
    """`submitted` already in calendar.tz."""
    if rule.reception is Reception.ALWAYS:
        return submitted
    return calendar.next_open(submitted)


def _due(received: datetime, rule: Rule, calendar: BusinessCalendar) -> datetime | None:
    """`received` already in calendar.tz."""
    kind = rule.target_kind
    if kind is TargetKind.NONE:
        return None
    value = rule.target_value
    assert value is not None  # Rule.__post_init__ guarantees it for the other kinds
    if kind is TargetKind.WALL_MINUTES:
        # Art. 3.3 "1 hour" is elapsed time: add in UTC, where a day always has 24 hours. Adding
        # to a local wall time would be off by the jump on a DST change (none in Tokyo today,
        # but calendars take any zone).
        return (received.astimezone(UTC) + timedelta(minutes=value)).astimezone(calendar.tz)
    if kind is TargetKind.BUSINESS_DAY_END:
        return calendar.business_day_end(received.date(), value)
    return add_business_minutes(received, value, calendar)


def received_at(
    submitted_at: datetime,
    plan: str,
    severity: str,
    policy: Policy,
    calendar: BusinessCalendar,
) -> datetime:
    """受付日時: `submitted_at` when reception is open for the rule, else the next opening."""
    _require_aware(submitted_at, "submitted_at")
    rule = policy.rule(plan, severity)
    return _received(submitted_at.astimezone(calendar.tz), rule, calendar)


def first_response_due(
    received: datetime,
    plan: str,
    severity: str,
    policy: Policy,
    calendar: BusinessCalendar,
) -> datetime | None:
    """The first-response deadline counted from `received`, or None when nothing is promised."""
    _require_aware(received, "received")
    rule = policy.rule(plan, severity)
    return _due(received.astimezone(calendar.tz), rule, calendar)


def add_business_minutes(start: datetime, minutes: int, calendar: BusinessCalendar) -> datetime:
    """The instant after `minutes` of opening time counted from `start`.

    Counting starts at `start` when open, else at the next opening. A count that ends exactly
    at a closing returns that closing (16:00 + 60 minutes = 17:00, not 09:00 the next day);
    0 minutes returns `start` itself.
    """
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    epoch = calendar._epoch(start, "start")
    if minutes == 0:
        return start.astimezone(calendar.tz)
    starts = calendar._open_starts
    index = bisect.bisect_right(starts, epoch) - 1
    seconds = minutes * 60
    if index >= 0 and epoch < calendar._open_ends[index]:
        # Inside interval `index`: position in opening time = before[index] + (epoch - start).
        target = calendar._open_before[index] + (epoch - starts[index]) + seconds
        last = bisect.bisect_left(calendar._open_through, target)
        if last >= len(starts):
            raise calendar._beyond(f"{minutes} business minutes after {start.isoformat()}")
        # Integer seconds between the two instants keep the microseconds of `start` exact.
        shift = starts[last] - starts[index] + calendar._open_before[index]
        shift += seconds - calendar._open_before[last]
        return (start.astimezone(UTC) + timedelta(seconds=shift)).astimezone(calendar.tz)
    first = index + 1
    if first >= len(starts):
        raise calendar._beyond(f"{minutes} business minutes after {start.isoformat()}")
    target = calendar._open_before[first] + seconds
    last = bisect.bisect_left(calendar._open_through, target)
    if last >= len(starts):
        raise calendar._beyond(f"{minutes} business minutes after {start.isoformat()}")
    return datetime.fromtimestamp(starts[last] + target - calendar._open_before[last], calendar.tz)


def next_business_day_end(moment: datetime, calendar: BusinessCalendar, n: int = 1) -> datetime:
    """Closing time of the n-th business day after the calendar date of `moment` in `tz`.

    Art. 3.3 翌営業日 (DOMAIN.md point 6): 17:00 of the first business day after receipt.
    """
    _require_aware(moment, "moment")
    return calendar.business_day_end(moment.astimezone(calendar.tz).date(), n)


# --- the deadline and its explanation -----------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the explanation of a deadline, in Japanese and in English."""

    code: str
    ja: str
    en: str


@dataclass(frozen=True)
class Deadline:
    """Received-at and first-response deadline of one ticket, with the reasons (`steps`).

    `steps` is built on first access (the deadline itself does not need it).
    """

    plan: str
    severity: str
    policy_name: str
    submitted_at: datetime
    received_at: datetime
    first_response_due: datetime | None
    rule: Rule
    calendar: BusinessCalendar = field(repr=False, compare=False)

    @property
    def has_commitment(self) -> bool:
        return self.first_response_due is not None

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        return _explain(self)


def compute_deadline(
    submitted_at: datetime,
    plan: str,
    severity: str,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Deadline:
    """Reception and first-response deadline of a ticket submitted at `submitted_at`."""
    _require_aware(submitted_at, "submitted_at")
    rule = policy.rule(plan, severity)
    submitted = submitted_at.astimezone(calendar.tz)
    received = _received(submitted, rule, calendar)
    return Deadline(
        plan,
        severity,
        policy.name,
        submitted,
        received,
        _due(received, rule, calendar),
        rule,
        calendar,
    )


SEVERITY_JA: Final[Mapping[str, str]] = {
    CRITICAL: "重大",
    HIGH: "高",
    NON_CRITICAL: "重大でない",
}
PLAN_JA: Final[Mapping[str, str]] = {
    BUSINESS_HOURS: "平日9時～17時",
    TWENTY_FOUR_SEVEN: "24時間365日",
}
# The same in English words (not the codes "high", "business_hours").
SEVERITY_EN: Final[Mapping[str, str]] = {
    CRITICAL: "Critical",
    HIGH: "High",
    NON_CRITICAL: "Non-critical",
}
PLAN_EN: Final[Mapping[str, str]] = {
    BUSINESS_HOURS: "weekdays 9:00–17:00",
    TWENTY_FOUR_SEVEN: "24 hours, 365 days",
}


def _clock(moment: datetime) -> str:
    if moment.second or moment.microsecond:
        return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _full_ja(moment: datetime) -> str:
    weekday = WEEKDAYS_JA[moment.weekday()]
    return f"{moment.date().isoformat()}({weekday}) {_clock(moment)} {moment.tzname()}"


def _full_en(moment: datetime) -> str:
    weekday = WEEKDAYS_EN[moment.weekday()]
    return f"{weekday} {moment.date().isoformat()} {_clock(moment)} {moment.tzname()}"


def _short_ja(moment: datetime) -> str:
    weekday = WEEKDAYS_JA[moment.weekday()]
    return f"{moment.month}/{moment.day}({weekday}) {_clock(moment)}"


def _short_en(moment: datetime) -> str:
    weekday = WEEKDAYS_EN[moment.weekday()]
    return f"{weekday} {moment.month}/{moment.day} {_clock(moment)}"


def _minutes_ja(minutes: int) -> str:
    return f"{minutes // 60}時間" if minutes % 60 == 0 else f"{minutes}分"


def _minutes_en(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _closed_steps(days: tuple[ClosedDay, ...]) -> list[Step]:
    """One step per run of consecutive closed dates: "5/2–5/6 休業 (土, 憲法記念日, …)"."""
    runs: list[list[ClosedDay]] = []
    for closed in days:
        if runs and closed.day.toordinal() == runs[-1][-1].day.toordinal() + 1:
            runs[-1].append(closed)
        else:
            runs.append([closed])
    steps = []
    for run in runs:
        first, last = run[0].day, run[-1].day
        span = f"{first.month}/{first.day}"
        if last != first:
            span += f"–{last.month}/{last.day}"
        # Names in order of first appearance, each once: year-end stays "年末年始休業, 元日".
        names_ja = ", ".join(dict.fromkeys(closed.name for closed in run))
        names_en = ", ".join(dict.fromkeys(closed.name_en for closed in run))
        steps.append(Step("closed", f"{span} 休業 ({names_ja})", f"closed {span} ({names_en})"))
    return steps


def _explain(deadline: Deadline) -> tuple[Step, ...]:
    rule, calendar = deadline.rule, deadline.calendar
    submitted, received, due = (
        deadline.submitted_at,
        deadline.received_at,
        deadline.first_response_due,
    )
    contract_ja = (
        f"{SEVERITY_JA.get(deadline.severity, deadline.severity)}・"
        f"{PLAN_JA.get(deadline.plan, deadline.plan)}契約"
    )
    contract_en = (
        f"{SEVERITY_EN.get(deadline.severity, deadline.severity)} severity, "
        f"{PLAN_EN.get(deadline.plan, deadline.plan)} contract"
    )

    steps = [Step("submitted", f"送信 {_full_ja(submitted)}", f"submitted {_full_en(submitted)}")]
    if rule.reception is Reception.ALWAYS:
        steps.append(
            Step(
                "reception_always",
                f"{contract_ja}: 受付時間 24時間年中無休",
                f"{contract_en}: reception around the clock",
            )
        )
    else:
        steps.append(
            Step(
                "reception_business_hours",
                f"{contract_ja}: 受付時間 営業時間内",
                f"{contract_en}: reception in business hours",
            )
        )
        if received != submitted:
            if calendar.is_business_day(submitted.date()):
                steps.append(
                    Step(
                        "outside_hours",
                        f"{_short_ja(submitted)} は受付時間外",
                        f"{_short_en(submitted)} is outside business hours",
                    )
                )
            steps += _closed_steps(calendar.closed_days_between(submitted.date(), received.date()))
    steps.append(
        Step("received", f"受付日時 {_short_ja(received)}", f"received {_short_en(received)}")
    )

    kind, value = rule.target_kind, rule.target_value
    if due is None or value is None:
        steps.append(
            Step(
                "no_commitment",
                f"{contract_ja}: 初回応答 確約なし",
                f"{contract_en}: no commitment",
            )
        )
        return tuple(steps)
    if kind is TargetKind.WALL_MINUTES:
        steps.append(
            Step(
                "wall_minutes",
                f"{contract_ja}: 初回応答 {_minutes_ja(value)}以内 → {_short_ja(due)}",
                f"{contract_en}: first response within {_minutes_en(value)} → due {_short_en(due)}",
            )
        )
        return tuple(steps)
    steps += _closed_steps(
        calendar.closed_days_between(received.date() + timedelta(days=1), due.date())
    )
    if kind is TargetKind.BUSINESS_DAY_END:
        which_ja = "翌営業日" if value == 1 else f"{value}営業日後"
        which_en = (
            "the next business day" if value == 1 else f"the {_ordinal_en(value)} business day"
        )
        steps.append(
            Step(
                "business_day_end",
                f"{contract_ja}: 初回応答 {which_ja} → {_short_ja(due)}",
                f"{contract_en}: first response by {which_en} → due {_short_en(due)}",
            )
        )
    else:
        steps.append(
            Step(
                "business_minutes",
                f"{contract_ja}: 初回応答 営業時間で{_minutes_ja(value)}以内 → {_short_ja(due)}",
                f"{contract_en}: first response within {_minutes_en(value)} of business hours "
                f"→ due {_short_en(due)}",
            )
        )
    return tuple(steps)


# --- state of a running clock -------------------------------------------------------------------


class SlaState(StrEnum):
    NO_COMMITMENT = "no_commitment"
    RUNNING = "running"
    # An internal target waiting on the customer or on Microsoft (DOMAIN.md point 13): the time
    # is not counted. The terms' first response never pauses.
    PAUSED = "paused"
    AT_RISK = "at_risk"
    MET = "met"
    BREACHED = "breached"
    # Finished (resolved or closed) without a first response, before the deadline: the clock
    # stopped with nothing owed. Finished after the deadline is still a breach.
    STOPPED = "stopped"


def at_risk_from(
    received: datetime,
    due: datetime,
    *,
    share: float = 0.75,
    latest_before_due: timedelta | None = None,
) -> datetime:
    """The instant the at-risk warning is due: `share` of the way from receipt to the deadline,
    or `latest_before_due` before the deadline when that comes first. In UTC: subtracting two
    datetimes of the same zone ignores DST jumps, UTC has none."""
    _require_aware(received, "received")
    _require_aware(due, "due")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    received_utc, due_utc = received.astimezone(UTC), due.astimezone(UTC)
    warning = received_utc + (due_utc - received_utc) * share
    if latest_before_due is not None:
        warning = min(warning, due_utc - latest_before_due)
    return warning.astimezone(due.tzinfo)


def sla_state(
    *,
    now: datetime,
    received_at: datetime | None,
    first_response_due: datetime | None,
    first_responded_at: datetime | None,
    at_risk_share: float = 0.75,
    critical_at_risk_minutes: int | None = None,
    breached_at: datetime | None = None,
    stopped_at: datetime | None = None,
) -> SlaState:
    """Where the first-response clock stands at `now`.

    No deadline: NO_COMMITMENT (DOMAIN.md point 7, never a breach). Responded: MET when on or
    before the deadline, else BREACHED. Not responded: BREACHED from the deadline on (or once a
    breach was recorded in `breached_at`); finished without a response at `stopped_at` before
    the deadline: STOPPED; else AT_RISK from `at_risk_from`, else RUNNING.
    """
    if first_response_due is None:
        return SlaState.NO_COMMITMENT
    _require_aware(first_response_due, "first_response_due")
    # Compare in UTC: two datetimes of the same DST zone compare by wall clock, which misorders
    # the repeated hour of a fall-back night.
    due = first_response_due.astimezone(UTC)
    if first_responded_at is not None:
        _require_aware(first_responded_at, "first_responded_at")
        return SlaState.MET if first_responded_at.astimezone(UTC) <= due else SlaState.BREACHED
    _require_aware(now, "now")
    now_utc = now.astimezone(UTC)
    if breached_at is not None:
        return SlaState.BREACHED
    if stopped_at is not None:
        _require_aware(stopped_at, "stopped_at")
        return SlaState.STOPPED if stopped_at.astimezone(UTC) < due else SlaState.BREACHED
    if now_utc >= due:
        return SlaState.BREACHED
    latest_before_due = (
        timedelta(minutes=critical_at_risk_minutes)
        if critical_at_risk_minutes is not None
        else None
    )
    if received_at is None:
        if latest_before_due is not None and now_utc >= due - latest_before_due:
            return SlaState.AT_RISK
        return SlaState.RUNNING
    warning = at_risk_from(
        received_at, due, share=at_risk_share, latest_before_due=latest_before_due
    )
    return SlaState.AT_RISK if now_utc >= warning else SlaState.RUNNING


def clock_state(
    *,
    now: datetime,
    due: datetime | None,
    fulfilled_at: datetime | None,
    at_risk_at: datetime | None = None,
    breached_at: datetime | None = None,
    stopped_at: datetime | None = None,
    paused_since: datetime | None = None,
) -> SlaState:
    """Where a clock stands at `now`, from its stored instants only: the one rule every screen,
    filter and sweep agrees with (`tickets.clocks` holds its twin as database conditions).

    In this order: no due instant is NO_COMMITMENT (DOMAIN.md point 7, never a breach).
    Fulfilled (the first response, the reply, the resolution): MET on or before the due
    instant, else BREACHED. A recorded breach stands (BREACHED). Finished unfulfilled at
    `stopped_at`: STOPPED before the due instant (nothing was owed), else BREACHED. Paused
    (internal targets only): PAUSED. Then BREACHED from the due instant on, AT_RISK from the
    stored warning instant `at_risk_at`, else RUNNING. The warning instant is stored when the
    clock starts, so changing the warning share later never makes two screens disagree."""
    if due is None:
        return SlaState.NO_COMMITMENT
    _require_aware(due, "due")
    # Compare in UTC: two datetimes of the same DST zone compare by wall clock.
    due_utc = due.astimezone(UTC)
    if fulfilled_at is not None:
        _require_aware(fulfilled_at, "fulfilled_at")
        return SlaState.MET if fulfilled_at.astimezone(UTC) <= due_utc else SlaState.BREACHED
    if breached_at is not None:
        return SlaState.BREACHED
    if stopped_at is not None:
        _require_aware(stopped_at, "stopped_at")
        return SlaState.STOPPED if stopped_at.astimezone(UTC) < due_utc else SlaState.BREACHED
    if paused_since is not None:
        return SlaState.PAUSED
    _require_aware(now, "now")
    now_utc = now.astimezone(UTC)
    if now_utc >= due_utc:
        return SlaState.BREACHED
    if at_risk_at is not None and now_utc >= at_risk_at.astimezone(UTC):
        return SlaState.AT_RISK
    return SlaState.RUNNING


def sla_margin(
    *,
    now: datetime,
    first_response_due: datetime | None,
    first_responded_at: datetime | None,
) -> timedelta | None:
    """Deadline minus the response (or `now` while unanswered); negative when late."""
    if first_response_due is None:
        return None
    _require_aware(first_response_due, "first_response_due")
    end = first_responded_at if first_responded_at is not None else now
    _require_aware(end, "first_responded_at" if first_responded_at is not None else "now")
    # Aware datetimes of different zones subtract in UTC; convert both so that two datetimes of
    # the same DST zone do not subtract wall clocks.
    return first_response_due.astimezone(UTC) - end.astimezone(UTC)


def target_due(start: datetime, rule: InternalRule, calendar: BusinessCalendar) -> datetime | None:
    """The due instant of an internal target whose clock starts at `start`, or None."""
    _require_aware(start, "start")
    return _due(
        start.astimezone(calendar.tz),
        Rule(Reception.ALWAYS, rule.target_kind, rule.target_value),
        calendar,
    )


def business_seconds_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> int:
    """Seconds of opening time in [start, end): what a pause takes out of a business clock."""
    first, last = calendar._epoch(start, "start"), calendar._epoch(end, "end")
    if last <= first:
        return 0
    return round(_opening_position(calendar, last) - _opening_position(calendar, first))


def _opening_position(calendar: BusinessCalendar, epoch: float) -> float:
    """Opening seconds from the calendar's start up to `epoch`."""
    index = bisect.bisect_right(calendar._open_starts, epoch) - 1
    if index < 0:
        return 0.0
    inside = min(epoch, calendar._open_ends[index]) - calendar._open_starts[index]
    return calendar._open_before[index] + inside


@dataclass(frozen=True)
class Pause:
    """A pause of an internal target: [start, end), and the time it took out of the clock."""

    start: datetime
    end: datetime
    seconds_not_counted: int
    due_before: datetime
    due_after: datetime


def due_after_pause(
    *,
    due: datetime,
    rule: InternalRule,
    paused_since: datetime,
    resumed_at: datetime,
    calendar: BusinessCalendar,
) -> Pause:
    """The due instant once a pause [paused_since, resumed_at) ends: the paused time is not
    counted. A wall-clock target moves by the elapsed time (added in UTC: a day always has 24
    hours there); a business target moves by the opening time the pause covered, added as
    opening time (a pause over a night or a weekend costs nothing)."""
    _require_aware(due, "due")
    _require_aware(paused_since, "paused_since")
    _require_aware(resumed_at, "resumed_at")
    if rule.target_kind is TargetKind.WALL_MINUTES:
        seconds = max(
            int((resumed_at.astimezone(UTC) - paused_since.astimezone(UTC)).total_seconds()), 0
        )
        moved = (due.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(calendar.tz)
    else:
        seconds = business_seconds_between(paused_since, resumed_at, calendar)
        moved = _add_business_seconds(due.astimezone(calendar.tz), seconds, calendar)
    return Pause(
        start=paused_since.astimezone(calendar.tz),
        end=resumed_at.astimezone(calendar.tz),
        seconds_not_counted=seconds,
        due_before=due.astimezone(calendar.tz),
        due_after=moved,
    )


def _add_business_seconds(start: datetime, seconds: int, calendar: BusinessCalendar) -> datetime:
    if seconds <= 0:
        return start
    minutes, rest = divmod(seconds, 60)
    moved = add_business_minutes(start, minutes, calendar) if minutes else start
    if rest:
        # The remaining seconds, inside the opening the minutes ended in (or the next one).
        position = _opening_position(calendar, calendar._epoch(moved)) + rest
        index = bisect.bisect_left(calendar._open_through, position)
        if index >= len(calendar._open_starts):
            raise calendar._beyond(f"{seconds} business seconds after {start.isoformat()}")
        epoch = calendar._open_starts[index] + position - calendar._open_before[index]
        moved = datetime.fromtimestamp(epoch, calendar.tz)
    return moved


TARGET_JA: Final[Mapping[str, str]] = {
    Target.FIRST_RESPONSE: "初回応答（約款 第3条3.3）",
    Target.NEXT_REPLY: "次回返信（社内目標）",
    Target.RESOLUTION: "解決（社内目標）",
}
TARGET_EN: Final[Mapping[str, str]] = {
    Target.FIRST_RESPONSE: "first response (terms, Art. 3.3)",
    Target.NEXT_REPLY: "next reply (internal target)",
    Target.RESOLUTION: "resolution (internal target)",
}
WAITING_JA: Final[Mapping[str, str]] = {
    "waiting_on_customer": "お客様の回答待ち",
    "waiting_on_microsoft": "Microsoft の回答待ち",
}
WAITING_EN: Final[Mapping[str, str]] = {
    "waiting_on_customer": "waiting on the customer",
    "waiting_on_microsoft": "waiting on Microsoft",
}


def _span_ja(seconds: int) -> str:
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours}時間{rest}分" if rest else f"{hours}時間"


def _span_en(seconds: int) -> str:
    hours, rest = divmod(seconds // 60, 60)
    text = "1 hour" if hours == 1 else f"{hours} hours"
    return f"{text} {rest} minutes" if rest else text


def target_start_step(
    target: str, start: datetime, due: datetime | None, rule: InternalRule
) -> Step:
    """The explanation of an internal target's start, in Japanese and English."""
    name_ja, name_en = TARGET_JA.get(target, target), TARGET_EN.get(target, target)
    if due is None:
        return Step("target_none", f"{name_ja}: 目標なし", f"{name_en}: no target")
    return Step(
        "target_started",
        f"{name_ja}: {_short_ja(start)} 開始 → 期限 {_short_ja(due)}",
        f"{name_en}: started {_short_en(start)} → due {_short_en(due)}",
    )


def target_retimed_step(
    target: str, *, start: datetime, due: datetime | None, severity: str
) -> Step:
    """The explanation of an internal target re-timed by a severity change: the same start,
    the new severity's target."""
    name_ja, name_en = TARGET_JA.get(target, target), TARGET_EN.get(target, target)
    severity_ja = SEVERITY_JA.get(severity, severity)
    severity_en = severity.replace("_", "-")
    if due is None:
        return Step(
            "severity_changed",
            f"{name_ja}: 重大度を「{severity_ja}」に変更 → 目標なし",
            f"{name_en}: severity changed to {severity_en} → no target",
        )
    return Step(
        "severity_changed",
        f"{name_ja}: 重大度を「{severity_ja}」に変更、{_short_ja(start)} 開始のまま再計算 → "
        f"期限 {_short_ja(due)}",
        f"{name_en}: severity changed to {severity_en}, re-timed from the start "
        f"{_short_en(start)} → due {_short_en(due)}",
    )


def pause_step(pause: Pause, *, waiting: str, business: bool) -> Step:
    """ "paused 5/7 10:00–5/8 14:00 waiting on the customer: 28 hours not counted"."""
    unit_ja = "営業時間で" if business else ""
    unit_en = " of business hours" if business else ""
    due_ja = _short_ja(pause.due_after)
    return Step(
        "paused",
        f"{_short_ja(pause.start)}–{_short_ja(pause.end)} "
        f"{WAITING_JA.get(waiting, waiting)}のため一時停止: "
        f"{unit_ja}{_span_ja(pause.seconds_not_counted)}を計上せず → 期限 {due_ja}",
        f"paused {_short_en(pause.start)}–{_short_en(pause.end)} "
        f"{WAITING_EN.get(waiting, waiting)}: {_span_en(pause.seconds_not_counted)}{unit_en} "
        f"not counted → due {_short_en(pause.due_after)}",
    )


def business_seconds_many(
    pairs: Iterable[tuple[datetime, datetime]], calendar: BusinessCalendar
) -> list[int]:
    """`business_seconds_between` for many (start, end) pairs at once: the same rule, with the
    calendar's arrays looked up once (reports sum tens of thousands of first responses)."""
    starts, ends, before = calendar._open_starts, calendar._open_ends, calendar._open_before
    low, high = calendar._range_start, calendar._range_end
    bisect_right = bisect.bisect_right

    def position(epoch: float) -> float:
        if not low <= epoch < high:
            raise OutOfCalendarRange(f"{epoch} is outside the business calendar")
        index = bisect_right(starts, epoch) - 1
        if index < 0:
            return 0.0
        return before[index] + min(epoch - starts[index], ends[index] - starts[index])

    result = []
    for start, end in pairs:
        _require_aware(start, "start")
        _require_aware(end, "end")
        result.append(max(0, round(position(end.timestamp()) - position(start.timestamp()))))
    return result
