from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MicrosoftConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "microsoft"
    verbose_name = _("Microsoft 連携")
