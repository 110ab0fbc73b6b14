"""Report periods in Japan time: a month, a quarter, or a custom range of dates, each the
half-open interval [start, end) of aware instants at JST midnights. Pure: no ORM, no clock."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
MAX_CUSTOM_DAYS = 366


class PeriodInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter" or "custom"
    first_day: datetime.date
    last_day: datetime.date  # inclusive

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(0), tzinfo=JST)

    @property
    def end(self) -> datetime.datetime:
        """Midnight JST after the last day (exclusive)."""
        return datetime.datetime.combine(
            self.last_day + datetime.timedelta(days=1), datetime.time(0), tzinfo=JST
        )

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def months(self) -> list[Period]:
        """The calendar months the period touches (the trend chart's bars)."""
        result = []
        day = self.first_day.replace(day=1)
        while day <= self.last_day:
            result.append(month_period(day.year, day.month))
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return result


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise PeriodInvalid(f"no such month: {year}-{month:02d}")
    first = datetime.date(year, month, 1)
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return Period("month", first, following - datetime.timedelta(days=1))


def parse_month(value: str) -> Period:
    """ "2026-11" → November 2026 (JST)."""
    match = _MONTH.match(value or "")
    if not match:
        raise PeriodInvalid(f"expected YYYY-MM, got {value!r}")
    return month_period(int(match.group(1)), int(match.group(2)))


def parse_quarter(value: str) -> Period:
    """ "2026-Q4" → October–December 2026 (JST)."""
    match = _QUARTER.match(value or "")
    if not match:
        raise PeriodInvalid(f"expected YYYY-Qn, got {value!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    first = month_period(year, 3 * quarter - 2)
    last = month_period(year, 3 * quarter)
    return Period("quarter", first.first_day, last.last_day)


def custom_period(first_day: datetime.date, last_day: datetime.date) -> Period:
    if last_day < first_day:
        raise PeriodInvalid("the range ends before it starts")
    if (last_day - first_day).days >= MAX_CUSTOM_DAYS:
        raise PeriodInvalid(f"a custom range is at most {MAX_CUSTOM_DAYS} days")
    return Period("custom", first_day, last_day)


def previous_month(today: datetime.date) -> Period:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return month_period(last.year, last.month)


def percentile(values: list[float], share: float) -> float | None:
    """The `share` percentile (0.5 = median) by linear interpolation between closest ranks,
    as PostgreSQL's percentile_cont; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
