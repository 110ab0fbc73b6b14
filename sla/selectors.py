"""Reads of the SLA data: the business calendar and the policies, as the pure values that
`sla.deadlines` takes.

Both are built once per process and rebuilt only when an admin changed a row: the
fingerprint is the newest history row of the tables concerned (one query), so a calendar is
never queried day by day."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

from sla import calendars, deadlines
from sla.models import (
    Closure,
    CompanyHoliday,
    HolidayOverride,
    InternalTarget,
    NationalHoliday,
    OpeningHours,
    PolicyRule,
    SupportPolicy,
)

T = TypeVar("T")

_CALENDAR_MODELS = (OpeningHours, NationalHoliday, HolidayOverride, CompanyHoliday, Closure)
_POLICY_MODELS = (SupportPolicy, PolicyRule, InternalTarget)
_lock = threading.Lock()
_cache: dict[str, tuple[object, object]] = {}


def _fingerprint(models: tuple[type, ...]) -> tuple[object, ...]:
    """The newest change to any of `models`, in one query over their history tables."""
    parts = []
    for model in models:
        history = model.history.model._meta.db_table  # type: ignore[attr-defined]
        parts.append(f"(SELECT MAX(history_id) FROM {connection.ops.quote_name(history)})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _cached(key: str, models: tuple[type, ...], build: Callable[[], T]) -> T:
    fingerprint = (connection.settings_dict["NAME"], *_fingerprint(models))
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]  # type: ignore[return-value]
    value = build()
    with _lock:
        _cache[key] = (fingerprint, value)
    return value


def cache_clear() -> None:
    """Forget the cached calendar and policies (tests that write rows without history)."""
    with _lock:
        _cache.clear()


def _build_calendar() -> deadlines.BusinessCalendar:
    first, last = calendars.DEFAULT_FIRST_YEAR, calendars.DEFAULT_LAST_YEAR
    weekly = calendars.weekly_hours_from_rows(
        OpeningHours.objects.values_list("weekday", "opens", "closes")
    )
    names = calendars.japan_national_holidays(first, last, "ja")
    names_en = calendars.japan_national_holidays(first, last, "en_US")
    # The Cabinet Office's list is authoritative: it adds and renames.
    for day, name in NationalHoliday.objects.values_list("date", "name"):
        names[day] = name
        names_en.setdefault(day, name)
    company: dict[datetime.date, str] = {}
    for holiday in CompanyHoliday.objects.filter(is_active=True):
        for day in calendars.yearly_range_dates(
            holiday.start_month,
            holiday.start_day,
            holiday.end_month,
            holiday.end_day,
            first,
            last,
        ):
            company.setdefault(day, holiday.name)
    # National names win on days that are both (元日 rather than 年末年始休業).
    company_en = {
        day: calendars.YEAR_END_CLOSURE_NAME_EN if name == calendars.YEAR_END_CLOSURE_NAME else name
        for day, name in company.items()
    }
    company.update(names)
    company_en.update(names_en)
    # An admin's override of a single date wins over every list, company holidays included.
    for override in HolidayOverride.objects.all():
        if override.is_holiday:
            company[override.date] = override.name or "休日"
            company_en[override.date] = override.name or "holiday"
        else:
            company.pop(override.date, None)
            company_en.pop(override.date, None)
    closures = [
        deadlines.Closure(start=row.starts_at, end=row.ends_at, name=row.name)
        for row in Closure.objects.all()
    ]
    return calendars.build_calendar(
        first_year=first,
        last_year=last,
        weekly_hours=weekly,
        national_holidays=False,
        company_holidays=company,
        company_holidays_en=company_en,
        closures=closures,
    )


def calendar_current() -> deadlines.BusinessCalendar:
    """The business calendar as the database says now."""
    return _cached("calendar", _CALENDAR_MODELS, _build_calendar)


def _build_policies() -> dict[int, deadlines.Policy]:
    policies: dict[int, deadlines.Policy] = {}
    rules: dict[int, dict[tuple[str, str], deadlines.Rule]] = {}
    for rule in PolicyRule.objects.all():
        rules.setdefault(rule.policy_id, {})[rule.plan, rule.severity] = deadlines.Rule(
            deadlines.Reception(rule.reception),
            deadlines.TargetKind(rule.target_kind),
            rule.target_value,
        )
    targets: dict[int, dict[tuple[str, str, str], deadlines.InternalRule]] = {}
    for target in InternalTarget.objects.all():
        targets.setdefault(target.policy_id, {})[target.plan, target.severity, target.target] = (
            deadlines.InternalRule(
                deadlines.TargetKind(target.target_kind),
                target.target_value,
                pauses_on_customer=target.pauses_on_customer,
                pauses_on_microsoft=target.pauses_on_microsoft,
            )
        )
    for policy in SupportPolicy.objects.all():
        policies[policy.pk] = deadlines.Policy(
            name=policy.name,
            effective_from=policy.effective_from,
            rules=rules.get(policy.pk, {}),
            targets=targets.get(policy.pk, {}),
        )
    return policies


def policies_all() -> dict[int, deadlines.Policy]:
    """Every policy by primary key."""
    return _cached("policies", _POLICY_MODELS, _build_policies)


def policy_in_force(*, on: datetime.date) -> tuple[int, deadlines.Policy]:
    """The primary key and rules of the policy in force on `on` (Art. 15)."""
    policies = policies_all()
    chosen = deadlines.policy_in_force(policies.values(), on)
    policy_id = next(pk for pk, policy in policies.items() if policy is chosen)
    return policy_id, chosen


def policy_by_id(policy_id: int) -> deadlines.Policy:
    return policies_all()[policy_id]
