"""`business_seconds_between`: opening time between two instants, the inverse of
`add_business_minutes` (what the reports' first-response times in business minutes use)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendars import TOKYO, default_calendar, japan_national_holidays
from sla.deadlines import (
    BusinessCalendar,
    add_business_minutes,
    business_seconds_between,
    business_seconds_many,
)

CALENDAR = default_calendar()
SPLIT = BusinessCalendar(
    tz=TOKYO,
    weekly_hours={day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)},
    holidays=japan_national_holidays(2026, 2027),
    first_year=2026,
    last_year=2027,
)


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (jst(2026, 11, 2, 10), jst(2026, 11, 2, 10, 30), 30),  # inside one opening
        (jst(2026, 11, 3, 10), jst(2026, 11, 3, 11, 30), 0),  # 文化の日
        (jst(2026, 11, 4, 10), jst(2026, 11, 5, 9, 30), 450),  # across a night
        (jst(2026, 11, 6, 16), jst(2026, 11, 9, 10), 120),  # across a weekend
        (jst(2026, 11, 7, 8), jst(2026, 11, 7, 20), 0),  # a Saturday
        (jst(2026, 11, 2, 18), jst(2026, 11, 2, 8), 0),  # end before start
        (jst(2026, 12, 28, 16), jst(2027, 1, 4, 10), 120),  # year-end closure
    ],
)
def test_business_minutes_between(start: datetime, end: datetime, minutes: int) -> None:
    assert business_seconds_between(start, end, CALENDAR) == minutes * 60


def test_lunch_break_is_not_counted() -> None:
    assert business_seconds_between(jst(2026, 11, 2, 11), jst(2026, 11, 2, 14), SPLIT) == 2 * 3600


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 5), max_value=datetime(2027, 11, 30)),
    minutes=st.integers(min_value=1, max_value=5000),
)
def test_inverse_of_add_business_minutes(start: datetime, minutes: int) -> None:
    moment = start.replace(tzinfo=TOKYO)
    for calendar in (CALENDAR, SPLIT):
        end = add_business_minutes(moment, minutes, calendar)
        assert business_seconds_between(moment, end, calendar) == minutes * 60


@settings(max_examples=100, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2026, 1, 5), max_value=datetime(2027, 11, 30)),
            st.datetimes(min_value=datetime(2026, 1, 5), max_value=datetime(2027, 11, 30)),
        ),
        max_size=20,
    )
)
def test_many_agrees_with_one_at_a_time(pairs: list[tuple[datetime, datetime]]) -> None:
    aware = [(a.replace(tzinfo=TOKYO), b.replace(tzinfo=TOKYO)) for a, b in pairs]
    assert business_seconds_many(aware, CALENDAR) == [
        business_seconds_between(a, b, CALENDAR) for a, b in aware
    ]
