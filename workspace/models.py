"""The log of personal-data reveals in the agent workspace (Art. 14)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import RefusalReason


class RevealPurpose(models.TextChoices):
    """Art. 14.2: the only purposes for which a contact's personal data may be used."""

    IDENTITY_AND_SERVICE = "identity_and_service", _("14.2.1 本人確認・サービスの提供")
    SATISFACTION_SURVEY = "satisfaction_survey", _("14.2.2 満足度調査")
    SERVICE_IMPROVEMENT = "service_improvement", _("14.2.3 サービスの改善・新サービスの開発")
    ANSWERING_INQUIRY = "answering_inquiry", _("14.2.4 お問い合わせへの回答")


class ContactReveal(models.Model):
    """One time an agent unmasked a contact's email address and phone number, and why.
    Never edited: it is the audit trail the admins read (Art. 12, 14)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("閲覧者"),
        on_delete=models.PROTECT,
        related_name="contact_reveals",
    )
    contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("担当者"),
        on_delete=models.PROTECT,
        related_name="reveals",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_reveals",
    )
    purpose = models.CharField(_("利用目的"), max_length=30, choices=RevealPurpose.choices)
    reason = models.TextField(_("理由"))
    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("個人情報の閲覧記録")
        verbose_name_plural = _("個人情報の閲覧記録")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Has this user revealed this contact recently?" on every ticket page.
            models.Index(fields=["user", "contact", "created_at"], name="reveal_user_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.contact_id} ({self.purpose})"


class RefusedCall(models.Model):
    """A phone call the terms did not let the desk take (Art. 3.5): who called, about what,
    and why it was refused. It opens no ticket and runs no clock, but is kept, so that the
    desk can answer "did they call?" and see repeated out-of-scope calls."""

    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("顧客"),
        on_delete=models.PROTECT,
        related_name="refused_calls",
    )
    contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("担当者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refused_calls",
    )
    caller_name = models.CharField(_("発信者"), max_length=200)
    caller_phone = models.CharField(_("発信者の電話番号"), max_length=40, blank=True)
    subscription = models.ForeignKey(
        "contracts.Subscription",
        verbose_name=_("サブスクリプション"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refused_calls",
    )
    category = models.CharField(_("カテゴリ"), max_length=40, blank=True)
    reason = models.CharField(_("お断り理由"), max_length=30)
    # The intake rule that refused it (a DomainError code such as "out_of_scope"), if any.
    code = models.CharField(_("判定コード"), max_length=60, blank=True)
    summary = models.TextField(_("お問い合わせの内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録者"),
        on_delete=models.PROTECT,
        related_name="refused_calls",
    )
    recorded_at = models.DateTimeField(_("記録日時"), db_index=True)

    class Meta:
        verbose_name = _("お断りした電話")
        verbose_name_plural = _("お断りした電話")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.caller_name} ({self.customer_id}, {self.reason})"

    @property
    def reason_label(self) -> str:
        """The reason as the terms name it (Art. 3.5), in the active language."""
        if self.reason in RefusalReason.values:
            return str(RefusalReason(self.reason).label)
        return self.reason


class TicketView(models.Model):
    """When an agent last opened a ticket's page: a ticket changed since (its `updated_at`
    later) is unread for that agent in the queues. One row per agent and ticket."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("閲覧者"),
        on_delete=models.CASCADE,
        related_name="ticket_views",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        on_delete=models.CASCADE,
        related_name="views",
    )
    seen_at = models.DateTimeField(_("最終閲覧日時"))

    class Meta:
        verbose_name = _("チケットの閲覧")
        verbose_name_plural = _("チケットの閲覧")
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="ticket_view_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.ticket_id} {self.seen_at:%Y-%m-%d %H:%M}"
