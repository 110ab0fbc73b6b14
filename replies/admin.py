from django.contrib import admin

from helpdesk.admin_history import DeskHistoryAdmin
from replies.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(DeskHistoryAdmin):
    list_display = ("name", "language", "owner", "requests_information", "position", "is_active")
    list_filter = ("language", "is_active", "requests_information")
    search_fields = ("name", "body")
    raw_id_fields = ("owner",)
