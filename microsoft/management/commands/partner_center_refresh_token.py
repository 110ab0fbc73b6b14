"""`python manage.py partner_center_refresh_token [--file PATH]`: store the App+User refresh
token that service requests need (read from standard input, so it stays out of the shell's
history), and check it with Microsoft at once when the connection is configured."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microsoft.clients import transport_open
from microsoft.http import microsoft_configured
from microsoft.service_requests import (
    CredentialMissing,
    MicrosoftUnreachable,
    credential_set,
    support_topics_refresh,
    user_client,
)


class Command(BaseCommand):
    help = (
        "サービス リクエストに必要な Partner Center の App+User リフレッシュ トークンを"
        "標準入力から読み、暗号化して保存します。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", help="トークンを読むファイル（省略時は標準入力）")

    def handle(self, *args, file: str | None, **options) -> None:
        try:
            token = (Path(file).read_text(encoding="utf-8") if file else sys.stdin.read()).strip()
        except OSError as error:
            raise CommandError(f"{file}: 読めません ({error.strerror})") from None
        if not token or any(c.isspace() for c in token):
            raise CommandError("リフレッシュ トークンが空か、形式が正しくありません。")
        credential_set(refresh_token=token)
        if not microsoft_configured():
            self.stdout.write("保存しました（Microsoft の接続設定がないため未確認）。")
            return
        try:
            with transport_open() as transport:
                topics = support_topics_refresh(client=user_client(transport), force=True)
        except CredentialMissing:
            raise CommandError(
                "Microsoft がこのトークンを拒否しました（期限切れ・取り消し）。"
            ) from None
        except MicrosoftUnreachable as error:
            raise CommandError(f"保存しましたが確認できません: {error.message_ja}") from None
        self.stdout.write(f"保存し、確認しました（サポート トピック {topics} 件）。")
