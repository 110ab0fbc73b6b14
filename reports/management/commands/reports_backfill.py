"""`manage.py reports_backfill`: store the business seconds of first responses and fulfilled
internal targets given before the reports stored them (then a month's report takes its
percentiles in the database)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.services import business_seconds_backfill


class Command(BaseCommand):
    help = "Store the business seconds the reports read, for rows from before the columns."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options) -> None:
        written = business_seconds_backfill(batch_size=options["batch_size"])
        self.stdout.write(f"{written} rows written")
