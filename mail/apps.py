import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("mail")


class MailConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mail"
    verbose_name = _("メール")

    def ready(self) -> None:
        from mail import checks

        # Every process says so at start (gunicorn and the worker run no system checks):
        # mail from forged senders must never be taken quietly.
        for level, text in checks.sender_authentication_problems():
            if level != "info":
                logger.warning("Sender authentication: %s", text)
