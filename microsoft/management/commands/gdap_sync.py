"""`python manage.py gdap_sync [--dry-run]`: GDAP relationships from Graph, the customers'
delegated-access state derived from them, and the warnings before an end without
auto-extend."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from microsoft.clients import graph_client, transport_open
from microsoft.http import MicrosoftError
from microsoft.reports import failure_line, report_lines
from microsoft.runs import SyncAlreadyRunning
from microsoft.sync_gdap import gdap_sync


class Command(BaseCommand):
    help = "Graph から GDAP リレーションシップを取り込み、顧客の委任アクセスの状態を更新します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="変更せずに結果だけを表示")

    def handle(self, *args, dry_run: bool, **options) -> None:
        try:
            with transport_open() as transport:
                report = gdap_sync(client=graph_client(transport), dry_run=dry_run)
        except SyncAlreadyRunning:
            raise CommandError("GDAP の同期はすでに実行中です。") from None
        except MicrosoftError as error:
            raise CommandError(f"GDAP の同期に失敗しました: {error}") from None
        if dry_run:
            self.stdout.write("--dry-run: 何も変更していません（以下は同期した場合の結果です）")
        for line in report_lines(report, verbose=options["verbosity"] >= 2):
            self.stdout.write(line)
        if (failed := failure_line(report)) is not None:
            raise CommandError(failed)
