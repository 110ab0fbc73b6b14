"""Outbound webhooks: a reseller registers URLs and a secret, and the ticket events it
subscribes to are POSTed there, signed with HMAC-SHA256, through the transactional outbox."""

from __future__ import annotations

import base64
import binascii
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from webhooks.targets import validate_webhook_url


class WebhookEvent(models.TextChoices):
    """The ticket events a reseller can subscribe to (TicketEvent kinds, named for clients)."""

    TICKET_CREATED = "ticket.created", _("起票")
    TICKET_FIRST_RESPONSE = "ticket.first_response", _("初回応答")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("状態変更")
    TICKET_BREACHED = "ticket.breached", _("期限超過")
    TICKET_MESSAGE_ADDED = "ticket.message_added", _("メッセージ追加")
    # Any clock's warning (data.target: first_response, next_reply, resolution), and the
    # breach of an internal target (社内目標, never the terms': those stay ticket.breached).
    TICKET_SLA_AT_RISK = "ticket.sla_at_risk", _("SLA 期限間近")
    TICKET_SLA_BREACHED = "ticket.sla_breached", _("社内目標の期限超過")
    # The requester answered the satisfaction survey (Art. 14.2.2), or changed the answer.
    TICKET_SURVEY_ANSWERED = "ticket.survey_answered", _("満足度アンケートの回答")
    # Not a ticket's: the distributor's delegated (GDAP) access to a customer ends soon
    # without auto-extend (Art. 4.1), sent N days before (GDAP_WARNING_DAYS).
    CUSTOMER_GDAP_EXPIRING = "customer.gdap_expiring", _("GDAP の期限切れが近い")


class Webhook(models.Model):
    reseller = models.ForeignKey(
        "contracts.Reseller",
        verbose_name=_("リセラー"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    # Registration refuses targets inside private networks (the API and the admin alike).
    url = models.URLField(_("送信先 URL"), max_length=500, validators=[validate_webhook_url])
    # The shared key of the HMAC signature: write-only in the API, shown only as a hint, and
    # encrypted at rest (the key comes from the environment, never from the database).
    secret = EncryptedCharField(_("署名用シークレット"), max_length=200)
    events = models.JSONField(_("イベント"), default=list)
    is_active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["secret", "updated_at"])

    class Meta:
        verbose_name = _("Webhook")
        verbose_name_plural = _("Webhook")
        ordering = ["reseller_id", "id"]
        indexes = [
            # The subscriber: a ticket event looks up its reseller's active webhooks.
            models.Index(fields=["reseller", "is_active"], name="webhook_reseller_active"),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret[-4:]}" if len(self.secret) >= 8 else "…"

    @property
    def secret_readable(self) -> bool:
        """False when the stored token could not be decrypted (DJANGO_SECRET_KEY changed
        without the old key in DJANGO_SECRET_KEY_FALLBACKS): the field then hands back the
        token itself, which must never sign a delivery."""
        try:
            data = base64.urlsafe_b64decode(self.secret.encode())
        except (ValueError, binascii.Error):
            return True
        # A Fernet token: version 0x80, timestamp, IV, at least one block, HMAC (73+ bytes).
        return not (data[:1] == b"\x80" and len(data) >= 73)


class WebhookDelivery(models.Model):
    """One ticket event to one webhook. Its outbox row carries the retry state (pending,
    sent, failed after the last retry); this row records what the receiver answered."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("未送信")
        DELIVERED = "delivered", _("送信済み")
        FAILED_ATTEMPT = "failed_attempt", _("失敗（再試行あり）")
        SKIPPED = "skipped", _("中止（Webhook 無効）")

    uuid = models.UUIDField(_("配信 ID"), default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(
        Webhook, verbose_name=_("Webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    outbox = models.OneToOneField(
        "notifications.OutboxMessage",
        verbose_name=_("送信キュー"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_delivery",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.CharField(_("イベント"), max_length=40, choices=WebhookEvent.choices)
    # The ticket event it carries; a customer event (no ticket) has `event_key` instead.
    ticket_event_id = models.BigIntegerField(_("チケットイベント ID"), null=True, blank=True)
    event_key = models.CharField(_("イベントキー"), max_length=200, null=True, blank=True)
    outcome = models.CharField(
        _("結果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    response_status = models.PositiveSmallIntegerField(_("応答ステータス"), null=True, blank=True)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    last_attempt_at = models.DateTimeField(_("直近の試行日時"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 配信")
        verbose_name_plural = _("Webhook 配信")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One delivery per webhook and ticket event, however often the event fans out.
            models.UniqueConstraint(
                fields=["webhook", "ticket_event_id"], name="webhook_delivery_once"
            ),
            # The same for events that are not a ticket's.
            models.UniqueConstraint(
                fields=["webhook", "event_key"],
                condition=Q(event_key__isnull=False),
                name="webhook_delivery_event_once",
            ),
        ]
        indexes = [
            # A reseller's delivery list, newest first.
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.outcome})"
