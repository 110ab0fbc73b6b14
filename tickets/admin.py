"""Admin of tickets, messages, attachments and events.

The ticket list stays fast with 100,000+ tickets: every related column is joined once
(list_select_related), foreign keys are raw-id/autocomplete widgets, and the paginator skips
the exact COUNT over unfiltered tables where it would be slow."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from helpdesk.admin_history import DeskHistoryAdmin
from helpdesk.exceptions import DomainError
from sla.explanations import explanation_lines
from tickets import services
from tickets.models import Attachment, Message, Ticket, TicketEvent, TicketSequence

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ReadOnlyInline:
    """An inline that shows records and never writes them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline, admin.StackedInline):
    """Messages are written by `tickets.services.message_add` (mail, webhooks, the first
    response, the status): never here."""

    model = Message
    fields = ("kind", "direction", "author_user", "author_contact", "body", "created_at")
    readonly_fields = fields
    show_change_link = True


class TicketEventInline(ReadOnlyInline, admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields


def _workflow_action(service: Callable[..., object], done: "StrOrPromise"):
    """An admin action that calls a workspace service on each selected ticket, so the admin
    writes the same events, webhooks and mail the workspace writes; a ticket the workflow
    refuses is reported with the rule's message and left unchanged."""

    def action(modeladmin, request, queryset) -> None:
        changed, refused = 0, []
        for ticket in queryset.order_by("pk"):
            try:
                service(ticket=ticket, actor=request.user)
            except DomainError as error:
                refused.append(f"{ticket.number}: {error.message}")
            else:
                changed += 1
        if changed:
            modeladmin.message_user(request, done % {"count": changed}, messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, messages.ERROR)

    return action


def _unassign(*, ticket: Ticket, actor) -> None:
    services.ticket_assign(ticket=ticket, assignee=None, actor=actor)


def _take(*, ticket: Ticket, actor) -> None:
    services.ticket_assign(ticket=ticket, assignee=actor, actor=actor)


@admin.register(Ticket)
class TicketAdmin(DeskHistoryAdmin):
    """Tickets are read here; they change only through the actions, which call the services
    of the workspace (the workflow table, events, webhooks, mail). No field is edited in
    place (issue 10: a reseller, customer, status, severity or organisation set here skipped
    the workflow and moved a ticket into another reseller's API), none is added here (intake
    checks the terms' rules), and no old version is restored from the history."""

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
    date_hierarchy = "submitted_at"
    inlines = [MessageInline, TicketEventInline]
    show_full_result_count = False
    list_per_page = 50
    actions = ["take", "unassign", "resolve", "close", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.concrete_fields if f.name != "id"] + [
            "deadline_explanation"
        ]

    def get_fields(self, request, obj=None):
        # The deadline's explanation is stored in both languages: shown in the active one, in
        # the stored field's place (which stays read only: no field of a ticket is a form's).
        return [
            "deadline_explanation" if name == "sla_explanation" else name
            for name in super().get_fields(request, obj)
            if name != "deadline_explanation"
        ]

    @admin.display(description=_("期限の根拠"))
    def deadline_explanation(self, obj: Ticket) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((line,) for line in explanation_lines(obj.sla_explanation))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Every field is read only: a Save changes nothing, and writes no empty history row.
        if change and not form.changed_data:
            return
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A ticket is a record of the terms' promise; only a superuser removes one.
        return request.user.is_superuser

    def has_workflow_permission(self, request) -> bool:
        return permissions.may_change_ticket_workflow(request.user)

    take = admin.action(description=_("自分の担当にする"), permissions=["workflow"])(
        _workflow_action(_take, _("%(count)d 件を自分の担当にしました。"))
    )
    unassign = admin.action(description=_("未割当にする"), permissions=["workflow"])(
        _workflow_action(_unassign, _("%(count)d 件を未割当にしました。"))
    )
    resolve = admin.action(description=_("解決済みにする"), permissions=["workflow"])(
        _workflow_action(services.ticket_resolve, _("%(count)d 件を解決済みにしました。"))
    )
    close = admin.action(description=_("クローズする"), permissions=["workflow"])(
        _workflow_action(services.ticket_close, _("%(count)d 件をクローズしました。"))
    )
    reopen = admin.action(description=_("再オープンする"), permissions=["workflow"])(
        _workflow_action(services.ticket_reopen, _("%(count)d 件を再オープンしました。"))
    )


@admin.register(Message)
class MessageAdmin(DeskHistoryAdmin):
    """Read only: a message is added by the workspace, the API or the mail (which send it,
    post it to webhooks and start or stop the clocks), never edited afterwards."""

    list_display = ("ticket", "kind", "direction", "author_user", "author_contact", "created_at")
    list_filter = ("kind", "direction")
    search_fields = ("ticket__number", "body")
    list_select_related = ("ticket", "author_user", "author_contact")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Attachment)
class AttachmentAdmin(DeskHistoryAdmin):
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

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("ファイル"))
    def download(self, attachment: Attachment) -> str:
        url = reverse(
            "workspace:attachment", args=[attachment.message.ticket.number, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.filename)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    """The audit trail: read by anyone who may, written only by the services, by nobody here
    (superusers included)."""

    list_display = ("ticket", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "actor")
    raw_id_fields = ("ticket", "actor")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketSequence)
class TicketSequenceAdmin(admin.ModelAdmin):
    list_display = ("year", "last_number")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.site_header = _("CSP ヘルプデスク管理")
admin.site.site_title = _("CSP ヘルプデスク")
admin.site.index_title = _("管理")
