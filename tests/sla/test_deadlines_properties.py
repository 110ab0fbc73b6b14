"""Properties of the deadline rules over arbitrary instants (Hypothesis, no database).

The reference functions here step day by day on purpose: they are the slow, obvious reading
of DOMAIN.md points 3, 4 and 6 that the bisect-based calendar must agree with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from sla.calendars import TOKYO, default_calendar, japan_national_holidays
from sla.deadlines import (
    BUSINESS_HOURS,
    CRITICAL,
    HIGH,
    NON_CRITICAL,
    TERMS_2021,
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    Reception,
    add_business_minutes,
    compute_deadline,
    next_business_day_end,
)

CALENDAR = default_calendar()
SPLIT_CALENDAR = BusinessCalendar(
    tz=TOKYO,
    weekly_hours={day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)},
    holidays=japan_national_holidays(2024, 2029),
    first_year=2024,
    last_year=2029,
)

OFFSETS = st.sampled_from(
    [UTC, TOKYO, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))]
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1),  # Hypothesis takes naive bounds
    max_value=datetime(2028, 12, 31),
    timezones=OFFSETS,
)
PLANS = st.sampled_from([BUSINESS_HOURS, TWENTY_FOUR_SEVEN])
SEVERITIES = st.sampled_from([CRITICAL, HIGH, NON_CRITICAL])
CALENDARS = st.sampled_from([CALENDAR, SPLIT_CALENDAR])
MINUTES = st.integers(min_value=0, max_value=20_000)


def is_reference_business_day(day: date) -> bool:
    """DOMAIN.md point 3: Monday to Friday, not a national or company holiday."""
    return day.weekday() < 5 and day not in CALENDAR.holidays


def reference_received_at(submitted: datetime) -> datetime:
    """DOMAIN.md point 4 for business-hours reception, stepping day by day."""
    local = submitted.astimezone(TOKYO)
    day = local.date()
    if is_reference_business_day(day) and time(9) <= local.time() < time(17):
        return local
    if is_reference_business_day(day) and local.time() < time(9):
        return datetime.combine(day, time(9), tzinfo=TOKYO)
    day += timedelta(days=1)
    while not is_reference_business_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=TOKYO)


def reference_next_business_day_end(received: datetime) -> datetime:
    """DOMAIN.md point 6, stepping day by day."""
    day = received.astimezone(TOKYO).date() + timedelta(days=1)
    while not is_reference_business_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(17), tzinfo=TOKYO)


@given(submitted=INSTANTS, plan=PLANS, severity=SEVERITIES)
def test_received_at_lies_inside_reception_and_never_before_submission(
    submitted: datetime, plan: str, severity: str
) -> None:
    deadline = compute_deadline(submitted, plan, severity, TERMS_2021, CALENDAR)

    assert deadline.received_at >= submitted
    assert deadline.received_at.tzinfo is TOKYO
    if TERMS_2021.rule(plan, severity).reception is Reception.BUSINESS_HOURS:
        assert CALENDAR.is_open(deadline.received_at)
        assert deadline.received_at == reference_received_at(submitted)
    else:
        assert deadline.received_at == submitted


@given(submitted=INSTANTS)
def test_next_business_day_is_17_00_on_a_business_day_after_receipt(submitted: datetime) -> None:
    deadline = compute_deadline(submitted, TWENTY_FOUR_SEVEN, HIGH, TERMS_2021, CALENDAR)
    due = deadline.first_response_due

    assert due is not None
    assert due.tzinfo is TOKYO
    assert due.time() == time(17)
    assert due.date() > deadline.received_at.date()
    assert CALENDAR.is_business_day(due.date())
    assert due == reference_next_business_day_end(deadline.received_at)


@given(submitted=INSTANTS, plan=PLANS)
def test_critical_is_one_hour_after_submission(submitted: datetime, plan: str) -> None:
    deadline = compute_deadline(submitted, plan, CRITICAL, TERMS_2021, CALENDAR)

    assert deadline.received_at == submitted
    assert deadline.first_response_due == submitted + timedelta(hours=1)


@given(first=INSTANTS, second=INSTANTS, plan=PLANS, severity=SEVERITIES)
def test_results_are_monotonic_in_submission_time(
    first: datetime, second: datetime, plan: str, severity: str
) -> None:
    earlier, later = sorted([first, second])

    early = compute_deadline(earlier, plan, severity, TERMS_2021, CALENDAR)
    late = compute_deadline(later, plan, severity, TERMS_2021, CALENDAR)

    assert early.received_at <= late.received_at
    assert (early.first_response_due is None) == (late.first_response_due is None)
    if early.first_response_due is not None and late.first_response_due is not None:
        assert early.first_response_due <= late.first_response_due


@given(submitted=INSTANTS, plan=PLANS, severity=SEVERITIES)
def test_the_input_offset_does_not_matter(submitted: datetime, plan: str, severity: str) -> None:
    as_given = compute_deadline(submitted, plan, severity, TERMS_2021, CALENDAR)
    in_utc = compute_deadline(submitted.astimezone(UTC), plan, severity, TERMS_2021, CALENDAR)

    assert as_given == in_utc


@given(start=INSTANTS, first=MINUTES, second=MINUTES, calendar=CALENDARS)
def test_add_business_minutes_is_additive(
    start: datetime, first: int, second: int, calendar: BusinessCalendar
) -> None:
    in_one_go = add_business_minutes(start, first + second, calendar)
    in_two_steps = add_business_minutes(
        add_business_minutes(start, first, calendar), second, calendar
    )

    assert in_one_go == in_two_steps


@given(start=INSTANTS, minutes=st.integers(min_value=1, max_value=20_000), calendar=CALENDARS)
def test_add_business_minutes_ends_in_opening_time_after_the_start(
    start: datetime, minutes: int, calendar: BusinessCalendar
) -> None:
    result = add_business_minutes(start, minutes, calendar)

    assert result > start
    # It ends inside an opening interval or exactly at its closing.
    assert calendar.is_open(result) or calendar.is_open(result - timedelta(microseconds=1))


@given(moment=INSTANTS, n=st.integers(min_value=1, max_value=30))
def test_nth_business_day_end_steps_one_business_day_at_a_time(moment: datetime, n: int) -> None:
    nth = next_business_day_end(moment, CALENDAR, n)
    following = next_business_day_end(nth, CALENDAR)

    assert next_business_day_end(moment, CALENDAR, n + 1) == following
    assert CALENDAR.is_business_day(nth.date())
