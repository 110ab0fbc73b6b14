"""Tickets, their messages and attachments, and the events that make up their timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.models import Plan
from sla.models import InternalTarget, Severity, TargetKind
from tickets import clocks

# Re-exported: the statuses live with the workflow table (`tickets.workflow`).
from tickets.workflow import OPEN_STATUSES as OPEN_STATUSES
from tickets.workflow import Status as Status

if TYPE_CHECKING:
    from sla.deadlines import SlaState


class Channel(models.TextChoices):
    PHONE = "phone", _("電話")
    EMAIL = "email", _("メール")
    WEB = "web", _("Web")
    API = "api", _("API")


class Category(models.TextChoices):
    """What the inquiry is about, in the words of the scope of support (Art. 3.1, DOMAIN.md).
    Which categories a product admits is `tickets.eligibility.CATEGORIES_BY_SCOPE`."""

    STANDARD_FEATURE = "standard_feature", _("クラウドサービスの標準機能")
    CLOUD_OUTAGE = "cloud_outage", _("クラウド側で発生した障害")
    ISOLATION = "isolation", _("問題の切り分け")
    TECHNICAL_INFORMATION = "technical_information", _("公開技術情報の提供")
    CLIENT_SETUP = "client_setup", _("クライアントアプリのセットアップ・インストール")
    PRODUCT_KEY = "product_key", _("プロダクトキーの取得")
    USER_AND_LICENCE = "user_and_licence", _("ユーザー作成・ライセンス割り当て")
    # Named so an agent can record what was asked; never eligible (Art. 3.1 ※).
    CLIENT_APP_BEHAVIOUR = "client_app_behaviour", _("クライアントアプリの動作上の問題（対象外）")
    APP_USAGE = "app_usage", _("アプリの操作方法（対象外）")
    OPERATING_SYSTEM = "operating_system", _("Windows / OS（対象外）")


class RefusalReason(models.TextChoices):
    """Art. 3.5: why an inquiry was refused at reception or its investigation stopped."""

    OUT_OF_SCOPE = "out_of_scope", _("サポート範囲外")
    CLIENT_APP_BEHAVIOUR = "client_app_behaviour", _("クライアントアプリの動作上の問題")
    APP_USAGE = "app_usage", _("アプリの操作方法")
    OPERATING_SYSTEM = "operating_system", _("Windows / OS")
    NOT_GLOBAL_ADMIN = "not_global_admin", _("全体管理者以外からの問い合わせ")
    NO_COOPERATION = "no_cooperation", _("調査へのご協力が得られない (3.4)")
    OTHER = "other", _("その他")


class TicketSequence(models.Model):
    """The last ticket number issued per year: numbers are CS-<year>-<6 digits>."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("チケット番号の採番")
        verbose_name_plural = _("チケット番号の採番")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Ticket(models.Model):
    number = models.CharField(_("チケット番号"), max_length=20, unique=True, editable=False)
    reseller = models.ForeignKey(
        "contracts.Reseller",
        verbose_name=_("リセラー"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("顧客"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    subscription = models.ForeignKey(
        "contracts.Subscription",
        verbose_name=_("サブスクリプション"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("依頼者"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # Frozen at receipt: later contract edits never change how this ticket is judged.
    contract = models.ForeignKey(
        "contracts.SupportContract",
        verbose_name=_("適用契約"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    plan = models.CharField(_("サポートの種類"), max_length=20, choices=Plan.choices)
    policy = models.ForeignKey(
        "sla.SupportPolicy",
        verbose_name=_("適用ポリシー"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel = models.CharField(_("受付チャネル"), max_length=10, choices=Channel.choices)
    severity = models.CharField(_("重大度"), max_length=20, choices=Severity.choices)
    needs_triage = models.BooleanField(
        _("重大度要確認"), default=False, help_text=_("重大度が推定できず既定値で起票された")
    )
    category = models.CharField(_("カテゴリ"), max_length=30, choices=Category.choices)
    subject = models.CharField(_("件名"), max_length=255)
    description = models.TextField(_("詳細"))
    status = models.CharField(
        _("状態"), max_length=25, choices=Status.choices, default=Status.NEW, db_index=True
    )
    refusal_reason = models.CharField(
        _("お断り理由"), max_length=30, choices=RefusalReason.choices, blank=True
    )
    refusal_note = models.TextField(_("お断りの説明"), blank=True)
    microsoft_case_number = models.CharField(_("Microsoft ケース番号"), max_length=40, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当エージェント"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    assigned_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("担当組織"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text=_("再委託先に割り当てると、その組織のエージェントだけが閲覧できます (Art. 12)"),
    )
    # SLA (DOMAIN.md §4–§9), computed by sla.services at every channel's intake.
    submitted_at = models.DateTimeField(_("申込日時"))
    received_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    # Where the first-response clock started: the submission, or the last restart (a severity
    # change before the first response, DOMAIN.md §9; a reopening after the deadline). Receipt,
    # the deadline and the warning are derived from it by `tickets.clocks`, never restated.
    first_response_started_at = models.DateTimeField(_("初回応答の計測開始"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("初回応答期限"), null=True, blank=True)
    sla_explanation = models.JSONField(_("期限の根拠"), default=list, blank=True)
    at_risk_at = models.DateTimeField(_("期限間近の警告時刻"), null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(_("期限間近の警告日時"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("初回応答日時"), null=True, blank=True)
    # Business seconds from receipt to the first response, stored when it is given (the
    # business calendar of that moment): the reports take percentiles of it in the database.
    first_response_business_seconds = models.PositiveIntegerField(
        _("初回応答までの営業時間（秒）"), null=True, blank=True
    )
    breached_at = models.DateTimeField(_("期限超過日時"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("エスカレーションレベル"), default=0)
    next_escalation_at = models.DateTimeField(_("次のエスカレーション"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解決日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("クローズ日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起票者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tickets",
    )
    idempotency_key = models.CharField(_("冪等キー"), max_length=100, null=True, blank=True)
    # A duplicate merged into its original (tickets.merge): closed, its thread moved there.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("統合先"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    # The customer's last word: the submission, then each message or call from their side
    # (tickets.services.message_add). The queues show it.
    last_customer_activity_at = models.DateTimeField(
        _("お客様の最終アクティビティ"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    # Any change, and every message (message_add touches it): the queues' 最終更新 and the
    # per-agent unread marker (workspace.models.TicketView).
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "last_customer_activity_at"])
    # Not a column: the SLA state at the time of a listing, set on the rows of a queue page
    # (workspace.selectors.queue_page) for the template.
    sla: SlaState
    # Likewise: changed since the agent viewing the queue last opened it.
    unread: bool

    class Meta:
        verbose_name = _("チケット")
        verbose_name_plural = _("チケット")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # A retried API POST with the same Idempotency-Key finds the first ticket.
            models.UniqueConstraint(
                fields=["reseller", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ticket_idempotency_key_unique",
            ),
            # Art. 3.5: a refusal always says why.
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="ticket_refusal_has_reason",
            ),
            # Receipt never precedes submission (DOMAIN.md §4).
            models.CheckConstraint(
                condition=Q(received_at__isnull=True)
                | Q(received_at__gte=models.F("submitted_at")),
                name="ticket_received_not_before_submitted",
            ),
        ]
        indexes = [
            # The breach sweep: unanswered tickets with a deadline not yet marked breached.
            # Closed tickets leave these indexes, so a ticket withdrawn before its deadline is
            # not walked past by every sweep for the rest of its life. Each condition is the
            # claim of `tickets.clocks`, so the sweep's query and its index cannot drift apart.
            models.Index(
                fields=["first_response_due"],
                condition=clocks.q_breach_pending(),
                name="ticket_due_unanswered",
            ),
            # The at-risk sweep: unanswered tickets whose warning has not gone out.
            models.Index(
                fields=["at_risk_at"],
                condition=clocks.q_at_risk_pending(),
                name="ticket_at_risk_pending",
            ),
            # The escalation sweep: breached, unanswered tickets with a further level to fire.
            models.Index(
                fields=["next_escalation_at"],
                condition=clocks.q_escalation_pending(),
                name="ticket_next_escalation",
            ),
            # Queues: open tickets ordered by deadline, per assignee.
            models.Index(fields=["status", "first_response_due"], name="ticket_status_due"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["reseller", "received_at"], name="ticket_reseller_received"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            # Reports (reports.selectors): a period's tickets by receipt, by first-response
            # deadline (judged in the period it falls), and the backlog at a period's end
            # (finished after it).
            models.Index(fields=["received_at"], name="ticket_received_at"),
            # On PostgreSQL the deadline index carries what judging a first response reads,
            # so a period's judgement and the monthly trend are index-only scans.
            models.Index(
                fields=["first_response_due"],
                include=[
                    "first_responded_at",
                    "resolved_at",
                    "closed_at",
                    "breached_at",
                    "severity",
                ],
                name="ticket_first_response_due",
            ),
            models.Index(fields=["resolved_at"], name="ticket_resolved_at"),
            models.Index(fields=["closed_at"], name="ticket_closed_at"),
            # すべて and searches, newest first (`workspace.selectors.tickets_in_queue`), and
            # a customer's or requester's other tickets on the ticket page.
            models.Index(fields=["submitted_at", "id"], name="ticket_submitted"),
            models.Index(fields=["requester", "submitted_at"], name="ticket_requester_submitted"),
            # A queue sorted by last update (最終更新順).
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Message(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("回答")
        CUSTOMER = "customer", _("お客様からのメッセージ")
        INTERNAL_NOTE = "internal_note", _("社内メモ")
        PHONE_CALL = "phone_call", _("電話")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("着信")
        OUTBOUND = "outbound", _("発信")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("チケット"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    direction = models.CharField(
        _("電話の方向"), max_length=10, choices=Direction.choices, blank=True
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者（社内）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_messages",
    )
    author_contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("作成者（お客様）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket_messages",
    )
    body = models.TextField(_("本文"))
    requests_information = models.BooleanField(
        _("情報・ログの依頼"), default=False, help_text=_("Art. 3.4: お客様回答待ちにする依頼")
    )
    email_message_id = models.CharField(
        _("メール Message-ID"), max_length=998, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("メッセージ")
        verbose_name_plural = _("メッセージ")
        ordering = ["created_at", "id"]
        constraints = [
            # Only a phone call has a direction, and it always has one.
            models.CheckConstraint(
                condition=Q(kind="phone_call") & ~Q(direction="")
                | ~Q(kind="phone_call") & Q(direction=""),
                name="message_direction_only_for_calls",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_public(self) -> bool:
        """What the requester sees: replies, their own messages, phone calls; never notes."""
        return self.kind != self.Kind.INTERNAL_NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message,
        verbose_name=_("メッセージ"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("ファイル"), upload_to=attachment_path, max_length=500)
    filename = models.CharField(_("ファイル名"), max_length=255)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """One thing that happened to a ticket, written in the same transaction as the change.
    The timeline, the audit and the outbox read from it. `dedup_key` makes the once-only
    events (breach, at-risk warning, each escalation level) impossible to record twice."""

    class Kind(models.TextChoices):
        CREATED = "created", _("起票")
        STATUS_CHANGED = "status_changed", _("状態変更")
        SEVERITY_CHANGED = "severity_changed", _("重大度変更")
        ASSIGNED = "assigned", _("担当割り当て")
        MESSAGE_ADDED = "message_added", _("メッセージ追加")
        FIRST_RESPONSE = "first_response", _("初回応答")
        DEADLINE_RECOMPUTED = "deadline_recomputed", _("期限再計算")
        AT_RISK = "at_risk", _("期限間近")
        BREACHED = "breached", _("期限超過")
        ESCALATED = "escalated", _("エスカレーション")
        REMINDER_SENT = "reminder_sent", _("回答のお願いを送信")
        MAIL_RELEASED = "mail_released", _("送信者を確認して保留メールを受付")
        # The SLA timeline of every clock (data["target"]): the base of SLA reports.
        SLA_STARTED = "sla_started", _("SLA 計測開始")
        SLA_PAUSED = "sla_paused", _("SLA 一時停止")
        SLA_RESUMED = "sla_resumed", _("SLA 再開")
        SLA_DUE_CHANGED = "sla_due_changed", _("SLA 期限変更")
        SLA_FULFILLED = "sla_fulfilled", _("SLA 達成")
        SLA_STOPPED = "sla_stopped", _("SLA 計測終了")
        SLA_AT_RISK = "sla_at_risk", _("社内目標 期限間近")
        SLA_BREACHED = "sla_breached", _("社内目標 期限超過")
        UPDATED = "updated", _("更新")
        SURVEY_ANSWERED = "survey_answered", _("満足度アンケートの回答")
        # tickets.merge: on the duplicate, on its original, and a link on both tickets.
        MERGED = "merged", _("重複として統合")
        MERGE_RECEIVED = "merge_received", _("重複チケットを統合")
        LINKED = "linked", _("関連付け")
        UNLINKED = "unlinked", _("関連付けの解除")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("チケット"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("種類"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("内容"), default=dict, blank=True)
    dedup_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("チケットイベント")
        verbose_name_plural = _("チケットイベント")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "dedup_key"],
                condition=Q(dedup_key__isnull=False),
                name="ticket_event_once",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class TicketClock(models.Model):
    """The clock of one internal target on one ticket (次回返信, 解決: DOMAIN.md point 13).
    The terms' first response keeps its own fields on Ticket. Where the clock started is
    stored, with the rule it runs by (frozen from the ticket's policy when it starts), and
    `tickets.clocks` derives and decides everything else."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("チケット"), on_delete=models.CASCADE, related_name="clocks"
    )
    target = models.CharField(_("社内目標"), max_length=20, choices=InternalTarget.Kind.choices)
    target_kind = models.CharField(_("目標の種類"), max_length=20, choices=TargetKind.choices)
    target_value = models.PositiveIntegerField(_("目標値"), null=True, blank=True)
    pauses_on_customer = models.BooleanField(_("お客様回答待ちの間は停止"), default=True)
    pauses_on_microsoft = models.BooleanField(_("Microsoft 回答待ちの間は停止"), default=False)
    started_at = models.DateTimeField(_("計測開始"), null=True, blank=True)
    due = models.DateTimeField(_("期限"), null=True, blank=True)
    at_risk_at = models.DateTimeField(_("期限間近の警告時刻"), null=True, blank=True)
    paused_since = models.DateTimeField(_("一時停止の開始"), null=True, blank=True)
    paused_status = models.CharField(_("停止の理由"), max_length=25, blank=True)
    paused_seconds = models.PositiveIntegerField(_("計上しなかった時間（秒）"), default=0)
    fulfilled_at = models.DateTimeField(_("達成日時"), null=True, blank=True)
    # Business seconds from the start to the fulfilment (waits included), stored when it is
    # fulfilled: the reports take percentiles of it in the database.
    business_seconds = models.PositiveIntegerField(
        _("達成までの営業時間（秒）"), null=True, blank=True
    )
    stopped_at = models.DateTimeField(_("計測終了日時"), null=True, blank=True)
    breached_at = models.DateTimeField(_("期限超過日時"), null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(_("期限間近の警告日時"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("エスカレーション レベル"), default=0)
    next_escalation_at = models.DateTimeField(_("次のエスカレーション"), null=True, blank=True)
    explanation = models.JSONField(_("期限の根拠"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社内目標の計測")
        verbose_name_plural = _("社内目標の計測")
        ordering = ["ticket_id", "target"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="ticket_clock_unique"),
        ]
        indexes = [
            # The target breach sweep: running, unpaused clocks whose breach is not recorded.
            models.Index(
                fields=["due"], condition=clocks.q_target_breach_pending(), name="clock_due_pending"
            ),
            # The target at-risk sweep.
            models.Index(
                fields=["at_risk_at"],
                condition=clocks.q_target_at_risk_pending(),
                name="clock_at_risk_pending",
            ),
            # The target escalation sweep: breached, still owed, a further level to fire.
            models.Index(
                fields=["next_escalation_at"],
                condition=clocks.q_target_escalation_pending(),
                name="clock_next_escalation",
            ),
            # The reports: a target's clocks judged in a period (by their due instant).
            models.Index(fields=["target", "due"], name="clock_target_due"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target}"


class TicketLink(models.Model):
    """Two tickets marked as related (tickets.merge), stored once: the lower id first."""

    from_ticket = models.ForeignKey(
        Ticket, verbose_name=_("チケット"), on_delete=models.CASCADE, related_name="links_from"
    )
    to_ticket = models.ForeignKey(
        Ticket, verbose_name=_("関連チケット"), on_delete=models.CASCADE, related_name="links_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("関連チケット")
        verbose_name_plural = _("関連チケット")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="ticket_link_once"),
            models.CheckConstraint(
                condition=Q(from_ticket__lt=models.F("to_ticket")), name="ticket_link_ordered"
            ),
        ]
        indexes = [models.Index(fields=["to_ticket"], name="ticket_link_to")]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} ↔ {self.to_ticket_id}"
