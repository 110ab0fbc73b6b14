"""`python manage.py sla_preview --plan business_hours --severity high --at 2026-05-02T12:00+09:00`:
when a ticket submitted then would be received and answered, as the API's preview JSON."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Plan
from sla.api.serializers import preview_payload
from sla.deadlines import DeadlineError
from sla.models import Severity
from sla.services import deadline_for


def _instant(value: str) -> datetime.datetime:
    try:
        # "Z" is accepted by fromisoformat from Python 3.11 on.
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--at: {value!r} は ISO 8601 の日時ではありません (e.g. 2026-05-02T12:00+09:00)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CommandError(
            f"--at: {value!r} に UTC からのオフセットがありません (e.g. 2026-05-02T12:00+09:00)"
        )
    return moment


class Command(BaseCommand):
    help = (
        "プラン・重大度・送信日時から受付日時と初回応答期限を JSON で表示します（API と同じ形）。"
    )

    def add_arguments(self, parser) -> None:
        # Validated in handle, not by argparse, so that every mistake is one line on stderr.
        parser.add_argument("--plan", default="", help=" | ".join(Plan.values))
        parser.add_argument("--severity", default="", help=" | ".join(Severity.values))
        parser.add_argument("--at", default="", help="送信日時 (ISO 8601、オフセット付き)")

    def handle(self, *args, plan: str, severity: str, at: str, **options) -> None:
        if plan not in Plan.values:
            raise CommandError(f"--plan: {plan!r} は {' / '.join(Plan.values)} のいずれかです")
        if severity not in Severity.values:
            raise CommandError(
                f"--severity: {severity!r} は {' / '.join(Severity.values)} のいずれかです"
            )
        if not at:
            raise CommandError("--at: 送信日時を指定してください (e.g. 2026-05-02T12:00+09:00)")
        submitted_at = _instant(at)
        try:
            _, deadline = deadline_for(submitted_at=submitted_at, plan=plan, severity=severity)
        except DeadlineError as error:
            raise CommandError(f"--at: {error}") from None
        self.stdout.write(json.dumps(preview_payload(deadline), ensure_ascii=False, indent=2))
