"""The email channel: every mail the desk's mailbox received, and the editable templates of
the mail the desk sends. Mailbox secrets are not here: they come from the environment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.models import VerificationMethod


class InboundMail(models.Model):
    """One received mail, kept with its original bytes whatever became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("受信")
        TICKET_OPENED = "ticket_opened", _("チケット起票")
        THREADED = "threaded", _("チケットに追加")
        HELD = "held", _("保留")
        IGNORED_AUTO = "ignored_auto", _("自動送信メール（返信なし）")
        DUPLICATE = "duplicate", _("重複")

    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    from_address = models.CharField(_("差出人"), max_length=320, blank=True)
    subject = models.CharField(_("件名"), max_length=998, blank=True)
    raw = models.BinaryField(_("元のメール"))
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
    )

    class SenderAuthentication(models.TextChoices):
        """How the sender was authenticated (DOMAIN.md §12, mail/authentication.py)."""

        DMARC = "dmarc", _("DMARC（受信サーバーの判定）")
        DKIM = "dkim", _("DKIM 署名（本システムで検証）")
        RELEASED = "released", _("担当者が本人に確認して解除")
        OFF = "off", _("確認なし（MAIL_SENDER_AUTH=off）")
        FAILED = "failed", _("認証されていない")

    reason = models.TextField(_("理由"), blank=True)
    received_at = models.DateTimeField(_("受信日時"))
    processed_at = models.DateTimeField(_("処理日時"), null=True, blank=True)
    sender_authentication = models.CharField(
        _("送信者の認証"), max_length=10, choices=SenderAuthentication.choices, blank=True
    )
    sender_authentication_detail = models.CharField(_("認証の詳細"), max_length=500, blank=True)
    # An agent's release of a mail held as sender_unauthenticated, after checking with the
    # sender by phone: who, when, how and why (the history keeps every change too).
    released_at = models.DateTimeField(_("解除日時"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除した担当者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    release_method = models.CharField(
        _("確認方法"), max_length=20, choices=VerificationMethod.choices, blank=True
    )
    release_reason = models.TextField(_("解除の理由"), blank=True)
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        verbose_name = _("受信メール")
        verbose_name_plural = _("受信メール")
        ordering = ["-received_at", "-id"]
        constraints = [
            # A mail that opened or joined a ticket always points at it.
            models.CheckConstraint(
                condition=~Q(status__in=["ticket_opened", "threaded"]) | Q(ticket__isnull=False),
                name="inbound_mail_ticket_when_linked",
            ),
            # A release always says when, how and why.
            models.CheckConstraint(
                condition=Q(released_at__isnull=True, release_method="", release_reason="")
                | (Q(released_at__isnull=False) & ~Q(release_method="") & ~Q(release_reason="")),
                name="inbound_mail_release_complete",
            ),
        ]
        indexes = [
            # The agents' held list, newest first.
            models.Index(
                fields=["-received_at"], condition=Q(status="held"), name="inbound_mail_held"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class HeldMail(InboundMail):
    """The held list in the admin: mail an agent has to look at."""

    class Meta:
        proxy = True
        verbose_name = _("保留メール")
        verbose_name_plural = _("保留メール")


class MailTemplate(models.Model):
    """An admin's version of one outgoing mail; without a row the file template under
    templates/mail/ is used. Django template syntax, rendered with the mail's context."""

    class Key(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("受付確認")
        REPLY = "reply", _("回答")
        HELD = "held", _("受付できないお問い合わせへのご案内")
        ATTACHMENTS_DROPPED = "attachments_dropped", _("添付ファイル破棄のお知らせ")
        WAITING_REMINDER = "waiting_reminder", _("ご回答のお願い（リマインダー）")
        MERGED = "merged", _("お問い合わせ統合のお知らせ")

    class Language(models.TextChoices):
        JA = "ja", _("日本語")
        EN = "en", _("英語")

    key = models.CharField(_("種類"), max_length=30, choices=Key.choices)
    language = models.CharField(
        _("言語"), max_length=5, choices=Language.choices, default=Language.JA
    )
    subject = models.CharField(_("件名"), max_length=255)
    text = models.TextField(_("本文（テキスト）"))
    html = models.TextField(_("本文（HTML）"), blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("メールテンプレート")
        verbose_name_plural = _("メールテンプレート")
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="mail_template_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.language})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.template import Engine, TemplateSyntaxError

        errors = {}
        for field_name in ("subject", "text", "html"):
            try:
                Engine.get_default().from_string(getattr(self, field_name))
            except TemplateSyntaxError as error:
                errors[field_name] = str(error)
        if errors:
            raise ValidationError(errors)
