"""Settings of the monthly report mail: opt-in per reseller."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ResellerReportSetting(models.Model):
    """A reseller that asked for its monthly SLA report by mail, sent on the first business
    day of each month (JST) for the month before, through the outbox."""

    reseller = models.OneToOneField(
        "contracts.Reseller",
        verbose_name=_("リセラー"),
        on_delete=models.CASCADE,
        related_name="report_setting",
    )
    monthly_mail = models.BooleanField(_("月次レポートをメールで受け取る"), default=False)
    email = models.EmailField(_("送付先メールアドレス"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("リセラーの月次レポート設定")
        verbose_name_plural = _("リセラーの月次レポート設定")
        ordering = ["reseller_id"]
        constraints = [
            # Opted in means somewhere to send it.
            models.CheckConstraint(
                condition=models.Q(monthly_mail=False) | ~models.Q(email=""),
                name="report_setting_mail_has_address",
            ),
        ]

    def __str__(self) -> str:
        return str(self.reseller)
