"""`python manage.py service_health_sync`: Microsoft 365 service health issues of the tenants
the distributor may read, as incidents."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from microsoft.clients import graph_client, transport_open
from microsoft.http import MicrosoftError
from microsoft.incidents import service_health_sync
from microsoft.reports import failure_line, report_lines
from microsoft.runs import SyncAlreadyRunning


class Command(BaseCommand):
    help = (
        "委任アクセスが有効な顧客テナントの Microsoft 365 サービス正常性"
        "（インシデント）を取り込みます。"
    )

    def handle(self, *args, **options) -> None:
        try:
            with transport_open() as transport:
                report = service_health_sync(client=graph_client(transport))
        except SyncAlreadyRunning:
            raise CommandError("サービス正常性の取り込みはすでに実行中です。") from None
        except MicrosoftError as error:
            raise CommandError(f"サービス正常性の取り込みに失敗しました: {error}") from None
        for line in report_lines(report, verbose=options["verbosity"] >= 2):
            self.stdout.write(line)
        if (failed := failure_line(report)) is not None:
            raise CommandError(failed)
