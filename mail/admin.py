"""Admin of the email channel: every received mail, the held list, and the templates."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from mail import parsing, services
from mail.models import HeldMail, InboundMail, MailTemplate


class InboundMailAdmin(SimpleHistoryAdmin):
    list_display = ("received_at", "from_address", "subject", "status", "ticket", "reason")
    list_filter: tuple[str, ...] = ("status",)
    search_fields = ("message_id", "from_address", "subject", "ticket__number")
    list_select_related = ("ticket",)
    date_hierarchy = "received_at"
    readonly_fields = (
        "message_id",
        "from_address",
        "subject",
        "status",
        "ticket",
        "reason",
        "received_at",
        "processed_at",
        "sender_authentication",
        "sender_authentication_detail",
        "released_at",
        "released_by",
        "release_method",
        "release_reason",
        "body_text",
        "raw_size",
    )
    exclude = ("raw",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Received mail is a record (never lost); only a superuser may delete it.
        return request.user.is_superuser

    @admin.display(description=_("本文"))
    def body_text(self, obj: InboundMail) -> str:
        try:
            text = parsing.parse(bytes(obj.raw)).text
        except Exception:  # a mail that cannot be parsed still shows its size
            text = ""
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text[:20000])

    @admin.display(description=_("サイズ（バイト）"))
    def raw_size(self, obj: InboundMail) -> int:
        return len(obj.raw or b"")


admin.site.register(InboundMail, InboundMailAdmin)


@admin.register(HeldMail)
class HeldMailAdmin(InboundMailAdmin):
    list_filter = ()
    actions = ["reprocess"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(status=InboundMail.Status.HELD)

    @admin.action(description=_("再処理（理由を解消したメールをチケットにする）"))
    def reprocess(self, request: HttpRequest, queryset) -> None:
        opened = still_held = 0
        for inbound in queryset:
            result = services.inbound_reprocess(inbound=inbound, actor=request.user)
            if result.status == InboundMail.Status.HELD:
                still_held += 1
            else:
                opened += 1
        self.message_user(
            request,
            _("取り込み: %(opened)d 件、保留のまま: %(held)d 件")
            % {"opened": opened, "held": still_held},
        )


@admin.register(MailTemplate)
class MailTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("key", "language", "subject", "updated_at")
    list_filter = ("key", "language")
