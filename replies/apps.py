from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "replies"
    verbose_name = _("定型文")
