"""In-app notifications and the transactional outbox.

Every message that leaves the product (an email, a webhook POST, an in-app notification) is
first written as an `OutboxMessage` in the same transaction as the change that causes it;
a dispatcher task delivers it later, retries with backoff and marks it sent. So a broker or
mail server outage delays delivery but never loses it, and a rolled-back change sends nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A notification a desk user reads in the agent workspace."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("宛先"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("種類"), max_length=40)
    title = models.CharField(_("件名"), max_length=255)
    # The title in each of the site's languages ({"ja": …, "en": …}), shown in the reader's;
    # `title` (the site's language) is what a row written before, or a mail, shows.
    titles = models.JSONField(_("件名（言語別）"), default=dict, blank=True)
    body = models.TextField(_("本文"), blank=True)
    dedup_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    # Not a column: the title in the reader's language, set by the list view.
    display_title: str

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                condition=Q(dedup_key__isnull=False),
                name="notification_once_per_recipient",
            ),
        ]
        indexes = [
            # "My unread notifications", newest first.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str | None) -> str:
        """The title in `language` where it was written in it, else the stored title."""
        titles = self.titles if isinstance(self.titles, dict) else {}
        return str(titles.get((language or "")[:2]) or self.title)


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("メール")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("失敗（再試行終了）")

    channel = models.CharField(_("チャネル"), max_length=10, choices=Channel.choices)
    # One logical message, one row: a retried or duplicated producer hits this constraint.
    dedup_key = models.CharField(_("重複防止キー"), max_length=200, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    next_attempt_at = models.DateTimeField(_("次回試行"), null=True, blank=True)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("送信キュー")
        verbose_name_plural = _("送信キュー")
        ordering = ["created_at", "id"]
        indexes = [
            # The dispatcher: pending messages whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.dedup_key} ({self.status})"
