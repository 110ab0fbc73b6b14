"""Customer satisfaction surveys (Art. 14.2.2): one per resolved ticket, answered once on a
public page reached by a signed link; contacts who opted out and the tickets resellers relay
themselves (API channel, Art. 6.2) are not surveyed unless the reseller opts in."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Survey(models.Model):
    """The survey of one ticket: sent once on its (first) resolution, answered at most once,
    and that answer may be changed within SURVEY_UPDATE_DAYS of the first."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        on_delete=models.CASCADE,
        related_name="survey",
    )
    contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("回答者"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    # What the signed link carries: never the ticket's number or a guessable id.
    token = models.UUIDField(_("リンク識別子"), default=uuid.uuid4, unique=True, editable=False)
    # Who resolved the ticket: the report "by agent" reads it without walking the history.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当エージェント"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("送信日時"))
    expires_at = models.DateTimeField(_("回答期限"))
    rating = models.PositiveSmallIntegerField(
        _("評価"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("コメント"), blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    updated_at = models.DateTimeField(_("回答の更新日時"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("満足度アンケート")
        verbose_name_plural = _("満足度アンケート")
        ordering = ["-sent_at", "-id"]
        constraints = [
            # The question is 1–5; an answer always carries its rating and its time.
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, answered_at__isnull=True)
                | Q(rating__isnull=False, answered_at__isnull=False),
                name="survey_answer_has_rating_and_time",
            ),
        ]
        indexes = [
            # The reports read answers of a period: by the time of the answer.
            models.Index(fields=["answered_at"], name="survey_answered_at"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.rating or '-'}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class SurveyOptOut(models.Model):
    """A contact who does not want surveys (Art. 14.2.2 is a purpose the person may refuse)."""

    class Via(models.TextChoices):
        SURVEY_PAGE = "survey_page", _("アンケートページ")
        DESK = "desk", _("デスク（電話・メールでの依頼）")

    contact = models.OneToOneField(
        "contracts.Contact",
        verbose_name=_("担当者"),
        on_delete=models.CASCADE,
        related_name="survey_opt_out",
    )
    via = models.CharField(_("受付方法"), max_length=20, choices=Via.choices)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("アンケート配信停止")
        verbose_name_plural = _("アンケート配信停止")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.contact)


class ResellerSurveySetting(models.Model):
    """A reseller that relays its customers itself (API channel, Art. 6.2) decides whether
    the desk surveys them: off unless the reseller opts in."""

    reseller = models.OneToOneField(
        "contracts.Reseller",
        verbose_name=_("リセラー"),
        on_delete=models.CASCADE,
        related_name="survey_setting",
    )
    survey_api_tickets = models.BooleanField(
        _("API 経由のチケットもアンケート対象にする"),
        default=False,
        help_text=_("リセラーが顧客の窓口となる場合（第6条6.2）、既定では送信しません。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("リセラーのアンケート設定")
        verbose_name_plural = _("リセラーのアンケート設定")
        ordering = ["reseller_id"]

    def __str__(self) -> str:
        return str(self.reseller)
