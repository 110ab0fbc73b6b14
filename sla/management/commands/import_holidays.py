"""`python manage.py import_holidays FILE [--dry-run]`: import the Cabinet Office's
syukujitsu.csv into the national holidays, and say which open tickets' deadlines would move."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sla.deadlines import DeadlineError
from sla.holiday_import import HolidayFileError, holidays_file_parse, national_holidays_import
from tickets.recompute import move_describe, tickets_recompute_plan


class Command(BaseCommand):
    help = (
        "内閣府の syukujitsu.csv（Shift_JIS または UTF-8）を国民の祝日に取り込みます。"
        "--dry-run では何も変更しません。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="syukujitsu.csv のパス")
        parser.add_argument(
            "--dry-run", action="store_true", help="変更せずに、追加・名称変更と影響だけを表示"
        )

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: 読めません ({error.strerror})") from None
        try:
            rows = holidays_file_parse(data)
        except HolidayFileError as error:
            raise CommandError(f"{file}: {error}") from None
        try:
            report = national_holidays_import(
                rows=rows, dry_run=dry_run, plan=lambda now: tickets_recompute_plan(now=now)
            )
        except DeadlineError as error:
            raise CommandError(f"期限を再計算できません: {error}") from None

        write = self.stdout.write
        if dry_run:
            write("--dry-run: 何も変更していません（以下は取り込んだ場合の結果です）")
        write(
            f"国民の祝日: 追加 {len(report.added)} 件, 名称変更 {len(report.renamed)} 件, "
            f"変更なし {report.unchanged} 件"
        )
        if report.new_closed_days:
            write("新たに休日になる日:")
            for row in report.new_closed_days:
                write(f"  {row.day.isoformat()} {row.name}")
        if report.renamed:
            write("名称変更:")
            for row, previous in report.renamed:
                write(f"  {row.day.isoformat()} {previous} → {row.name}")
        if options["verbosity"] >= 2 and report.added:
            write("追加した行:")
            for row in report.added:
                write(f"  {row.day.isoformat()} {row.name}")
        write(f"期限が動く未応答のチケット: {len(report.moves)} 件")
        for move in report.moves:
            write(f"  {move_describe(move)}")
        if report.moves and not dry_run:
            write("期限は変更していません。適用するには: python manage.py recompute_deadlines")
