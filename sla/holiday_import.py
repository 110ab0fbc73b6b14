"""Importing the Cabinet Office's list of national holidays (syukujitsu.csv), the authoritative
list: the `holidays` package may lag behind a change in the law.

The file is published in Shift_JIS; a copy saved by a spreadsheet may be UTF-8, with or without
a BOM. Its header is `国民の祝日・休日月日,国民の祝日・休日名称` and its dates look like
2026/5/6. Parsing is pure; the import upserts rows with history and says what it changed and
which open tickets' deadlines would move as a result."""

from __future__ import annotations

import codecs
import csv
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import CharField
from django.utils import timezone

from helpdesk.history import history_change_reason_set, history_user_set
from sla import selectors
from sla.models import NationalHoliday

HEADER = ("国民の祝日・休日月日", "国民の祝日・休日名称")
_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


def _name_max_length() -> int:
    field = NationalHoliday._meta.get_field("name")
    assert isinstance(field, CharField) and field.max_length is not None
    return field.max_length


_NAME_MAX_LENGTH = _name_max_length()


class HolidayFileError(ValueError):
    """The file is not a readable syukujitsu.csv; the message is one line for an operator."""


@dataclass(frozen=True)
class HolidayRow:
    day: datetime.date
    name: str


def holidays_file_decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else Shift_JIS (cp932, the
    Windows variant the Cabinet Office's file is written in)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise HolidayFileError(
                f"UTF-8 (BOM 付き) として読めません: {error.start + 1} バイト目 "
                "(invalid UTF-8 after a BOM)"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as error:
        raise HolidayFileError(
            f"Shift_JIS でも UTF-8 でもありません: {error.start + 1} バイト目 "
            "(neither Shift_JIS nor UTF-8)"
        ) from None


def _parse_date(value: str, line: int) -> datetime.date:
    match = _DATE.fullmatch(value)
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    raise HolidayFileError(f"{line}行目: 日付 {value!r} を読めません (expected YYYY/M/D)")


def holidays_file_parse(data: bytes) -> list[HolidayRow]:
    """The rows of a syukujitsu.csv, in file order. Blank lines are skipped; a repeated date
    must repeat its name."""
    text = holidays_file_decode(data)
    rows = list(csv.reader(text.splitlines()))
    if not rows or tuple(cell.strip() for cell in rows[0]) != HEADER:
        found = ",".join(rows[0]) if rows else ""
        raise HolidayFileError(
            f"1行目が見出し「{','.join(HEADER)}」ではありません: {found[:60]!r} "
            "(not a syukujitsu.csv header)"
        )
    parsed: list[HolidayRow] = []
    seen: dict[datetime.date, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) != 2:
            raise HolidayFileError(
                f"{line}行目: 列が {len(cells)} 個あります。日付と名称の 2 列が必要です "
                "(expected 2 columns)"
            )
        day = _parse_date(cells[0], line)
        name = cells[1]
        if not name:
            raise HolidayFileError(f"{line}行目: 名称が空です (empty name)")
        if len(name) > _NAME_MAX_LENGTH:
            raise HolidayFileError(
                f"{line}行目: 名称が {_NAME_MAX_LENGTH} 文字を超えています (name too long)"
            )
        if day in seen:
            if seen[day] != name:
                raise HolidayFileError(
                    f"{line}行目: {day.isoformat()} が「{seen[day]}」と「{name}」の 2 回あります "
                    "(date listed twice with different names)"
                )
            continue
        seen[day] = name
        parsed.append(HolidayRow(day, name))
    if not parsed:
        raise HolidayFileError("祝日の行がありません (no holiday rows)")
    return parsed


@dataclass
class ImportReport:
    added: list[HolidayRow] = field(default_factory=list)
    # (row, previous name)
    renamed: list[tuple[HolidayRow, str]] = field(default_factory=list)
    unchanged: int = 0
    # Added dates that were not closed in the calendar before: these change business days.
    new_closed_days: list[HolidayRow] = field(default_factory=list)
    # What the planner passed by the caller returned (the deadlines that would move).
    moves: list[Any] = field(default_factory=list)
    dry_run: bool = False


def _upsert(rows: Sequence[HolidayRow], actor, report: ImportReport) -> None:
    history_user = actor if getattr(actor, "is_authenticated", False) else None
    calendar_before = selectors.calendar_current()
    existing = {holiday.date: holiday for holiday in NationalHoliday.objects.all()}
    for row in rows:
        holiday = existing.get(row.day)
        if holiday is None:
            holiday = NationalHoliday(date=row.day, name=row.name)
            report.added.append(row)
            if row.day not in calendar_before.holidays:
                report.new_closed_days.append(row)
        elif holiday.name != row.name:
            report.renamed.append((row, holiday.name))
            holiday.name = row.name
        else:
            report.unchanged += 1
            continue
        history_user_set(holiday, history_user)
        history_change_reason_set(holiday, "syukujitsu.csv")
        holiday.save()


def national_holidays_import(
    *,
    rows: Sequence[HolidayRow],
    actor=None,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    plan: Callable[[datetime.datetime], list[Any]] | None = None,
) -> ImportReport:
    """Upsert `rows` into NationalHoliday (with history) and plan which open tickets' deadlines
    move under the new calendar, by `plan(now)` (the caller passes
    `tickets.recompute.tickets_recompute_plan`: this low layer never reads tickets). The moves
    are reported, not applied: applying them is the separate, confirmed step of
    `recompute_deadlines`. With `dry_run` nothing is written."""
    now = now or timezone.now()
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _upsert(rows, actor, report)
            if plan is not None:
                report.moves = plan(now)
            if dry_run:
                # Write, look, and roll back: the plan sees exactly the calendar the import
                # would make, and nothing stays.
                transaction.set_rollback(True)
    finally:
        # Rows written in a rolled-back transaction (dry run or error) were cached under history
        # ids that a later write may reuse; after a real import a rebuild costs little.
        selectors.cache_clear()
    return report
