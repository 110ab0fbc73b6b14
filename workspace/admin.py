"""Admins read the personal-data reveal log; nobody edits it."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.permissions import may_read_reveal_log
from workspace.models import ContactReveal


@admin.register(ContactReveal)
class ContactRevealAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "contact", "purpose", "ticket", "reason")
    list_filter = ("purpose", "created_at")
    search_fields = ("user__username", "contact__name", "contact__email", "ticket__number")
    list_select_related = ("user", "contact", "ticket")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "user", "contact", "ticket", "purpose", "reason")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_read_reveal_log(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_reveal_log(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
