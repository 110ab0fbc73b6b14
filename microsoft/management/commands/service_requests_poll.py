"""`python manage.py service_requests_poll`: the status and new notes of the Partner Center
service requests that open tickets wait on, as the worker polls them every few minutes (for a
site run without a worker, and to see a request come back now)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from microsoft.clients import transport_open
from microsoft.http import MicrosoftError
from microsoft.service_requests import (
    CredentialMissing,
    MicrosoftUnreachable,
    service_requests_poll,
    support_topics_refresh,
    user_client,
)


class Command(BaseCommand):
    help = (
        "未完了のチケットが待っている Partner Center のサービス リクエストの状態と"
        "新しいメモを取り込みます。"
    )

    def handle(self, *args, **options) -> None:
        try:
            with transport_open() as transport:
                client = user_client(transport)
                support_topics_refresh(client=client)
                changed = service_requests_poll(client=client)
        except (CredentialMissing, MicrosoftUnreachable) as error:
            raise CommandError(f"サービス リクエストを取り込めません: {error.message_ja}") from None
        except MicrosoftError as error:
            raise CommandError(f"サービス リクエストを取り込めません: {error}") from None
        self.stdout.write(f"変更のあったサービス リクエスト: {changed} 件")
