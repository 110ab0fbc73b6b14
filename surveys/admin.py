from django.contrib import admin

from helpdesk.admin_history import DeskHistoryAdmin
from surveys.models import ResellerSurveySetting, Survey, SurveyOptOut


@admin.register(Survey)
class SurveyAdmin(DeskHistoryAdmin):
    list_display = ("ticket", "sent_at", "rating", "answered_at", "agent")
    list_filter = ("rating",)
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket", "contact", "agent")
    # Answers come from the requester only: the desk reads them.
    readonly_fields = (
        "ticket",
        "contact",
        "token",
        "agent",
        "sent_at",
        "expires_at",
        "rating",
        "comment",
        "answered_at",
        "updated_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(DeskHistoryAdmin):
    list_display = ("contact", "via", "created_at")
    raw_id_fields = ("contact",)
    search_fields = ("contact__name",)


@admin.register(ResellerSurveySetting)
class ResellerSurveySettingAdmin(DeskHistoryAdmin):
    list_display = ("reseller", "survey_api_tickets")
