"""Admin of in-app notifications and of the outbox, with "retry now" for stuck messages."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from notifications import services
from notifications.models import Notification, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "ticket", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "recipient__username", "ticket__number")
    list_select_related = ("recipient", "ticket")
    raw_id_fields = ("recipient", "ticket")
    readonly_fields = ("created_at", "dedup_key")
    date_hierarchy = "created_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "ticket",
        "dedup_key",
    )
    list_filter = ("status", "channel")
    search_fields = ("dedup_key", "ticket__number")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)
    readonly_fields = (
        "channel",
        "dedup_key",
        "ticket",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    actions = ["retry_now"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        # Messages come from the changes that cause them, never typed in by hand.
        return False

    @admin.action(description=_("今すぐ再送する"), permissions=["change"])
    def retry_now(self, request, queryset) -> None:
        count = services.outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            _("%(count)d 件を再送キューに入れました。") % {"count": count},
            messages.SUCCESS,
        )
