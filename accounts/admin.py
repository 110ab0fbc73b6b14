"""Admin of organisations and user profiles (the user admin shows the profile inline)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import Organisation, Profile
from helpdesk.admin_history import DeskHistoryAdmin

User = get_user_model()


@admin.register(Organisation)
class OrganisationAdmin(DeskHistoryAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Profile)
class ProfileAdmin(DeskHistoryAdmin):
    list_display = ("user", "organisation", "reseller")
    list_filter = ("organisation",)
    search_fields = ("user__username", "user__email", "reseller__name")
    list_select_related = ("user", "organisation", "reseller")
    autocomplete_fields = ("user", "reseller")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ("reseller",)


admin.site.unregister(User)


@admin.register(User)
class HelpdeskUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_select_related = ("profile",)
