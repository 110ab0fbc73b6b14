"""Reply templates (定型文): polite text in Japanese or English with placeholders, shared by
the desk or personal to one agent, with their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Language(models.TextChoices):
    JAPANESE = "ja", _("日本語")
    ENGLISH = "en", _("英語")


class ReplyTemplate(models.Model):
    name = models.CharField(_("名前"), max_length=100)
    language = models.CharField(
        _("言語"), max_length=2, choices=Language.choices, default=Language.JAPANESE
    )
    body = models.TextField(
        _("本文"),
        help_text=_(
            "差し込み: {requester_name} 依頼者名、{ticket_number} チケット番号、"
            "{deadline} 初回応答期限、{customer} 顧客名、{agent} 担当者名、"
            "{product} 製品名、{out_of_scope} サポート対象外の項目"
        ),
    )
    # What sending it does: a request for logs waits on the customer (Art. 3.4).
    requests_information = models.BooleanField(
        _("情報・ログの依頼にする（お客様回答待ち）"), default=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("個人用（所有者）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
        help_text=_("空欄なら全員が使える共有の定型文"),
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=100)
    is_active = models.BooleanField(_("有効"), default=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("定型文")
        verbose_name_plural = _("定型文")
        ordering = ["language", "position", "name", "id"]
        constraints = [
            # One name per language among the shared ones and among each agent's own.
            models.UniqueConstraint(
                fields=["name", "language"],
                condition=Q(owner__isnull=True),
                name="reply_template_shared_name_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "name", "language"],
                condition=Q(owner__isnull=False),
                name="reply_template_personal_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
