"""Reception and first-response deadlines of Art. 3.3, as tables of cases (no database)."""

from __future__ import annotations

import os
import time as process_time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sla.calendars import (
    DEFAULT_WEEKLY_HOURS,
    TOKYO,
    build_calendar,
    default_calendar,
    japan_national_holidays,
    weekly_hours_from_rows,
    yearly_range_dates,
)
from sla.deadlines import (
    BUSINESS_HOURS,
    CRITICAL,
    HIGH,
    NON_CRITICAL,
    TERMS_2021,
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    Closure,
    Deadline,
    NaiveDatetimeError,
    OutOfCalendarRange,
    Policy,
    Reception,
    Rule,
    SlaState,
    Step,
    TargetKind,
    UnknownRule,
    add_business_minutes,
    at_risk_from,
    compute_deadline,
    first_response_due,
    next_business_day_end,
    policy_in_force,
    received_at,
    sla_margin,
    sla_state,
)

CALENDAR = default_calendar()
MINUS_FIVE = timezone(timedelta(hours=-5))

# Weekdays 09:00–12:00 and 13:00–17:00 (a lunch break), national holidays only.
SPLIT_CALENDAR = BusinessCalendar(
    tz=TOKYO,
    weekly_hours={day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)},
    holidays=japan_national_holidays(2026, 2027),
    first_year=2026,
    last_year=2027,
)


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


# --- the table of Art. 3.3, every plan × severity ----------------------------------------------

TUESDAY_MORNING = jst(2026, 6, 9, 10, 0)
TUESDAY_EVENING = jst(2026, 6, 9, 17, 30)
GOLDEN_WEEK_SATURDAY = jst(2026, 5, 2, 12, 0)


@pytest.mark.parametrize(
    ("submitted", "plan", "severity", "expected_received", "expected_due"),
    [
        # Open hours: received on submission; 重大 1 hour, 24x365 高 翌営業日, else 確約なし.
        (TUESDAY_MORNING, BUSINESS_HOURS, CRITICAL, jst(2026, 6, 9, 10), jst(2026, 6, 9, 11)),
        (TUESDAY_MORNING, BUSINESS_HOURS, HIGH, jst(2026, 6, 9, 10), None),
        (TUESDAY_MORNING, BUSINESS_HOURS, NON_CRITICAL, jst(2026, 6, 9, 10), None),
        (TUESDAY_MORNING, TWENTY_FOUR_SEVEN, CRITICAL, jst(2026, 6, 9, 10), jst(2026, 6, 9, 11)),
        (TUESDAY_MORNING, TWENTY_FOUR_SEVEN, HIGH, jst(2026, 6, 9, 10), jst(2026, 6, 10, 17)),
        (TUESDAY_MORNING, TWENTY_FOUR_SEVEN, NON_CRITICAL, jst(2026, 6, 9, 10), None),
        # Weekday evening: business-hours reception waits for 09:00; 24/7 reception does not.
        (
            TUESDAY_EVENING,
            BUSINESS_HOURS,
            CRITICAL,
            jst(2026, 6, 9, 17, 30),
            jst(2026, 6, 9, 18, 30),
        ),
        (TUESDAY_EVENING, BUSINESS_HOURS, HIGH, jst(2026, 6, 10, 9), None),
        (TUESDAY_EVENING, BUSINESS_HOURS, NON_CRITICAL, jst(2026, 6, 10, 9), None),
        (
            TUESDAY_EVENING,
            TWENTY_FOUR_SEVEN,
            CRITICAL,
            jst(2026, 6, 9, 17, 30),
            jst(2026, 6, 9, 18, 30),
        ),
        (TUESDAY_EVENING, TWENTY_FOUR_SEVEN, HIGH, jst(2026, 6, 9, 17, 30), jst(2026, 6, 10, 17)),
        (TUESDAY_EVENING, TWENTY_FOUR_SEVEN, NON_CRITICAL, jst(2026, 6, 9, 17, 30), None),
        # Saturday in Golden Week 2026 (5/2–5/6 closed): the first business day is Thu 5/7.
        (
            GOLDEN_WEEK_SATURDAY,
            BUSINESS_HOURS,
            CRITICAL,
            jst(2026, 5, 2, 12),
            jst(2026, 5, 2, 13),
        ),
        (GOLDEN_WEEK_SATURDAY, BUSINESS_HOURS, HIGH, jst(2026, 5, 7, 9), None),
        (GOLDEN_WEEK_SATURDAY, BUSINESS_HOURS, NON_CRITICAL, jst(2026, 5, 7, 9), None),
        (
            GOLDEN_WEEK_SATURDAY,
            TWENTY_FOUR_SEVEN,
            CRITICAL,
            jst(2026, 5, 2, 12),
            jst(2026, 5, 2, 13),
        ),
        (GOLDEN_WEEK_SATURDAY, TWENTY_FOUR_SEVEN, HIGH, jst(2026, 5, 2, 12), jst(2026, 5, 7, 17)),
        (GOLDEN_WEEK_SATURDAY, TWENTY_FOUR_SEVEN, NON_CRITICAL, jst(2026, 5, 2, 12), None),
    ],
)
def test_terms_table(
    submitted: datetime,
    plan: str,
    severity: str,
    expected_received: datetime,
    expected_due: datetime | None,
) -> None:
    deadline = compute_deadline(submitted, plan, severity, TERMS_2021, CALENDAR)

    assert deadline.received_at == expected_received
    assert deadline.first_response_due == expected_due
    assert deadline.has_commitment is (expected_due is not None)
    assert received_at(submitted, plan, severity, TERMS_2021, CALENDAR) == expected_received
    assert (
        first_response_due(expected_received, plan, severity, TERMS_2021, CALENDAR) == expected_due
    )


def test_terms_2021_rules() -> None:
    assert TERMS_2021.effective_from == date(2021, 7, 1)
    assert dict(TERMS_2021.rules) == {
        (BUSINESS_HOURS, CRITICAL): Rule(Reception.ALWAYS, TargetKind.WALL_MINUTES, 60),
        (TWENTY_FOUR_SEVEN, CRITICAL): Rule(Reception.ALWAYS, TargetKind.WALL_MINUTES, 60),
        (BUSINESS_HOURS, HIGH): Rule(Reception.BUSINESS_HOURS, TargetKind.NONE),
        (TWENTY_FOUR_SEVEN, HIGH): Rule(Reception.ALWAYS, TargetKind.BUSINESS_DAY_END, 1),
        (BUSINESS_HOURS, NON_CRITICAL): Rule(Reception.BUSINESS_HOURS, TargetKind.NONE),
        (TWENTY_FOUR_SEVEN, NON_CRITICAL): Rule(Reception.ALWAYS, TargetKind.NONE),
    }


# --- boundary seconds: business hours are [09:00, 17:00) ---------------------------------------


@pytest.mark.parametrize(
    ("submitted", "is_open", "expected_received"),
    [
        (jst(2026, 6, 9, 8, 59, 59), False, jst(2026, 6, 9, 9, 0, 0)),
        (jst(2026, 6, 9, 9, 0, 0), True, jst(2026, 6, 9, 9, 0, 0)),
        (jst(2026, 6, 9, 16, 59, 59), True, jst(2026, 6, 9, 16, 59, 59)),
        (jst(2026, 6, 9, 17, 0, 0), False, jst(2026, 6, 10, 9, 0, 0)),
        # Friday 17:00 waits for Monday.
        (jst(2026, 6, 12, 17, 0, 0), False, jst(2026, 6, 15, 9, 0, 0)),
    ],
)
def test_business_hours_boundaries(
    submitted: datetime, is_open: bool, expected_received: datetime
) -> None:
    assert CALENDAR.is_open(submitted) is is_open
    assert CALENDAR.next_open(submitted) == expected_received
    assert received_at(submitted, BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR) == expected_received


def test_open_moment_with_microseconds_is_received_unchanged() -> None:
    submitted = jst(2026, 6, 9, 16, 59, 59).replace(microsecond=999_999)

    assert received_at(submitted, BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR) == submitted


@pytest.mark.parametrize(
    ("received", "expected_due"),
    [
        (jst(2026, 6, 9, 0, 0, 0), jst(2026, 6, 10, 17)),
        (jst(2026, 6, 9, 16, 59, 59), jst(2026, 6, 10, 17)),
        (jst(2026, 6, 9, 17, 0, 0), jst(2026, 6, 10, 17)),
        (jst(2026, 6, 9, 23, 59, 59), jst(2026, 6, 10, 17)),
        # The calendar date of receipt counts, not the 24 hours after it.
        (jst(2026, 6, 10, 0, 0, 0), jst(2026, 6, 11, 17)),
        (jst(2026, 6, 12, 16, 59, 59), jst(2026, 6, 15, 17)),
        (jst(2026, 6, 13, 12, 0, 0), jst(2026, 6, 15, 17)),
    ],
)
def test_next_business_day_counts_from_the_date_of_receipt(
    received: datetime, expected_due: datetime
) -> None:
    assert first_response_due(received, TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CALENDAR) == (
        expected_due
    )
    assert next_business_day_end(received, CALENDAR) == expected_due


@pytest.mark.parametrize(
    ("received", "expected_due"),
    [
        (jst(2026, 6, 9, 16, 30), jst(2026, 6, 9, 17, 30)),
        (jst(2026, 6, 9, 23, 30), jst(2026, 6, 10, 0, 30)),
        (jst(2026, 12, 31, 23, 59, 59), jst(2027, 1, 1, 0, 59, 59)),
    ],
)
def test_one_hour_is_wall_clock_time(received: datetime, expected_due: datetime) -> None:
    for plan in (BUSINESS_HOURS, TWENTY_FOUR_SEVEN):
        assert first_response_due(received, plan, CRITICAL, TERMS_2021, CALENDAR) == expected_due


def test_one_hour_is_elapsed_time_across_a_dst_change() -> None:
    # Given a calendar in a zone with DST (none in Tokyo, but calendars take any zone)
    new_york = ZoneInfo("America/New_York")
    calendar = BusinessCalendar(new_york, DEFAULT_WEEKLY_HOURS, {}, (), 2026, 2026)
    # When a critical ticket arrives 30 minutes before clocks jump from 02:00 to 03:00
    received = datetime(2026, 3, 8, 1, 30, tzinfo=new_york)

    due = first_response_due(received, TWENTY_FOUR_SEVEN, CRITICAL, TERMS_2021, calendar)

    # Then the hour is 60 real minutes: 03:30 EDT, not the 02:30 wall time
    assert due == datetime(2026, 3, 8, 3, 30, tzinfo=new_york)
    assert due is not None
    assert due.astimezone(UTC) - received.astimezone(UTC) == timedelta(hours=1)


# --- holidays: Golden Week, Silver Week, substitute holidays, year end ------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 5, 3), "憲法記念日"),
        (date(2026, 5, 4), "みどりの日"),
        (date(2026, 5, 5), "こどもの日"),
        (date(2026, 5, 6), "振替休日"),
        (date(2026, 9, 21), "敬老の日"),
        (date(2026, 9, 22), "国民の休日"),
        (date(2026, 9, 23), "秋分の日"),
        (date(2027, 3, 21), "春分の日"),
        (date(2027, 3, 22), "振替休日"),
        (date(2026, 12, 29), "年末年始休業"),
        (date(2027, 1, 1), "元日"),
        (date(2027, 1, 3), "年末年始休業"),
    ],
)
def test_default_calendar_holidays(day: date, name: str) -> None:
    assert CALENDAR.holidays[day] == name
    assert CALENDAR.is_business_day(day) is False


@pytest.mark.parametrize(
    ("day", "is_business_day"),
    [
        (date(2026, 5, 1), True),  # Friday before Golden Week
        (date(2026, 5, 2), False),  # Saturday
        (date(2026, 5, 7), True),
        (date(2026, 9, 18), True),
        (date(2026, 9, 24), True),
        (date(2027, 3, 19), True),
        (date(2027, 3, 23), True),
        (date(2026, 12, 28), True),
        (date(2026, 12, 30), False),
        (date(2027, 1, 4), True),
    ],
)
def test_business_days(day: date, is_business_day: bool) -> None:
    assert CALENDAR.is_business_day(day) is is_business_day


@pytest.mark.parametrize(
    ("submitted", "plan", "severity", "expected_received", "expected_due"),
    [
        # Golden Week 2026: 5/2 Sat – 5/6 振替休日.
        (jst(2026, 5, 1, 17, 0), BUSINESS_HOURS, HIGH, jst(2026, 5, 7, 9), None),
        (jst(2026, 4, 30, 17, 0), BUSINESS_HOURS, HIGH, jst(2026, 5, 1, 9), None),
        (jst(2026, 5, 6, 23, 0), BUSINESS_HOURS, NON_CRITICAL, jst(2026, 5, 7, 9), None),
        (
            jst(2026, 5, 1, 10, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2026, 5, 1, 10, 0),
            jst(2026, 5, 7, 17),
        ),
        (
            jst(2026, 5, 6, 23, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2026, 5, 6, 23, 0),
            jst(2026, 5, 7, 17),
        ),
        # Silver Week 2026: 9/19 Sat – 9/23 秋分の日, with 9/22 国民の休日.
        (jst(2026, 9, 18, 17, 0), BUSINESS_HOURS, HIGH, jst(2026, 9, 24, 9), None),
        (jst(2026, 9, 22, 10, 0), BUSINESS_HOURS, NON_CRITICAL, jst(2026, 9, 24, 9), None),
        (
            jst(2026, 9, 18, 12, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2026, 9, 18, 12, 0),
            jst(2026, 9, 24, 17),
        ),
        # 2027-03-21 春分の日 is a Sunday, so Monday 3/22 is 振替休日.
        (jst(2027, 3, 19, 17, 30), BUSINESS_HOURS, NON_CRITICAL, jst(2027, 3, 23, 9), None),
        (
            jst(2027, 3, 19, 10, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2027, 3, 19, 10, 0),
            jst(2027, 3, 23, 17),
        ),
        # Year end: December 29 – January 3 is 年末年始休業 (1/1 元日).
        (jst(2026, 12, 28, 17, 0), BUSINESS_HOURS, HIGH, jst(2027, 1, 4, 9), None),
        (jst(2027, 1, 1, 10, 0), BUSINESS_HOURS, HIGH, jst(2027, 1, 4, 9), None),
        (
            jst(2026, 12, 28, 10, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2026, 12, 28, 10, 0),
            jst(2027, 1, 4, 17),
        ),
        (
            jst(2027, 12, 28, 18, 0),
            TWENTY_FOUR_SEVEN,
            HIGH,
            jst(2027, 12, 28, 18, 0),
            jst(2028, 1, 4, 17),
        ),
        # 重大 is received and answered through holidays.
        (
            jst(2026, 12, 31, 23, 30),
            BUSINESS_HOURS,
            CRITICAL,
            jst(2026, 12, 31, 23, 30),
            jst(2027, 1, 1, 0, 30),
        ),
    ],
)
def test_holiday_runs(
    submitted: datetime,
    plan: str,
    severity: str,
    expected_received: datetime,
    expected_due: datetime | None,
) -> None:
    deadline = compute_deadline(submitted, plan, severity, TERMS_2021, CALENDAR)

    assert (deadline.received_at, deadline.first_response_due) == (
        expected_received,
        expected_due,
    )


# --- input in other offsets --------------------------------------------------------------------


@pytest.mark.parametrize("plan", [BUSINESS_HOURS, TWENTY_FOUR_SEVEN])
@pytest.mark.parametrize("severity", [CRITICAL, HIGH, NON_CRITICAL])
@pytest.mark.parametrize(
    "submitted_jst",
    [
        # Tue 08:00 JST is still Monday in UTC (23:00) and in -05:00 (18:00).
        jst(2026, 6, 9, 8, 0),
        GOLDEN_WEEK_SATURDAY,
        jst(2026, 6, 9, 16, 59, 59),
        jst(2026, 12, 28, 17, 0),
    ],
)
def test_any_input_offset_gives_the_same_answer(
    submitted_jst: datetime, plan: str, severity: str
) -> None:
    expected = compute_deadline(submitted_jst, plan, severity, TERMS_2021, CALENDAR)

    for offset in (UTC, MINUS_FIVE, ZoneInfo("America/New_York")):
        deadline = compute_deadline(
            submitted_jst.astimezone(offset), plan, severity, TERMS_2021, CALENDAR
        )

        assert deadline == expected
        assert deadline.steps == expected.steps
        assert deadline.received_at.tzinfo is TOKYO
        assert deadline.submitted_at.tzinfo is TOKYO


def test_next_business_day_uses_the_jst_date_not_the_input_date() -> None:
    # Given Tue 2026-06-09 08:00 JST written as Mon 18:00 at -05:00
    submitted = datetime(2026, 6, 8, 18, 0, tzinfo=MINUS_FIVE)

    deadline = compute_deadline(submitted, TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CALENDAR)

    # Then the next business day after Tuesday (JST) is Wednesday
    assert deadline.received_at == jst(2026, 6, 9, 8, 0)
    assert deadline.first_response_due == jst(2026, 6, 10, 17)
    assert str(deadline.first_response_due) == "2026-06-10 17:00:00+09:00"


# --- several opening intervals per day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open", "expected_next_open"),
    [
        (jst(2026, 6, 9, 11, 59, 59), True, jst(2026, 6, 9, 11, 59, 59)),
        (jst(2026, 6, 9, 12, 0), False, jst(2026, 6, 9, 13, 0)),
        (jst(2026, 6, 9, 12, 59, 59), False, jst(2026, 6, 9, 13, 0)),
        (jst(2026, 6, 9, 13, 0), True, jst(2026, 6, 9, 13, 0)),
        (jst(2026, 6, 9, 17, 0), False, jst(2026, 6, 10, 9, 0)),
        (jst(2026, 5, 1, 17, 0), False, jst(2026, 5, 7, 9, 0)),
    ],
)
def test_split_day_next_open(moment: datetime, is_open: bool, expected_next_open: datetime) -> None:
    assert SPLIT_CALENDAR.is_open(moment) is is_open
    assert SPLIT_CALENDAR.next_open(moment) == expected_next_open


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (jst(2026, 6, 9, 9, 0), 60, jst(2026, 6, 9, 10, 0)),
        (jst(2026, 6, 9, 11, 30), 60, jst(2026, 6, 9, 13, 30)),  # across lunch
        (jst(2026, 6, 9, 11, 0), 60, jst(2026, 6, 9, 12, 0)),  # ends exactly at a closing
        (jst(2026, 6, 9, 12, 30), 30, jst(2026, 6, 9, 13, 30)),  # starts in the gap
        (jst(2026, 6, 9, 16, 30), 60, jst(2026, 6, 10, 9, 30)),  # overnight
        (jst(2026, 6, 9, 16, 0), 60, jst(2026, 6, 9, 17, 0)),
        (jst(2026, 6, 12, 16, 30), 60, jst(2026, 6, 15, 9, 30)),  # over the weekend
        (jst(2026, 5, 1, 16, 30), 60, jst(2026, 5, 7, 9, 30)),  # over Golden Week
        (jst(2026, 6, 9, 9, 0), 7 * 60, jst(2026, 6, 9, 17, 0)),  # a whole day is 7 hours
        (jst(2026, 6, 9, 9, 0), 7 * 60 + 1, jst(2026, 6, 10, 9, 1)),
        (jst(2026, 6, 9, 8, 0), 0, jst(2026, 6, 9, 8, 0)),  # zero minutes: the start itself
        (jst(2026, 6, 13, 8, 0), 1, jst(2026, 6, 15, 9, 1)),
    ],
)
def test_add_business_minutes_with_a_lunch_break(
    start: datetime, minutes: int, expected: datetime
) -> None:
    assert add_business_minutes(start, minutes, SPLIT_CALENDAR) == expected


def test_add_business_minutes_keeps_microseconds() -> None:
    start = jst(2026, 6, 9, 11, 59, 30).replace(microsecond=123_456)

    result = add_business_minutes(start, 1, SPLIT_CALENDAR)

    assert result == jst(2026, 6, 9, 13, 0, 30).replace(microsecond=123_456)


def test_split_day_business_day_end_is_the_last_closing() -> None:
    assert next_business_day_end(jst(2026, 6, 9, 10), SPLIT_CALENDAR) == jst(2026, 6, 10, 17)
    assert next_business_day_end(jst(2026, 6, 9, 10), SPLIT_CALENDAR, n=3) == jst(2026, 6, 12, 17)


def test_business_minutes_policy() -> None:
    # Given a policy with an internal target of 90 business minutes
    policy = Policy(
        name="internal",
        effective_from=date(2024, 1, 1),
        rules={
            (BUSINESS_HOURS, HIGH): Rule(Reception.BUSINESS_HOURS, TargetKind.BUSINESS_MINUTES, 90)
        },
    )

    deadline = compute_deadline(
        jst(2026, 6, 9, 11, 0), BUSINESS_HOURS, HIGH, policy, SPLIT_CALENDAR
    )

    assert deadline.first_response_due == jst(2026, 6, 9, 13, 30)
    assert deadline.steps[-1] == Step(
        "business_minutes",
        "高・平日9時～17時契約: 初回応答 営業時間で90分以内 → 6/9(火) 13:30",
        "High severity, weekdays 9:00–17:00 contract: first response within 90 minutes "
        "of business hours → due Tue 6/9 13:30",
    )


# --- one-off closures, whole or part of a day --------------------------------------------------

CLOSURE_CALENDAR = build_calendar(
    first_year=2026,
    last_year=2026,
    closures=[
        Closure(jst(2026, 6, 10, 13), jst(2026, 6, 10, 15), "停電"),
        Closure(jst(2026, 6, 11, 0), jst(2026, 6, 12, 0), "臨時休業"),
        Closure(jst(2026, 6, 12, 15), jst(2026, 6, 12, 17), "棚卸"),
    ],
)


@pytest.mark.parametrize(
    ("moment", "is_open", "expected_next_open"),
    [
        (jst(2026, 6, 10, 12, 59, 59), True, jst(2026, 6, 10, 12, 59, 59)),
        (jst(2026, 6, 10, 13, 0), False, jst(2026, 6, 10, 15, 0)),
        (jst(2026, 6, 10, 14, 59, 59), False, jst(2026, 6, 10, 15, 0)),
        (jst(2026, 6, 10, 15, 0), True, jst(2026, 6, 10, 15, 0)),
        (jst(2026, 6, 10, 17, 0), False, jst(2026, 6, 12, 9, 0)),
        (jst(2026, 6, 12, 15, 0), False, jst(2026, 6, 15, 9, 0)),
    ],
)
def test_partial_day_closures(
    moment: datetime, is_open: bool, expected_next_open: datetime
) -> None:
    assert CLOSURE_CALENDAR.is_open(moment) is is_open
    assert CLOSURE_CALENDAR.next_open(moment) == expected_next_open


def test_closure_days() -> None:
    # A part-day closure leaves a business day; a whole-day closure does not.
    assert CLOSURE_CALENDAR.is_business_day(date(2026, 6, 10)) is True
    assert CLOSURE_CALENDAR.is_business_day(date(2026, 6, 11)) is False
    assert CLOSURE_CALENDAR.is_business_day(date(2026, 6, 12)) is True
    # The business day ends with its last opening: 15:00 when closed for the afternoon.
    assert next_business_day_end(jst(2026, 6, 10, 10), CLOSURE_CALENDAR) == jst(2026, 6, 12, 15)
    assert add_business_minutes(jst(2026, 6, 10, 12, 30), 60, CLOSURE_CALENDAR) == jst(
        2026, 6, 10, 15, 30
    )
    assert add_business_minutes(jst(2026, 6, 10, 16, 30), 60, CLOSURE_CALENDAR) == jst(
        2026, 6, 12, 9, 30
    )


def test_closure_explanation() -> None:
    deadline = compute_deadline(
        jst(2026, 6, 10, 10), TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CLOSURE_CALENDAR
    )

    assert deadline.first_response_due == jst(2026, 6, 12, 15)
    assert [step.ja for step in deadline.steps[-2:]] == [
        "6/11 休業 (臨時休業)",
        "高・24時間365日契約: 初回応答 翌営業日 → 6/12(金) 15:00",
    ]


def test_closure_of_a_whole_year() -> None:
    # A closure of the whole of 2026 leaves no opening: the next one is out of range.
    closed_year = build_calendar(
        first_year=2026,
        last_year=2027,
        national_holidays=False,
        closures=[Closure(jst(2026, 1, 1), jst(2027, 1, 1), "改装")],
    )

    assert closed_year.next_open(jst(2026, 3, 1)) == jst(2027, 1, 1, 9)
    assert closed_year.closed_days_between(date(2026, 3, 2), date(2026, 3, 3))[0].name == "改装"


# --- the explanation ---------------------------------------------------------------------------


def test_explanation_golden_week_business_hours_high() -> None:
    deadline = compute_deadline(GOLDEN_WEEK_SATURDAY, BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR)

    assert deadline.steps == (
        Step("submitted", "送信 2026-05-02(土) 12:00 JST", "submitted Sat 2026-05-02 12:00 JST"),
        Step(
            "reception_business_hours",
            "高・平日9時～17時契約: 受付時間 営業時間内",
            "High severity, weekdays 9:00–17:00 contract: reception in business hours",
        ),
        Step(
            "closed",
            "5/2–5/6 休業 (土, 憲法記念日, みどりの日, こどもの日, 振替休日)",
            "closed 5/2–5/6 (Sat, Constitution Day, Greenery Day, Children's Day, "
            "Substitute Holiday)",
        ),
        Step("received", "受付日時 5/7(木) 09:00", "received Thu 5/7 09:00"),
        Step(
            "no_commitment",
            "高・平日9時～17時契約: 初回応答 確約なし",
            "High severity, weekdays 9:00–17:00 contract: no commitment",
        ),
    )


def test_explanation_friday_evening_before_golden_week_24x365_high() -> None:
    deadline = compute_deadline(
        jst(2026, 5, 1, 17, 30), TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CALENDAR
    )

    assert deadline.steps == (
        Step("submitted", "送信 2026-05-01(金) 17:30 JST", "submitted Fri 2026-05-01 17:30 JST"),
        Step(
            "reception_always",
            "高・24時間365日契約: 受付時間 24時間年中無休",
            "High severity, 24 hours, 365 days contract: reception around the clock",
        ),
        Step("received", "受付日時 5/1(金) 17:30", "received Fri 5/1 17:30"),
        Step(
            "closed",
            "5/2–5/6 休業 (土, 憲法記念日, みどりの日, こどもの日, 振替休日)",
            "closed 5/2–5/6 (Sat, Constitution Day, Greenery Day, Children's Day, "
            "Substitute Holiday)",
        ),
        Step(
            "business_day_end",
            "高・24時間365日契約: 初回応答 翌営業日 → 5/7(木) 17:00",
            "High severity, 24 hours, 365 days contract: "
            "first response by the next business day → due Thu 5/7 17:00",
        ),
    )


def test_explanation_outside_hours_before_the_year_end() -> None:
    deadline = compute_deadline(
        jst(2026, 12, 28, 18, 0), BUSINESS_HOURS, NON_CRITICAL, TERMS_2021, CALENDAR
    )

    assert [step.code for step in deadline.steps] == [
        "submitted",
        "reception_business_hours",
        "outside_hours",
        "closed",
        "received",
        "no_commitment",
    ]
    assert deadline.steps[2] == Step(
        "outside_hours", "12/28(月) 18:00 は受付時間外", "Mon 12/28 18:00 is outside business hours"
    )
    # Each name once, in order of first appearance: 12/29–12/31 and 1/2–1/3 are 年末年始休業.
    assert deadline.steps[3] == Step(
        "closed",
        "12/29–1/3 休業 (年末年始休業, 元日)",
        "closed 12/29–1/3 (year-end holidays, New Year's Day)",
    )
    assert deadline.steps[-1].ja == "重大でない・平日9時～17時契約: 初回応答 確約なし"


def test_explanation_critical() -> None:
    deadline = compute_deadline(
        jst(2026, 6, 9, 16, 59, 59), BUSINESS_HOURS, CRITICAL, TERMS_2021, CALENDAR
    )

    assert deadline.steps == (
        Step(
            "submitted", "送信 2026-06-09(火) 16:59:59 JST", "submitted Tue 2026-06-09 16:59:59 JST"
        ),
        Step(
            "reception_always",
            "重大・平日9時～17時契約: 受付時間 24時間年中無休",
            "Critical severity, weekdays 9:00–17:00 contract: reception around the clock",
        ),
        Step("received", "受付日時 6/9(火) 16:59:59", "received Tue 6/9 16:59:59"),
        Step(
            "wall_minutes",
            "重大・平日9時～17時契約: 初回応答 1時間以内 → 6/9(火) 17:59:59",
            "Critical severity, weekdays 9:00–17:00 contract: "
            "first response within 1 hour → due Tue 6/9 17:59:59",
        ),
    )


def test_explanation_open_reception_has_no_closed_days() -> None:
    deadline = compute_deadline(TUESDAY_MORNING, BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR)

    assert [step.code for step in deadline.steps] == [
        "submitted",
        "reception_business_hours",
        "received",
        "no_commitment",
    ]


def test_explanation_in_other_offsets_is_shown_in_jst() -> None:
    deadline = compute_deadline(
        datetime(2026, 5, 2, 3, 0, tzinfo=UTC), BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR
    )

    assert deadline.steps[0].ja == "送信 2026-05-02(土) 12:00 JST"


def test_deadline_keeps_identity_fields() -> None:
    deadline = compute_deadline(TUESDAY_EVENING, TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CALENDAR)

    assert isinstance(deadline, Deadline)
    assert (deadline.plan, deadline.severity, deadline.policy_name) == (
        TWENTY_FOUR_SEVEN,
        HIGH,
        "terms-2021-07-01",
    )
    assert deadline.submitted_at == TUESDAY_EVENING
    assert deadline.rule == Rule(Reception.ALWAYS, TargetKind.BUSINESS_DAY_END, 1)


# --- errors ------------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 6, 9, 10, 0)

    with pytest.raises(NaiveDatetimeError, match="must be a timezone-aware datetime"):
        compute_deadline(naive, BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(naive, 5, CALENDAR)
    with pytest.raises(ValueError, match="timezone-aware"):
        sla_state(
            now=naive,
            received_at=None,
            first_response_due=jst(2026, 6, 9, 11),
            first_responded_at=None,
        )


def test_outside_the_calendar_range() -> None:
    with pytest.raises(OutOfCalendarRange, match="outside the business calendar"):
        CALENDAR.is_open(jst(2041, 1, 1, 10))
    with pytest.raises(OutOfCalendarRange):
        CALENDAR.is_business_day(date(2014, 12, 31))
    with pytest.raises(OutOfCalendarRange, match="after the end of the business calendar"):
        next_business_day_end(jst(2040, 12, 31, 10), CALENDAR)
    with pytest.raises(OutOfCalendarRange, match="after the end of the business calendar"):
        received_at(jst(2040, 12, 31, 18), BUSINESS_HOURS, HIGH, TERMS_2021, CALENDAR)
    assert issubclass(OutOfCalendarRange, ValueError)


def test_unknown_rule() -> None:
    with pytest.raises(UnknownRule) as raised:
        TERMS_2021.rule("monthly", HIGH)

    assert isinstance(raised.value, KeyError)
    assert str(raised.value).startswith(
        "policy 'terms-2021-07-01' has no rule for plan='monthly', severity='high'"
    )


@pytest.mark.parametrize(
    ("target_kind", "target_value"),
    [
        (TargetKind.NONE, 5),
        (TargetKind.WALL_MINUTES, None),
        (TargetKind.WALL_MINUTES, 0),
        (TargetKind.BUSINESS_DAY_END, -1),
    ],
)
def test_inconsistent_rules_are_refused(target_kind: TargetKind, target_value: int | None) -> None:
    with pytest.raises(ValueError, match="target_value"):
        Rule(Reception.ALWAYS, target_kind, target_value)


def test_invalid_calendar_values() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        BusinessCalendar(TOKYO, {0: ((time(17), time(9)),)}, {}, (), 2026, 2026)
    with pytest.raises(ValueError, match="sorted and disjoint"):
        BusinessCalendar(
            TOKYO, {0: ((time(9), time(13)), (time(12), time(17)))}, {}, (), 2026, 2026
        )
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_minutes(jst(2026, 6, 9, 10), -1, CALENDAR)


def test_policy_in_force() -> None:
    later = Policy("terms-2030", date(2030, 4, 1), TERMS_2021.rules)

    assert policy_in_force([TERMS_2021, later], date(2030, 3, 31)) is TERMS_2021
    assert policy_in_force([TERMS_2021, later], date(2030, 4, 1)) is later
    with pytest.raises(UnknownRule, match="no policy in force on 2021-06-30"):
        policy_in_force([TERMS_2021, later], date(2021, 6, 30))


# --- the state of the clock --------------------------------------------------------------------

RECEIVED = jst(2026, 6, 9, 10, 0)
DUE = jst(2026, 6, 9, 11, 0)


@pytest.mark.parametrize(
    ("now", "due", "responded", "options", "expected"),
    [
        (jst(2026, 6, 9, 10, 30), None, None, {}, SlaState.NO_COMMITMENT),
        (jst(2026, 6, 9, 10, 30), DUE, None, {}, SlaState.RUNNING),
        (jst(2026, 6, 9, 10, 44, 59), DUE, None, {}, SlaState.RUNNING),
        (jst(2026, 6, 9, 10, 45), DUE, None, {}, SlaState.AT_RISK),
        (jst(2026, 6, 9, 10, 59, 59), DUE, None, {}, SlaState.AT_RISK),
        (jst(2026, 6, 9, 11, 0), DUE, None, {}, SlaState.BREACHED),
        (jst(2026, 6, 9, 12, 0), DUE, jst(2026, 6, 9, 11, 0), {}, SlaState.MET),
        (jst(2026, 6, 9, 12, 0), DUE, jst(2026, 6, 9, 11, 0, 1), {}, SlaState.BREACHED),
        (jst(2026, 6, 9, 10, 30), DUE, None, {"at_risk_share": 0.5}, SlaState.AT_RISK),
        (
            jst(2026, 6, 9, 10, 40),
            DUE,
            None,
            {"critical_at_risk_minutes": 20},
            SlaState.AT_RISK,
        ),
        (
            jst(2026, 6, 9, 10, 39, 59),
            DUE,
            None,
            {"critical_at_risk_minutes": 20},
            SlaState.RUNNING,
        ),
        # A breach recorded by the scanner stays a breach until the response.
        (
            jst(2026, 6, 9, 10, 30),
            DUE,
            None,
            {"breached_at": jst(2026, 6, 9, 11, 0)},
            SlaState.BREACHED,
        ),
        # Another offset for `now`: 10:50 JST is 01:50 UTC.
        (datetime(2026, 6, 9, 1, 50, tzinfo=UTC), DUE, None, {}, SlaState.AT_RISK),
        # Finished without a response: before the deadline the clock stopped with nothing owed,
        # whether the deadline has passed since or not; on or after it, a breach all the same.
        (
            jst(2026, 6, 9, 10, 50),
            DUE,
            None,
            {"stopped_at": jst(2026, 6, 9, 10, 40)},
            SlaState.STOPPED,
        ),
        (
            jst(2026, 6, 10, 9, 0),
            DUE,
            None,
            {"stopped_at": jst(2026, 6, 9, 10, 59, 59)},
            SlaState.STOPPED,
        ),
        (
            jst(2026, 6, 10, 9, 0),
            DUE,
            None,
            {"stopped_at": jst(2026, 6, 9, 11, 0)},
            SlaState.BREACHED,
        ),
        (
            jst(2026, 6, 10, 9, 0),
            DUE,
            None,
            {"stopped_at": jst(2026, 6, 9, 10, 40), "breached_at": jst(2026, 6, 9, 10, 30)},
            SlaState.BREACHED,
        ),
        # A response before finishing decides, as always.
        (
            jst(2026, 6, 10, 9, 0),
            DUE,
            jst(2026, 6, 9, 11, 30),
            {"stopped_at": jst(2026, 6, 9, 12, 0)},
            SlaState.BREACHED,
        ),
        (
            jst(2026, 6, 10, 9, 0),
            None,
            None,
            {"stopped_at": jst(2026, 6, 9, 10, 40)},
            SlaState.NO_COMMITMENT,
        ),
    ],
)
def test_sla_state(
    now: datetime,
    due: datetime | None,
    responded: datetime | None,
    options: dict[str, object],
    expected: SlaState,
) -> None:
    state = sla_state(
        now=now,
        received_at=RECEIVED,
        first_response_due=due,
        first_responded_at=responded,
        **options,  # type: ignore[arg-type]
    )

    assert state is expected


def test_sla_state_without_received_at_uses_only_the_minutes_before_due() -> None:
    def state(now: datetime) -> SlaState:
        return sla_state(
            now=now,
            received_at=None,
            first_response_due=DUE,
            first_responded_at=None,
            critical_at_risk_minutes=15,
        )

    assert state(jst(2026, 6, 9, 10, 44, 59)) is SlaState.RUNNING
    assert state(jst(2026, 6, 9, 10, 45)) is SlaState.AT_RISK


def test_sla_margin() -> None:
    assert sla_margin(
        now=jst(2026, 6, 9, 10, 20), first_response_due=DUE, first_responded_at=None
    ) == (timedelta(minutes=40))
    assert sla_margin(
        now=jst(2026, 6, 9, 12, 0),
        first_response_due=DUE,
        first_responded_at=jst(2026, 6, 9, 11, 5),
    ) == timedelta(minutes=-5)
    assert (
        sla_margin(now=jst(2026, 6, 9, 12, 0), first_response_due=None, first_responded_at=None)
        is None
    )


def test_at_risk_from() -> None:
    next_day_due = jst(2026, 6, 10, 17, 0)

    assert at_risk_from(RECEIVED, DUE) == jst(2026, 6, 9, 10, 45)
    assert at_risk_from(RECEIVED, DUE, share=0.5) == jst(2026, 6, 9, 10, 30)
    assert at_risk_from(RECEIVED, DUE, latest_before_due=timedelta(minutes=30)) == jst(
        2026, 6, 9, 10, 30
    )
    # 75 % of 31 hours is 23 h 15 min, earlier than 2 hours before the deadline.
    assert at_risk_from(RECEIVED, next_day_due, latest_before_due=timedelta(hours=2)) == jst(
        2026, 6, 10, 9, 15
    )
    assert at_risk_from(
        RECEIVED, next_day_due, share=0.99, latest_before_due=timedelta(hours=2)
    ) == jst(2026, 6, 10, 15, 0)
    assert at_risk_from(RECEIVED, DUE).tzinfo is TOKYO


# --- calendar builders -------------------------------------------------------------------------


def test_yearly_range_wraps_the_year_end() -> None:
    assert yearly_range_dates(12, 29, 1, 3, 2026, 2027) == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
        date(2027, 12, 29),
        date(2027, 12, 30),
        date(2027, 12, 31),
    ]
    assert yearly_range_dates(8, 13, 8, 15, 2026, 2026) == [
        date(2026, 8, 13),
        date(2026, 8, 14),
        date(2026, 8, 15),
    ]
    assert yearly_range_dates(2, 29, 2, 29, 2027, 2028) == [date(2027, 2, 28), date(2028, 2, 29)]


def test_weekly_hours_from_rows() -> None:
    rows = [(1, time(13), time(17)), (0, time(9), time(17)), (1, time(9), time(12))]

    assert weekly_hours_from_rows(rows) == {
        0: ((time(9), time(17)),),
        1: ((time(9), time(12)), (time(13), time(17))),
    }


def test_national_holidays_in_english() -> None:
    names = japan_national_holidays(2026, 2026, language="en_US")

    assert names[date(2026, 5, 6)] == "Substitute Holiday"
    assert names[date(2026, 9, 22)] == "National Holiday"


# --- the process time zone does not matter -----------------------------------------------------


@pytest.fixture
def process_time_zone() -> Iterator[Callable[[str], None]]:
    if not hasattr(process_time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    original = os.environ.get("TZ")

    def set_time_zone(name: str) -> None:
        os.environ["TZ"] = name
        process_time.tzset()

    yield set_time_zone
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    process_time.tzset()


def test_results_do_not_depend_on_the_process_time_zone(
    process_time_zone: Callable[[str], None],
) -> None:
    submissions = [
        jst(2026, 5, 1, 17, 30),
        GOLDEN_WEEK_SATURDAY,
        jst(2026, 6, 9, 8, 59, 59),
        jst(2026, 6, 9, 23, 30),
        datetime(2026, 6, 8, 18, 0, tzinfo=MINUS_FIVE),
        jst(2026, 12, 28, 17, 0),
    ]

    def compute() -> list[tuple[object, ...]]:
        # A fresh calendar too: its construction must not use the process time zone either.
        calendar = build_calendar(first_year=2026, last_year=2027)
        return [
            (
                deadline.received_at.isoformat(),
                None
                if deadline.first_response_due is None
                else deadline.first_response_due.isoformat(),
                deadline.steps,
                add_business_minutes(submitted, 90, calendar).isoformat(),
            )
            for submitted in submissions
            for plan in (BUSINESS_HOURS, TWENTY_FOUR_SEVEN)
            for severity in (CRITICAL, HIGH, NON_CRITICAL)
            for deadline in [compute_deadline(submitted, plan, severity, TERMS_2021, calendar)]
        ]

    process_time_zone("Asia/Tokyo")
    in_tokyo = compute()
    process_time_zone("UTC")
    in_utc = compute()
    process_time_zone("America/New_York")
    in_new_york = compute()

    assert in_utc == in_tokyo
    assert in_new_york == in_tokyo
