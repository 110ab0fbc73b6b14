"""`python manage.py partner_center_sync [--dry-run]`: customers and subscriptions from Partner
Center, with progress on long runs and a summary of what changed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from microsoft.clients import partner_center_client, transport_open
from microsoft.http import MicrosoftError
from microsoft.reports import failure_line, report_lines
from microsoft.runs import SyncAlreadyRunning
from microsoft.sync_customers import partner_center_sync


class Command(BaseCommand):
    help = (
        "Partner Center から顧客とサブスクリプションを取り込みます。"
        "--dry-run では何も変更せず、変更内容だけを表示します。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="変更せずに結果だけを表示")

    def handle(self, *args, dry_run: bool, **options) -> None:
        write = self.stdout.write

        def progress(done: int, rate: float) -> None:
            write(f"  … 顧客 {done} 件 ({rate:.1f} 件/秒)")

        try:
            with transport_open() as transport:
                report = partner_center_sync(
                    client=partner_center_client(transport), dry_run=dry_run, progress=progress
                )
        except SyncAlreadyRunning:
            raise CommandError("Partner Center の同期はすでに実行中です。") from None
        except MicrosoftError as error:
            raise CommandError(f"Partner Center の同期に失敗しました: {error}") from None
        if dry_run:
            write("--dry-run: 何も変更していません（以下は同期した場合の結果です）")
        for line in report_lines(report, verbose=options["verbosity"] >= 2):
            write(line)
        if (failed := failure_line(report)) is not None:
            raise CommandError(failed)
