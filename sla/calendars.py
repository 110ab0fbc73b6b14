"""Builders of business calendars from plain data, and Japanese national holidays.

No ORM here: the Django side reads weekly hours, company holidays and closures from the
database and passes them to `build_calendar`, exactly as `default_calendar` does with the
defaults of DOMAIN.md point 3 (weekdays 09:00–17:00 JST, national holidays including 振替休日
and 国民の休日, and the company's year-end closure December 29 – January 3).
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Iterable, Mapping
from datetime import date, time, timedelta
from functools import cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

import holidays as holidays_package

from sla.deadlines import BusinessCalendar, Closure

__all__ = [
    "DEFAULT_FIRST_YEAR",
    "DEFAULT_LAST_YEAR",
    "DEFAULT_WEEKLY_HOURS",
    "TOKYO",
    "YEAR_END_CLOSURE_NAME",
    "YEAR_END_CLOSURE_NAME_EN",
    "build_calendar",
    "default_calendar",
    "japan_national_holidays",
    "weekly_hours_from_rows",
    "yearly_range_dates",
]

TOKYO: Final = ZoneInfo("Asia/Tokyo")

# DOMAIN.md point 2: business hours are [09:00, 17:00) on Monday to Friday.
DEFAULT_WEEKLY_HOURS: Final[Mapping[int, tuple[tuple[time, time], ...]]] = MappingProxyType(
    {weekday: ((time(9, 0), time(17, 0)),) for weekday in range(5)}
)

# DOMAIN.md point 3: the default company-designated holidays.
YEAR_END_CLOSURE_NAME: Final = "年末年始休業"
YEAR_END_CLOSURE_NAME_EN: Final = "year-end holidays"

DEFAULT_FIRST_YEAR: Final = 2015
DEFAULT_LAST_YEAR: Final = 2040


def japan_national_holidays(
    first_year: int, last_year: int, language: str = "ja"
) -> dict[date, str]:
    """Japanese national holidays of [first_year, last_year], with 振替休日 and 国民の休日."""
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    national = holidays_package.country_holidays(
        "JP", years=range(first_year, last_year + 1), language=language
    )
    return {day: str(name) for day, name in sorted(national.items())}


def _clamped(year: int, month: int, day: int) -> date:
    # February 29 in a year without it becomes February 28.
    return date(year, month, min(day, stdlib_calendar.monthrange(year, month)[1]))


def yearly_range_dates(
    start_month: int,
    start_day: int,
    end_month: int,
    end_day: int,
    first_year: int,
    last_year: int,
) -> list[date]:
    """Every date of the yearly range start–end (inclusive) falling in [first_year, last_year].

    A range whose end comes before its start wraps the year end: (12, 29, 1, 3) is December 29
    to January 3, so January 1–3 of `first_year` belong to the range started the year before.
    """
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    # Validate month and day against a leap year, so that February 29 is accepted.
    date(2000, start_month, start_day)
    date(2000, end_month, end_day)
    wraps = (end_month, end_day) < (start_month, start_day)
    dates: list[date] = []
    for year in range(first_year - 1 if wraps else first_year, last_year + 1):
        start = _clamped(year, start_month, start_day)
        end = _clamped(year + 1 if wraps else year, end_month, end_day)
        day = start
        while day <= end:
            if first_year <= day.year <= last_year:
                dates.append(day)
            day += timedelta(days=1)
    return dates


def weekly_hours_from_rows(
    rows: Iterable[tuple[int, time, time]],
) -> dict[int, tuple[tuple[time, time], ...]]:
    """Weekly hours from (weekday, opens, closes) rows in any order, e.g. database rows."""
    weekly: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in rows:
        weekly.setdefault(weekday, []).append((opens, closes))
    return {weekday: tuple(sorted(intervals)) for weekday, intervals in sorted(weekly.items())}


def build_calendar(
    *,
    first_year: int = DEFAULT_FIRST_YEAR,
    last_year: int = DEFAULT_LAST_YEAR,
    tz: ZoneInfo = TOKYO,
    weekly_hours: Mapping[int, tuple[tuple[time, time], ...]] = DEFAULT_WEEKLY_HOURS,
    national_holidays: bool = True,
    company_holidays: Mapping[date, str] | None = None,
    company_holidays_en: Mapping[date, str] | None = None,
    closures: Iterable[Closure] = (),
) -> BusinessCalendar:
    """A business calendar from plain data.

    A date that is both a national and a company holiday shows the national name (元日 rather
    than 年末年始休業). English names of company holidays default to their Japanese names.
    """
    names: dict[date, str] = {}
    names_en: dict[date, str] = {}
    for day, name in (company_holidays or {}).items():
        names[day] = name
        names_en[day] = (company_holidays_en or {}).get(day, name)
    if national_holidays:
        names.update(japan_national_holidays(first_year, last_year, "ja"))
        names_en.update(japan_national_holidays(first_year, last_year, "en_US"))
    return BusinessCalendar(
        tz=tz,
        weekly_hours=weekly_hours,
        holidays=names,
        closures=tuple(sorted(closures, key=lambda closure: closure.start)),
        first_year=first_year,
        last_year=last_year,
        holiday_names_en=names_en,
    )


@cache
def default_calendar() -> BusinessCalendar:
    """The calendar of DOMAIN.md with default company holidays, 2015–2040 (built once)."""
    year_end = yearly_range_dates(12, 29, 1, 3, DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR)
    return build_calendar(
        company_holidays=dict.fromkeys(year_end, YEAR_END_CLOSURE_NAME),
        company_holidays_en=dict.fromkeys(year_end, YEAR_END_CLOSURE_NAME_EN),
    )
