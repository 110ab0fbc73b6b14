from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from replies.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "language", "owner", "requests_information", "position", "is_active")
    list_filter = ("language", "is_active", "requests_information")
    search_fields = ("name", "body")
    raw_id_fields = ("owner",)
