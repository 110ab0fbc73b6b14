"""Admin of tickets, messages, attachments and events.

The ticket list stays fast with 100,000+ tickets: every related column is joined once
(list_select_related), foreign keys are raw-id/autocomplete widgets, and the paginator skips
the exact COUNT over unfiltered tables where it would be slow."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tickets.models import Attachment, Message, Ticket, TicketEvent, TicketSequence


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ("kind", "direction", "author_user", "author_contact", "body", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author_user", "author_contact")
    show_change_link = True


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    list_display = (
        "number",
        "severity",
        "status",
        "customer",
        "reseller",
        "subject",
        "received_at",
        "first_response_due",
        "first_responded_at",
        "breached_at",
        "escalation_level",
        "assignee",
    )
    list_filter = ("status", "severity", "channel", "plan", "needs_triage", "escalation_level")
    search_fields = (
        "number",
        "subject",
        "customer__name",
        "customer__tenant_id",
        "requester__email",
    )
    list_select_related = ("customer", "reseller", "assignee")
    raw_id_fields = ("customer", "subscription", "requester", "contract", "reseller")
    autocomplete_fields = ("assignee",)
    readonly_fields = (
        "number",
        "submitted_at",
        "received_at",
        "first_response_due",
        "policy",
        "sla_explanation",
        "at_risk_at",
        "at_risk_notified_at",
        "first_responded_at",
        "breached_at",
        "escalation_level",
        "next_escalation_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "submitted_at"
    inlines = [MessageInline, TicketEventInline]
    show_full_result_count = False
    list_per_page = 50


@admin.register(Message)
class MessageAdmin(SimpleHistoryAdmin):
    list_display = ("ticket", "kind", "direction", "author_user", "author_contact", "created_at")
    list_filter = ("kind", "direction")
    search_fields = ("ticket__number", "body")
    list_select_related = ("ticket", "author_user", "author_contact")
    raw_id_fields = ("ticket", "author_user", "author_contact")
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    """Files are read here, never uploaded (every file comes through a message, where its type
    is read from its content), and the file links to the workspace's download view, which
    checks who may see the ticket: no /media/ URL exists."""

    list_display = ("filename", "content_type", "size", "message", "created_at")
    search_fields = ("filename", "message__ticket__number")
    list_select_related = ("message__ticket",)
    raw_id_fields = ("message",)
    fields = ("message", "download", "filename", "content_type", "size", "created_at")
    readonly_fields = ("download", "content_type", "size", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("ファイル"))
    def download(self, attachment: Attachment) -> str:
        url = reverse(
            "workspace:attachment", args=[attachment.message.ticket.number, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.filename)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "actor")
    raw_id_fields = ("ticket", "actor")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # events are the audit trail


@admin.register(TicketSequence)
class TicketSequenceAdmin(admin.ModelAdmin):
    list_display = ("year", "last_number")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.site_header = _("CSP ヘルプデスク管理")
admin.site.site_title = _("CSP ヘルプデスク")
admin.site.index_title = _("管理")
