from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import ResellerReportSetting


@admin.register(ResellerReportSetting)
class ResellerReportSettingAdmin(SimpleHistoryAdmin):
    list_display = ("reseller", "monthly_mail", "email")
    list_filter = ("monthly_mail",)
