"""Report periods in JST, and the monthly report mail on the first business day."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.models import OutboxMessage
from reports.models import ResellerReportSetting
from reports.periods import (
    PeriodInvalid,
    custom_period,
    parse_month,
    parse_quarter,
    percentile,
)
from reports.services import first_business_day_of_month, monthly_reports_send

JST = ZoneInfo("Asia/Tokyo")


def test_month_quarter_and_custom_periods_are_jst_midnights():
    november = parse_month("2026-11")
    assert november.start == datetime.datetime(2026, 11, 1, tzinfo=JST)
    assert november.end == datetime.datetime(2026, 12, 1, tzinfo=JST)
    assert november.start.astimezone(datetime.UTC) == datetime.datetime(
        2026, 10, 31, 15, tzinfo=datetime.UTC
    )
    q4 = parse_quarter("2026-Q4")
    assert (q4.first_day, q4.last_day, q4.label) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
        "2026-Q4",
    )
    assert [month.label for month in q4.months()] == ["2026-10", "2026-11", "2026-12"]
    custom = custom_period(datetime.date(2026, 11, 5), datetime.date(2026, 11, 5))
    assert custom.end - custom.start == datetime.timedelta(days=1)


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-11", "", "2026-11-01"])
def test_bad_months(value):
    with pytest.raises(PeriodInvalid):
        parse_month(value)


def test_custom_period_limits():
    with pytest.raises(PeriodInvalid):
        custom_period(datetime.date(2026, 11, 5), datetime.date(2026, 11, 4))
    with pytest.raises(PeriodInvalid):
        custom_period(datetime.date(2025, 1, 1), datetime.date(2026, 12, 31))


def test_percentile_interpolates_as_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([10, 10, 30, 60, 90, 1410], 0.5) == 45
    assert percentile([10, 10, 30, 60, 90, 1410], 0.9) == 750
    assert percentile([7], 0.9) == 7


@pytest.mark.django_db
def test_first_business_day_skips_the_new_year_closure_and_weekends():
    assert first_business_day_of_month(datetime.date(2027, 1, 20)) == datetime.date(2027, 1, 4)
    assert first_business_day_of_month(datetime.date(2026, 11, 20)) == datetime.date(2026, 11, 2)


@pytest.mark.django_db
def test_monthly_mail_only_to_opted_in_resellers_once_on_the_first_business_day(
    reseller_a, reseller_b
):
    ResellerReportSetting.objects.create(
        reseller=reseller_a, monthly_mail=True, email="support-desk@reseller-a.example.jp"
    )
    ResellerReportSetting.objects.create(reseller=reseller_b, monthly_mail=False)
    first_day_morning = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=JST)  # Tuesday
    assert monthly_reports_send(now=first_day_morning - datetime.timedelta(hours=1)) == 0
    assert monthly_reports_send(now=first_day_morning + datetime.timedelta(days=1)) == 0
    assert monthly_reports_send(now=first_day_morning) == 1
    assert monthly_reports_send(now=first_day_morning + datetime.timedelta(hours=1)) == 0
    mail = OutboxMessage.objects.get()
    assert mail.payload["to"] == ["support-desk@reseller-a.example.jp"]
    assert "2026-11" in mail.payload["subject"]
    assert "受付件数: 0" in mail.payload["text"]
