"""The parties and contracts of the support terms (Art. 2, 3, 4, 5, 7)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Plan(models.TextChoices):
    """サポートの種類 (Art. 3.1): reception on weekdays 09:00–17:00 JST, or around the clock."""

    BUSINESS_HOURS = "business_hours", _("平日9時～17時")
    TWENTY_FOUR_SEVEN = "24x365", _("24時間365日")


class Reseller(models.Model):
    """契約リセラー (Art. 2.1): a reseller with a cloud-service reseller contract."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有効")
        SUSPENDED = "suspended", _("停止中")
        TERMINATED = "terminated", _("解約済み")

    code = models.SlugField(_("リセラーコード"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    # Partner Center's indirect model names a customer's reseller by this ID
    # (associatedPartnerId, a subscription's partnerId): the Microsoft sync maps by it.
    partner_center_id = models.CharField(
        _("Partner Center ID（MPN ID）"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Partner Center の同期で顧客をこのリセラーに割り当てるための ID"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("リセラー")
        verbose_name_plural = _("リセラー")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DelegatedAccess(models.TextChoices):
    """Art. 4.1: whether the distributor's default (delegated/GDAP) admin access is in force."""

    ACTIVE = "active", _("有効")
    REVOKED = "revoked", _("取り消し済み")
    # No relationship in force holds the roles support needs (expired, roles missing, none).
    LAPSED = "lapsed", _("失効")
    UNKNOWN = "unknown", _("不明")


class Customer(models.Model):
    """顧客 (Art. 2.2): a Microsoft 365 tenant of a reseller's customer, or the reseller's own
    tenant (a reseller's own tenant may file tickets too)."""

    reseller = models.ForeignKey(
        Reseller, verbose_name=_("リセラー"), on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField(_("名称"), max_length=200)
    tenant_id = models.UUIDField(_("テナント ID"), unique=True, default=uuid.uuid4)
    primary_domain = models.CharField(_("プライマリ ドメイン"), max_length=253)
    domains = models.JSONField(
        _("その他のドメイン"),
        default=list,
        blank=True,
        help_text=_(
            "プライマリ ドメイン以外に、このテナントで確認済みのドメイン（1行に1つ）。"
            "全体管理者のメールアドレスはこれらのドメインにあれば確認済みになります。"
        ),
    )
    is_reseller_tenant = models.BooleanField(
        _("リセラー自身のテナント"),
        default=False,
        help_text=_("リセラー自身の Microsoft 365 テナントの場合にオン"),
    )
    delegated_access = models.CharField(
        _("委任アクセス"),
        max_length=10,
        choices=DelegatedAccess.choices,
        default=DelegatedAccess.UNKNOWN,
    )
    delegated_access_changed_at = models.DateTimeField(
        _("委任アクセス変更日時"), null=True, blank=True
    )
    delegated_access_changed_by = models.CharField(
        _("委任アクセス変更者"),
        max_length=200,
        blank=True,
        help_text=_("取り消し・付与を行った人（テナント側の担当者を含む）"),
    )
    gdap_expires_on = models.DateField(_("GDAP 有効期限"), null=True, blank=True)
    gdap_roles = models.JSONField(
        _("GDAP ロール"), default=list, blank=True, help_text=_("保持している管理者ロールの一覧")
    )
    gdap_holder = models.CharField(_("GDAP 保持者"), max_length=200, blank=True)
    has_azure_tenant = models.BooleanField(
        _("Azure テナントあり"),
        default=False,
        help_text=_("Art. 4.2: Azure AD の問い合わせでテナント作成を依頼する場合がある"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("顧客")
        verbose_name_plural = _("顧客")
        ordering = ["reseller_id", "name", "id"]
        constraints = [
            # At most one "own tenant" per reseller.
            models.UniqueConstraint(
                fields=["reseller"],
                condition=Q(is_reseller_tenant=True),
                name="customer_one_reseller_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.primary_domain})"


class VerificationMethod(models.TextChoices):
    """How a desk user confirmed who a person is (DOMAIN.md §12)."""

    PHONE_CALLBACK = "phone_callback", _("登録済みの電話番号への折り返し電話")
    ADMIN_CENTER = "admin_center", _("Microsoft 365 管理センターで全体管理者ロールを確認")


class Contact(models.Model):
    """A person of a reseller or of a customer. Only a global admin (全体管理者, Art. 3.2)
    may ask for support, and only once the address is known to be theirs: it is in one of the
    customer's domains, or a desk user verified it (`contracts.verification`)."""

    reseller = models.ForeignKey(
        Reseller,
        verbose_name=_("リセラー"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("顧客"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("氏名"), max_length=200)
    email = models.EmailField(_("メールアドレス"), db_index=True)
    phone = models.CharField(_("電話番号"), max_length=40, blank=True)
    is_global_admin = models.BooleanField(_("全体管理者"), default=False)
    # A desk user's verification of a global admin whose address is not in the customer's
    # domains: who, when and how (DOMAIN.md §12). Cleared when the address or the flag changes.
    global_admin_verified_at = models.DateTimeField(
        _("デスクによる全体管理者確認日時"), null=True, blank=True
    )
    global_admin_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認したデスク担当者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    global_admin_verification_method = models.CharField(
        _("確認方法"), max_length=20, choices=VerificationMethod.choices, blank=True
    )
    global_admin_verification_note = models.TextField(_("確認の記録"), blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("担当者")
        verbose_name_plural = _("担当者")
        ordering = ["name", "id"]
        constraints = [
            # A contact belongs to exactly one party: the reseller or one of its customers.
            models.CheckConstraint(
                condition=Q(reseller__isnull=False, customer__isnull=True)
                | Q(reseller__isnull=True, customer__isnull=False),
                name="contact_one_party",
            ),
            # DOMAIN.md §12: no address belongs to two active contacts, whatever their
            # resellers (mail from it would otherwise open tickets another reseller reads).
            models.UniqueConstraint(
                Lower("email"), condition=Q(is_active=True), name="contact_email_unique_active"
            ),
            # A desk verification always says how it was done.
            models.CheckConstraint(
                condition=Q(
                    global_admin_verified_at__isnull=True, global_admin_verification_method=""
                )
                | (
                    Q(global_admin_verified_at__isnull=False)
                    & ~Q(global_admin_verification_method="")
                ),
                name="contact_verification_has_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def party_reseller_id(self) -> int:
        """The reseller this contact ultimately belongs to (own or through its customer)."""
        if self.reseller_id is not None:
            return self.reseller_id
        customer = self.customer
        assert customer is not None, "contact_one_party: no reseller, so a customer"
        return customer.reseller_id


class Product(models.Model):
    """A product sold through the distributor, with the scope of support it carries (Art. 3.1)."""

    class Family(models.TextChoices):
        MICROSOFT_365 = "microsoft_365", _("Microsoft 365")
        OFFICE_365 = "office_365", _("Office 365")
        DYNAMICS_365 = "dynamics_365", _("Dynamics 365")
        PERPETUAL = "perpetual", _("Perpetual / Software in CSP（Windows ESU 含む）")
        OTHER = "other", _("その他")

    class SupportScope(models.TextChoices):
        FULL = "full", _("標準サポート")
        PRODUCT_KEY_ONLY = "product_key_only", _("プロダクトキー取得まで")
        USER_AND_LICENCE_ONLY = "user_and_licence_only", _("ユーザー作成・ライセンス割り当てまで")
        NONE = "none", _("サポート対象外")

    sku = models.CharField(_("SKU"), max_length=80, unique=True)
    name = models.CharField(_("製品名"), max_length=200)
    family = models.CharField(_("製品ファミリー"), max_length=20, choices=Family.choices)
    support_included = models.BooleanField(_("無償サポート付き"), default=True)
    support_scope = models.CharField(
        _("サポート範囲"), max_length=30, choices=SupportScope.choices, default=SupportScope.FULL
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("製品")
        verbose_name_plural = _("製品")
        ordering = ["family", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Subscription(models.Model):
    """A customer's subscription. Service starts when it becomes available (Art. 5.1) and ends
    for one of the reasons of Art. 7."""

    class Status(models.TextChoices):
        PENDING = "pending", _("準備中")
        ACTIVE = "active", _("利用中")
        ENDED = "ended", _("終了")

    class EndReason(models.TextChoices):
        CANCELLED = "cancelled", _("解約 (7.1.1)")
        SERIOUS_BREACH = "serious_breach", _("重大な違反 (7.1.2)")
        LICENCE_VIOLATION = "licence_violation", _("使用許諾違反 (7.1.3)")
        UNPAID = "unpaid", _("料金未払い (7.1.4)")

    customer = models.ForeignKey(
        Customer, verbose_name=_("顧客"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("製品"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    ordered_at = models.DateTimeField(_("発注日時"))
    available_at = models.DateTimeField(_("利用可能日時"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    end_reason = models.CharField(
        _("終了理由"), max_length=20, choices=EndReason.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("サブスクリプション")
        verbose_name_plural = _("サブスクリプション")
        ordering = ["customer_id", "id"]
        constraints = [
            # Art. 7: an ended subscription says when and why; a live one says neither.
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False) & ~Q(end_reason="")
                | (~Q(status="ended") & Q(ended_at__isnull=True, end_reason="")),
                name="subscription_end_consistent",
            ),
            # Art. 5.1: an active subscription has become available.
            models.CheckConstraint(
                condition=~Q(status="active") | Q(available_at__isnull=False),
                name="subscription_active_has_available_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} × {self.quantity} ({self.customer.name})"


class SupportContract(models.Model):
    """The support contract of a reseller, or of one customer (which overrides the reseller's).

    Exactly one contract applies to a customer at a moment: on PostgreSQL an exclusion
    constraint (migration 0002) forbids overlapping active contracts at the same level, and
    `contracts.services.contract_save` checks the same on every database."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有効")
        SUSPENDED = "suspended", _("停止中")
        TERMINATED = "terminated", _("終了")

    reseller = models.ForeignKey(
        Reseller,
        verbose_name=_("リセラー"),
        on_delete=models.PROTECT,
        related_name="support_contracts",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("顧客（個別契約）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_contracts",
        help_text=_("指定するとリセラーの契約より優先されます"),
    )
    plan = models.CharField(_("サポートの種類"), max_length=20, choices=Plan.choices)
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"), null=True, blank=True, help_text=_("この日を含む"))
    status = models.CharField(
        _("状態"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("サポート契約")
        verbose_name_plural = _("サポート契約")
        ordering = ["reseller_id", "customer_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            ),
        ]
        indexes = [
            # contract_for_customer(): the active contract of a customer / reseller on a date.
            models.Index(fields=["customer", "status", "starts_on"], name="contract_lookup"),
        ]

    def __str__(self) -> str:
        scope = self.customer.name if self.customer is not None else self.reseller.name
        return f"{scope}: {self.get_plan_display()} ({self.starts_on}〜{self.ends_on or ''})"
