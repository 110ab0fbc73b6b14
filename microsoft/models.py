"""What the product keeps of Microsoft: each sync run and its report, the links between our
customers and subscriptions and Partner Center's, GDAP relationships, service requests and
service health incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords


class SyncRun(models.Model):
    """One run of a sync, with what it changed. At most one full run of a kind is running at
    a time (the partial unique constraint); a run that died is taken over after a while."""

    class Kind(models.TextChoices):
        PARTNER_CENTER = "partner_center", _("Partner Center（顧客・サブスクリプション）")
        GDAP = "gdap", _("GDAP")
        SERVICE_HEALTH = "service_health", _("サービス正常性")
        SERVICE_REQUESTS = "service_requests", _("サービス リクエスト")

    class Status(models.TextChoices):
        RUNNING = "running", _("実行中")
        SUCCEEDED = "succeeded", _("成功")
        PARTIAL = "partial", _("一部失敗")
        FAILED = "failed", _("失敗")

    kind = models.CharField(_("種類"), max_length=30, choices=Kind.choices)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("開始日時"))
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    counts = models.JSONField(_("件数"), default=dict, blank=True)
    changes = models.JSONField(_("変更"), default=list, blank=True)
    error = models.TextField(_("エラー"), blank=True)

    class Meta:
        verbose_name = _("同期の実行")
        verbose_name_plural = _("同期の実行")
        ordering = ["-started_at", "-id"]
        constraints = [
            # Two full syncs of one kind never run at once (beat and a command, two workers).
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status="running"), name="sync_run_one_running"
            ),
        ]
        indexes = [models.Index(fields=["kind", "-started_at"], name="sync_run_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class PartnerCenterCustomer(models.Model):
    """Our customer as Partner Center knows it (matched by tenant ID)."""

    customer = models.OneToOneField(
        "contracts.Customer",
        verbose_name=_("顧客"),
        on_delete=models.CASCADE,
        related_name="partner_center",
    )
    associated_partner_id = models.CharField(_("リセラーの Partner ID"), max_length=40, blank=True)
    relationship = models.CharField(_("パートナーとの関係"), max_length=40, blank=True)
    synced_at = models.DateTimeField(_("同期日時"))

    class Meta:
        verbose_name = _("Partner Center の顧客")
        verbose_name_plural = _("Partner Center の顧客")

    def __str__(self) -> str:
        return str(self.customer_id)


class PartnerCenterSubscription(models.Model):
    """Our subscription as Partner Center knows it: its id there, its offer and Microsoft's
    own status and suspension reasons (ours is derived: Art. 5, 7)."""

    subscription = models.OneToOneField(
        "contracts.Subscription",
        verbose_name=_("サブスクリプション"),
        on_delete=models.CASCADE,
        related_name="partner_center",
    )
    partner_center_id = models.CharField(_("Partner Center ID"), max_length=64, unique=True)
    offer_id = models.CharField(_("オファー ID"), max_length=80)
    offer_name = models.CharField(_("オファー名"), max_length=200, blank=True)
    microsoft_status = models.CharField(_("Microsoft 側の状態"), max_length=20)
    suspension_reasons = models.JSONField(_("停止理由"), default=list, blank=True)
    partner_id = models.CharField(_("リセラーの Partner ID"), max_length=40, blank=True)
    commitment_end_at = models.DateTimeField(_("契約期間の終了"), null=True, blank=True)
    synced_at = models.DateTimeField(_("同期日時"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Partner Center のサブスクリプション")
        verbose_name_plural = _("Partner Center のサブスクリプション")
        ordering = ["partner_center_id"]

    def __str__(self) -> str:
        return f"{self.offer_name} ({self.partner_center_id})"


class GdapRelationship(models.Model):
    """A delegated admin (GDAP) relationship of the distributor with a customer's tenant, as
    Graph reports it. The customer's delegated-access state is derived from these."""

    relationship_id = models.CharField(_("リレーションシップ ID"), max_length=100, unique=True)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("顧客"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gdap_relationships",
    )
    customer_tenant_id = models.UUIDField(_("顧客テナント ID"), db_index=True)
    customer_name = models.CharField(_("顧客名（Microsoft）"), max_length=200, blank=True)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    status = models.CharField(_("状態"), max_length=30)
    created_at_microsoft = models.DateTimeField(_("作成日時"), null=True, blank=True)
    activated_at = models.DateTimeField(_("有効化日時"), null=True, blank=True)
    end_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    auto_extend_days = models.PositiveIntegerField(_("自動延長（日）"), default=0)
    role_ids = models.JSONField(_("ロール"), default=list, blank=True)
    synced_at = models.DateTimeField(_("同期日時"))
    history = HistoricalRecords(excluded_fields=["synced_at"])

    class Meta:
        verbose_name = _("GDAP リレーションシップ")
        verbose_name_plural = _("GDAP リレーションシップ")
        ordering = ["customer_tenant_id", "-end_at", "relationship_id"]

    def __str__(self) -> str:
        return f"{self.display_name or self.relationship_id} ({self.status})"


class GdapWarning(models.Model):
    """A warning sent N days before a relationship ends without auto-extend: once per
    relationship, threshold and end date (an extension moves the end date, and warns anew)."""

    relationship = models.ForeignKey(
        GdapRelationship,
        verbose_name=_("GDAP リレーションシップ"),
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    threshold_days = models.PositiveSmallIntegerField(_("何日前"))
    end_at = models.DateTimeField(_("終了日時"))
    sent = models.BooleanField(
        _("送信"), default=True, help_text=_("より近い警告と同時に越えた閾値は送信しない")
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("GDAP 期限切れの警告")
        verbose_name_plural = _("GDAP 期限切れの警告")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "threshold_days", "end_at"], name="gdap_warning_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relationship_id} −{self.threshold_days}d"


class PartnerCenterEvent(models.Model):
    """A verified Partner Center webhook event and what it set off. The same event delivered
    twice (Microsoft retries) is recorded and acted on once."""

    class Action(models.TextChoices):
        CUSTOMER_SYNC = "customer_sync", _("顧客の同期")
        FULL_SYNC = "full_sync", _("全顧客の同期")
        GDAP_SYNC = "gdap_sync", _("GDAP の同期")
        NONE = "none", _("なし")

    event_name = models.CharField(_("イベント"), max_length=100)
    resource_uri = models.CharField(_("リソース URI"), max_length=500, blank=True)
    resource_name = models.CharField(_("リソース"), max_length=100, blank=True)
    resource_changed_at = models.CharField(_("変更日時（Microsoft）"), max_length=40, blank=True)
    action = models.CharField(_("処理"), max_length=20, choices=Action.choices)
    received_at = models.DateTimeField(_("受信日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("Partner Center のイベント")
        verbose_name_plural = _("Partner Center のイベント")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_name", "resource_uri", "resource_changed_at"],
                name="partner_center_event_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} {self.resource_uri}"


class PartnerCenterCredential(models.Model):
    """The App+User refresh token that service requests need (one row). Encrypted at rest like
    webhook secrets; Microsoft rotates it at each use and the new one replaces it. A refused
    token is an alert for admins and stops the calls until a new one is set."""

    class Status(models.TextChoices):
        OK = "ok", _("有効")
        REFUSED = "refused", _("拒否（期限切れ・取り消し）")

    refresh_token = EncryptedTextField(_("リフレッシュ トークン"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OK)
    last_refreshed_at = models.DateTimeField(_("最終更新"), null=True, blank=True)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["refresh_token", "updated_at", "last_refreshed_at"]
    )

    class Meta:
        verbose_name = _("Partner Center の資格情報（App+User）")
        verbose_name_plural = _("Partner Center の資格情報（App+User）")

    def __str__(self) -> str:
        return self.get_status_display()


class SupportTopic(models.Model):
    """Microsoft's list of support topics for service requests (refreshed daily)."""

    topic_id = models.CharField(_("トピック ID"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    description = models.CharField(_("説明"), max_length=500, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("サポート トピック")
        verbose_name_plural = _("サポート トピック")
        ordering = ["name", "topic_id"]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """A Partner Center service request a ticket waits on (Microsoft 回答待ち). Its status and
    notes are pulled into the ticket; Microsoft closing it is shown, never auto-resolved."""

    class Status(models.TextChoices):
        NONE = "none", _("未設定")
        OPEN = "open", _("オープン")
        ATTENTION_NEEDED = "attention_needed", _("対応が必要")
        CLOSED = "closed", _("クローズ")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        on_delete=models.CASCADE,
        related_name="service_requests",
    )
    request_id = models.CharField(_("サービス リクエスト番号"), max_length=40, unique=True)
    title = models.CharField(_("件名"), max_length=255, blank=True)
    severity = models.CharField(_("重大度（Microsoft）"), max_length=20, blank=True)
    support_topic_name = models.CharField(_("サポート トピック"), max_length=200, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.NONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked = models.BooleanField(_("既存のリクエストを関連付け"), default=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    last_polled_at = models.DateTimeField(_("最終確認"), null=True, blank=True)
    closed_at_microsoft = models.DateTimeField(
        _("Microsoft でのクローズ日時"), null=True, blank=True
    )
    history = HistoricalRecords(excluded_fields=["last_polled_at"])

    class Meta:
        verbose_name = _("サービス リクエスト")
        verbose_name_plural = _("サービス リクエスト")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.request_id


class ServiceRequestNote(models.Model):
    """A note of a service request already copied into the ticket as an internal note."""

    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("サービス リクエスト"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    note_key = models.CharField(_("キー"), max_length=64)
    message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("メッセージ"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("サービス リクエストのメモ")
        verbose_name_plural = _("サービス リクエストのメモ")
        constraints = [
            models.UniqueConstraint(
                fields=["service_request", "note_key"], name="service_request_note_once"
            ),
        ]

    def __str__(self) -> str:
        return self.note_key


class Incident(models.Model):
    """A Microsoft 365 service health issue (Graph serviceHealthIssue) seen in the tenants of
    our customers: Art. 3.1's "クラウド側で発生した障害". Tickets it causes are linked to it, get
    its updates together, and are resolved together once Microsoft resolves it."""

    issue_id = models.CharField(_("インシデント ID"), max_length=40, unique=True)
    title = models.CharField(_("タイトル"), max_length=500)
    service = models.CharField(_("サービス"), max_length=200, blank=True)
    feature = models.CharField(_("機能"), max_length=200, blank=True)
    feature_group = models.CharField(_("機能グループ"), max_length=200, blank=True)
    classification = models.CharField(_("分類"), max_length=40, blank=True)
    status = models.CharField(_("状態（Microsoft）"), max_length=40, blank=True)
    impact_description = models.TextField(_("影響"), blank=True)
    is_resolved = models.BooleanField(_("解決済み（Microsoft）"), default=False, db_index=True)
    start_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    end_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    last_modified_at = models.DateTimeField(_("最終更新（Microsoft）"), null=True, blank=True)
    posts = models.JSONField(_("投稿"), default=list, blank=True)
    first_seen_at = models.DateTimeField(_("初回検知"))
    resolved_seen_at = models.DateTimeField(_("解決の検知"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["posts"])

    class Meta:
        verbose_name = _("インシデント")
        verbose_name_plural = _("インシデント")
        ordering = ["is_resolved", "-start_at", "-id"]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.title}"


class IncidentTenant(models.Model):
    """A customer's tenant in which Microsoft reports the incident."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("インシデント"), on_delete=models.CASCADE, related_name="tenants"
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("顧客"),
        on_delete=models.CASCADE,
        related_name="incident_tenants",
    )
    first_seen_at = models.DateTimeField(_("初回検知"))

    class Meta:
        verbose_name = _("影響を受けるテナント")
        verbose_name_plural = _("影響を受けるテナント")
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="incident_tenant_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.customer_id}"


class IncidentTicket(models.Model):
    incident = models.ForeignKey(
        Incident, verbose_name=_("インシデント"), on_delete=models.CASCADE, related_name="links"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        on_delete=models.CASCADE,
        related_name="incident_links",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("関連付けた人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("関連付け日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("インシデントのチケット")
        verbose_name_plural = _("インシデントのチケット")
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.ticket_id}"


class IncidentUpdate(models.Model):
    """One update an agent sent to the requesters of every linked ticket."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("インシデント"), on_delete=models.CASCADE, related_name="updates"
    )
    body = models.TextField(_("本文"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tickets_answered = models.PositiveIntegerField(_("回答したチケット数"), default=0)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("インシデントの更新")
        verbose_name_plural = _("インシデントの更新")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.created_at:%Y-%m-%d %H:%M}"
