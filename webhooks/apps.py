from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhook")

    def ready(self) -> None:
        # The outbox dispatcher delivers channel "webhook" with our signed POST.
        from notifications import delivery
        from webhooks.delivery import deliver

        delivery.DELIVERERS["webhook"] = deliver
