"""`import_holidays`: the Cabinet Office's syukujitsu.csv in Shift_JIS or UTF-8, upserted with
history; a report of what changed and which deadlines would move; nothing with --dry-run; one
readable line and a non-zero exit on a bad file."""

from __future__ import annotations

import codecs
import datetime
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sla import selectors
from sla.holiday_import import HolidayFileError, HolidayRow, holidays_file_parse
from sla.models import NationalHoliday
from tests.sla.support import jst, open_ticket

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sla" / "fixtures" / "syukujitsu-sample.csv"
MADE_UP_HOLIDAY = datetime.date(2026, 6, 16)
NOW = jst(2026, 6, 15, 12)


def _sample_text() -> str:
    return SAMPLE.read_bytes().decode("shift_jis")


def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "syukujitsu.csv"
    path.write_bytes(data)
    return str(path)


# --- parsing -----------------------------------------------------------------------------------


def test_the_sample_is_shift_jis_with_the_cabinet_office_header():
    data = SAMPLE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert _sample_text().splitlines()[0] == "国民の祝日・休日月日,国民の祝日・休日名称"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("shift_jis"),
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    ],
    ids=["shift_jis", "utf-8", "utf-8-bom"],
)
def test_every_encoding_gives_the_same_rows(encode):
    rows = holidays_file_parse(encode(_sample_text()))

    assert len(rows) == 12
    assert rows[4] == HolidayRow(datetime.date(2026, 5, 6), "休日")
    assert rows[5] == HolidayRow(MADE_UP_HOLIDAY, "創業記念日（試験用の架空の祝日）")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "1行目が見出し「国民の祝日・休日月日,国民の祝日・休日名称」ではありません: '' "),
        ("日付,名称\n2026/5/6,休日\n".encode(), "1行目が見出し"),
        ("国民の祝日・休日月日,国民の祝日・休日名称\n".encode(), "祝日の行がありません"),
        (
            "国民の祝日・休日月日,国民の祝日・休日名称\n2026/13/1,休日\n".encode(),
            "2行目: 日付 '2026/13/1' を読めません (expected YYYY/M/D)",
        ),
        (
            "国民の祝日・休日月日,国民の祝日・休日名称\n2026-05-06,休日\n".encode(),
            "2行目: 日付 '2026-05-06' を読めません",
        ),
        ("国民の祝日・休日月日,国民の祝日・休日名称\n2026/5/6,\n".encode(), "2行目: 名称が空です"),
        (
            "国民の祝日・休日月日,国民の祝日・休日名称\n\n2026/5/6,休日,余分\n".encode(),
            "3行目: 列が 3 個あります",
        ),
        (
            "国民の祝日・休日月日,国民の祝日・休日名称\n2026/5/6,休日\n2026/5/6,振替休日\n".encode(),
            "3行目: 2026-05-06 が「休日」と「振替休日」の 2 回あります",
        ),
        (b"\x89PNG\r\n\x1a\n\x81 \x00", "Shift_JIS でも UTF-8 でもありません: 9 バイト目"),
    ],
    ids=[
        "empty",
        "wrong-header",
        "no-rows",
        "bad-date",
        "iso-date",
        "empty-name",
        "extra-column",
        "conflicting-duplicate",
        "binary",
    ],
)
def test_a_bad_file_is_one_readable_line(content, message):
    with pytest.raises(HolidayFileError) as raised:
        holidays_file_parse(content)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_upserts_with_history_and_reports_the_moves_without_applying_them():
    # Given a 翌営業日 ticket due Tuesday 6/16, the made-up holiday of the sample
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    out = StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("import_holidays", str(SAMPLE), stdout=out)

    # Then every row is stored with a history row, the calendar closes 6/16 ...
    assert NationalHoliday.objects.count() == 12
    assert NationalHoliday.history.count() == 12
    assert NationalHoliday.objects.get(date=datetime.date(2026, 5, 6)).name == "休日"
    assert not selectors.calendar_current().is_business_day(MADE_UP_HOLIDAY)
    # ... the report names the new closed day and the ticket that would move ...
    assert out.getvalue().splitlines() == [
        "国民の祝日: 追加 12 件, 名称変更 0 件, 変更なし 0 件",
        "新たに休日になる日:",
        "  2026-06-16 創業記念日（試験用の架空の祝日）",
        "期限が動く未応答のチケット: 1 件",
        f"  {ticket.number} (24x365/high): 受付 2026-06-15 10:00 → 2026-06-15 10:00, "
        "初回応答期限 2026-06-16 17:00 → 2026-06-17 17:00",
        "期限は変更していません。適用するには: python manage.py recompute_deadlines",
    ]
    # ... and the ticket itself waits for the confirmed recomputation.
    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 16, 17)


@pytest.mark.django_db
def test_dry_run_reports_the_same_and_changes_nothing():
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    selectors.calendar_current()  # cached before, as in a running process
    out = StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("import_holidays", str(SAMPLE), "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "--dry-run: 何も変更していません（以下は取り込んだ場合の結果です）"
    assert lines[1] == "国民の祝日: 追加 12 件, 名称変更 0 件, 変更なし 0 件"
    assert "期限が動く未応答のチケット: 1 件" in lines
    assert NationalHoliday.objects.count() == 0
    assert NationalHoliday.history.count() == 0
    assert selectors.calendar_current().is_business_day(MADE_UP_HOLIDAY)
    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 6, 16, 17)


@pytest.mark.django_db
def test_a_second_import_changes_nothing_and_a_renamed_holiday_is_reported(tmp_path):
    NationalHoliday.objects.create(date=datetime.date(2026, 5, 6), name="振替休日")
    call_command("import_holidays", str(SAMPLE), stdout=StringIO())
    out = StringIO()

    call_command("import_holidays", str(SAMPLE), stdout=out)

    assert out.getvalue().splitlines() == [
        "国民の祝日: 追加 0 件, 名称変更 0 件, 変更なし 12 件",
        "期限が動く未応答のチケット: 0 件",
    ]
    renamed = NationalHoliday.objects.get(date=datetime.date(2026, 5, 6))
    assert renamed.name == "休日"
    assert [record.name for record in renamed.history.all()] == ["休日", "振替休日"]


@pytest.mark.django_db
def test_the_first_import_reports_the_rename(tmp_path):
    NationalHoliday.objects.create(date=datetime.date(2026, 5, 6), name="振替休日")
    out = StringIO()

    call_command("import_holidays", str(SAMPLE), "--dry-run", stdout=out)

    assert "  2026-05-06 振替休日 → 休日" in out.getvalue().splitlines()
    assert NationalHoliday.objects.get(date=datetime.date(2026, 5, 6)).name == "振替休日"


@pytest.mark.django_db
def test_utf8_with_bom_imports_like_shift_jis(tmp_path):
    path = _write(tmp_path, codecs.BOM_UTF8 + _sample_text().encode("utf-8"))

    call_command("import_holidays", path, stdout=StringIO())

    assert NationalHoliday.objects.get(date=MADE_UP_HOLIDAY).name == (
        "創業記念日（試験用の架空の祝日）"
    )


@pytest.mark.django_db
def test_a_bad_file_raises_command_error_and_imports_nothing(tmp_path):
    path = _write(
        tmp_path,
        "国民の祝日・休日月日,国民の祝日・休日名称\n2026/5/6,休日\n2026/2/30,誤り\n".encode(),
    )

    with pytest.raises(CommandError) as raised:
        call_command("import_holidays", path, stdout=StringIO())

    assert str(raised.value) == f"{path}: 3行目: 日付 '2026/2/30' を読めません (expected YYYY/M/D)"
    assert NationalHoliday.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_raises_command_error(tmp_path):
    path = str(tmp_path / "missing.csv")

    with pytest.raises(
        CommandError, match=r"missing\.csv: 読めません \(No such file or directory\)$"
    ):
        call_command("import_holidays", path, stdout=StringIO())


def test_from_the_command_line_a_bad_file_is_one_line_on_stderr_and_exit_1(tmp_path):
    path = _write(tmp_path, b"not,a holiday file\n")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production-use",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }

    completed = subprocess.run(
        [sys.executable, "manage.py", "import_holidays", path, "--skip-checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        f"CommandError: {path}: 1行目が見出し「国民の祝日・休日月日,国民の祝日・休日名称」"
        "ではありません: 'not,a holiday file' (not a syukujitsu.csv header)"
    ]
