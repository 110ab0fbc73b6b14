"""System checks of the email channel: the sender checks' configuration (DOMAIN.md §12), shown
by `manage.py check` (and `check --deploy`, which CI runs at warning level) and at startup."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from mail.authentication import configuration_problems

_LEVELS = {"error": checks.Error, "warning": checks.Warning, "info": checks.Info}
_IDS = {"error": "mail.E001", "warning": "mail.W001", "info": "mail.I001"}


def sender_authentication_problems() -> list[tuple[str, str]]:
    return configuration_problems(
        methods=list(settings.MAIL_SENDER_AUTH),
        authserv_ids=list(settings.MAIL_AUTHSERV_ID),
        dns_servers=list(settings.MAIL_DNS_SERVERS),
    )


@checks.register()
def sender_authentication_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        _LEVELS[level](
            text,
            hint='README.md, Security: "Who may ask: mail senders and contacts".',
            id=_IDS[level],
        )
        for level, text in sender_authentication_problems()
    ]
