"""The business calendar, the support policy of the terms and the escalation matrix, as data.

The deadline rules themselves are pure functions in `sla.deadlines`; `sla.selectors` turns
these rows into the calendar and policy values those functions take."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.models import Plan


class Severity(models.TextChoices):
    """重大度 (Art. 3.3, Microsoft's definition)."""

    CRITICAL = "critical", _("重大")
    HIGH = "high", _("高")
    NON_CRITICAL = "non_critical", _("重大でない")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("月曜日")
    TUESDAY = 1, _("火曜日")
    WEDNESDAY = 2, _("水曜日")
    THURSDAY = 3, _("木曜日")
    FRIDAY = 4, _("金曜日")
    SATURDAY = 5, _("土曜日")
    SUNDAY = 6, _("日曜日")


class OpeningHours(models.Model):
    """One opening interval [opens, closes) on a weekday; several per day are allowed."""

    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=Weekday.choices)
    opens = models.TimeField(_("開始"))
    closes = models.TimeField(_("終了"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("営業時間")
        verbose_name_plural = _("営業時間")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="opening_hours_closes_after_opens"
            ),
            models.UniqueConstraint(fields=["weekday", "opens"], name="opening_hours_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class NationalHoliday(models.Model):
    """A national holiday imported from the Cabinet Office's syukujitsu.csv (the authoritative
    list). The `holidays` package supplies the rest; this table adds what it lacks."""

    date = models.DateField(_("日付"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    imported_at = models.DateTimeField(_("取込日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("国民の祝日（内閣府）")
        verbose_name_plural = _("国民の祝日（内閣府）")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class HolidayOverride(models.Model):
    """An admin's correction of one date, for when the law moves a holiday before the
    `holidays` package catches up: make the date a holiday, or switch a holiday off."""

    date = models.DateField(_("日付"), unique=True)
    is_holiday = models.BooleanField(
        _("休日にする"), default=True, help_text=_("オフにすると祝日を営業日に戻します")
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("祝日の個別修正")
        verbose_name_plural = _("祝日の個別修正")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_holiday else '−'} {self.name}"


class CompanyHoliday(models.Model):
    """当社指定の休日 that recur every year, as a range of month/day (may wrap the year end:
    the default Dec 29 – Jan 3 is seeded by a data migration)."""

    name = models.CharField(_("名称"), max_length=100)
    start_month = models.PositiveSmallIntegerField(_("開始月"))
    start_day = models.PositiveSmallIntegerField(_("開始日"))
    end_month = models.PositiveSmallIntegerField(_("終了月"))
    end_day = models.PositiveSmallIntegerField(_("終了日"))
    is_active = models.BooleanField(_("有効"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("当社指定の休日（毎年）")
        verbose_name_plural = _("当社指定の休日（毎年）")
        ordering = ["start_month", "start_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12, end_month__gte=1)
                & Q(end_month__lte=12, start_day__gte=1, start_day__lte=31)
                & Q(end_day__gte=1, end_day__lte=31),
                name="company_holiday_valid_month_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_month}/{self.start_day}–{self.end_month}/{self.end_day})"


class Closure(models.Model):
    """A one-off closure, a whole day or part of one: [starts_at, ends_at)."""

    name = models.CharField(_("名称"), max_length=100)
    starts_at = models.DateTimeField(_("開始日時"))
    ends_at = models.DateTimeField(_("終了日時"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("臨時休業")
        verbose_name_plural = _("臨時休業")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="closure_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M})"


class SupportPolicy(models.Model):
    """The reception and first-response rules in force from a date (Art. 3.3, Art. 15).
    A ticket is judged by the policy in force when it was received."""

    name = models.CharField(_("名称"), max_length=200)
    effective_from = models.DateField(_("施行日"), unique=True)
    notes = models.TextField(_("備考"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("サポートポリシー")
        verbose_name_plural = _("サポートポリシー")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from}〜)"


class Reception(models.TextChoices):
    ALWAYS = "always", _("24時間年中無休")
    BUSINESS_HOURS = "business_hours", _("営業時間内")


class TargetKind(models.TextChoices):
    NONE = "none", _("確約なし")
    WALL_MINUTES = "wall_minutes", _("N 分（実時間）")
    BUSINESS_MINUTES = "business_minutes", _("N 分（営業時間）")
    BUSINESS_DAY_END = "business_day_end", _("N 営業日後の終業時刻")


class PolicyRule(models.Model):
    """One cell of the Art. 3.3 table: reception and first-response target for plan × severity."""

    policy = models.ForeignKey(
        SupportPolicy, verbose_name=_("ポリシー"), on_delete=models.CASCADE, related_name="rules"
    )
    plan = models.CharField(_("サポートの種類"), max_length=20, choices=Plan.choices)
    severity = models.CharField(_("重大度"), max_length=20, choices=Severity.choices)
    reception = models.CharField(_("受付時間"), max_length=20, choices=Reception.choices)
    target_kind = models.CharField(_("初回応答目標"), max_length=20, choices=TargetKind.choices)
    target_value = models.PositiveIntegerField(
        _("目標値"), null=True, blank=True, help_text=_("分、または N 営業日")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ポリシー規則")
        verbose_name_plural = _("ポリシー規則")
        ordering = ["policy_id", "plan", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "plan", "severity"], name="policy_rule_unique_cell"
            ),
            # "No commitment" carries no value; every other target needs one.
            models.CheckConstraint(
                condition=Q(target_kind="none", target_value__isnull=True)
                | (~Q(target_kind="none") & Q(target_value__gte=1)),
                name="policy_rule_target_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.plan} × {self.severity}"


class InternalTarget(models.Model):
    """社内目標 (DOMAIN.md point 13): the distributor's own next-reply and resolution goals per
    plan × severity, in the policy beside the terms' cells and frozen per ticket with it. Never
    the terms: shown apart, and never called a breach of the terms."""

    class Kind(models.TextChoices):
        NEXT_REPLY = "next_reply", _("次回返信（社内目標）")
        RESOLUTION = "resolution", _("解決（社内目標）")

    policy = models.ForeignKey(
        SupportPolicy,
        verbose_name=_("ポリシー"),
        on_delete=models.CASCADE,
        related_name="internal_targets",
    )
    plan = models.CharField(_("サポートの種類"), max_length=20, choices=Plan.choices)
    severity = models.CharField(_("重大度"), max_length=20, choices=Severity.choices)
    target = models.CharField(_("社内目標"), max_length=20, choices=Kind.choices)
    target_kind = models.CharField(_("目標の種類"), max_length=20, choices=TargetKind.choices)
    target_value = models.PositiveIntegerField(
        _("目標値"), null=True, blank=True, help_text=_("分、または N 営業日")
    )
    pauses_on_customer = models.BooleanField(
        _("お客様回答待ちの間は停止"),
        default=True,
        help_text=_("第3条3.4: お客様のご協力がない間の時間は数えません"),
    )
    pauses_on_microsoft = models.BooleanField(_("Microsoft 回答待ちの間は停止"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社内目標")
        verbose_name_plural = _("社内目標")
        ordering = ["policy_id", "plan", "severity", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "plan", "severity", "target"], name="internal_target_unique"
            ),
            # As for the terms' cells: "none" carries no value, every other kind needs one.
            models.CheckConstraint(
                condition=Q(target_kind="none", target_value__isnull=True)
                | (~Q(target_kind="none") & Q(target_value__gte=1)),
                name="internal_target_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.plan} × {self.severity} {self.target}"


class EscalationRule(models.Model):
    """The escalation matrix: per target and severity, level N fires `delay_minutes` after that
    target's breach and notifies a role. Level 1 fires at the breach itself (delay 0). The
    terms' first response and each internal target (社内目標) have rows of their own."""

    class Audience(models.TextChoices):
        ASSIGNEE = "assignee", _("担当者")
        SUPERVISORS = "supervisors", _("スーパーバイザー")
        MANAGERS = "managers", _("マネージャー")

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("初回応答（約款）")
        NEXT_REPLY = "next_reply", _("次回返信（社内目標）")
        RESOLUTION = "resolution", _("解決（社内目標）")

    target = models.CharField(
        _("対象の期限"), max_length=20, choices=Target.choices, default=Target.FIRST_RESPONSE
    )
    severity = models.CharField(_("重大度"), max_length=20, choices=Severity.choices)
    level = models.PositiveSmallIntegerField(_("レベル"))
    delay_minutes = models.PositiveIntegerField(_("期限超過からの遅延（分）"), default=0)
    audience = models.CharField(_("通知先"), max_length=20, choices=Audience.choices)
    wait_for_business_hours = models.BooleanField(
        _("営業時間まで待つ"),
        default=False,
        help_text=_(
            "平日9時～17時契約では夜間・休日の通知を営業開始まで待ちます（重大は常に即時）"
        ),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("エスカレーション規則")
        verbose_name_plural = _("エスカレーション規則")
        ordering = ["target", "severity", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "severity", "level"], name="escalation_rule_unique"
            ),
            models.CheckConstraint(condition=Q(level__gte=1), name="escalation_level_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_target_display()} {self.get_severity_display()} L{self.level} "
            f"+{self.delay_minutes}min"
        )
