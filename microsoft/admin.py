"""Admin of the Microsoft integration: what each sync did, the state of the App+User
credential (its token is never shown), relationships, events and service requests. Microsoft
is the source of these rows: they are read here, not edited."""

from django.contrib import admin

from helpdesk.admin_history import DeskHistoryAdmin
from microsoft.models import (
    GdapRelationship,
    GdapWarning,
    PartnerCenterCredential,
    PartnerCenterEvent,
    PartnerCenterSubscription,
    ServiceRequest,
    SupportTopic,
    SyncRun,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # What Microsoft said (or our record of asking it): the sync writes these rows, and
        # the next sync would bring a deleted one back. Only a superuser removes one.
        return request.user.is_superuser


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("kind", "status", "started_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("kind", "status", "started_at", "finished_at", "counts", "changes", "error")


@admin.register(PartnerCenterCredential)
class PartnerCenterCredentialAdmin(ReadOnlyAdmin):
    list_display = ("status", "last_refreshed_at", "updated_at")
    fields = ("status", "last_refreshed_at", "last_error", "updated_at")
    readonly_fields = fields


@admin.register(GdapRelationship)
class GdapRelationshipAdmin(ReadOnlyAdmin, DeskHistoryAdmin):
    list_display = ("display_name", "customer", "status", "end_at", "auto_extend_days")
    list_filter = ("status",)
    search_fields = ("display_name", "relationship_id", "customer__name", "customer_tenant_id")
    list_select_related = ("customer",)


@admin.register(GdapWarning)
class GdapWarningAdmin(ReadOnlyAdmin):
    list_display = ("relationship", "threshold_days", "end_at", "sent", "created_at")


@admin.register(PartnerCenterEvent)
class PartnerCenterEventAdmin(ReadOnlyAdmin):
    list_display = ("event_name", "action", "resource_uri", "received_at")
    list_filter = ("event_name", "action")


@admin.register(PartnerCenterSubscription)
class PartnerCenterSubscriptionAdmin(ReadOnlyAdmin, DeskHistoryAdmin):
    list_display = ("offer_name", "partner_center_id", "microsoft_status", "synced_at")
    list_filter = ("microsoft_status",)
    search_fields = ("partner_center_id", "offer_id", "offer_name")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin, DeskHistoryAdmin):
    list_display = ("request_id", "ticket", "status", "created_at", "last_polled_at")
    list_filter = ("status",)
    search_fields = ("request_id", "ticket__number")
    list_select_related = ("ticket",)


@admin.register(SupportTopic)
class SupportTopicAdmin(ReadOnlyAdmin):
    list_display = ("name", "topic_id", "is_active", "updated_at")
    list_filter = ("is_active",)
