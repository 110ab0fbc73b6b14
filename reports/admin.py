from django.contrib import admin

from helpdesk.admin_history import DeskHistoryAdmin
from reports.models import ResellerReportSetting


@admin.register(ResellerReportSetting)
class ResellerReportSettingAdmin(DeskHistoryAdmin):
    list_display = ("reseller", "monthly_mail", "email")
    list_filter = ("monthly_mail",)
