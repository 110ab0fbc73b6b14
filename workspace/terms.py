"""What the terms say, put where the agent decides: Microsoft's severity definitions (Art. 3.3)
and the scope of support per product (Art. 3.1), worded as in DOMAIN.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contracts.models import Product
from sla.models import Severity
from tickets.eligibility import categories_in_scope
from tickets.models import Category

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class SeverityDefinition:
    value: str
    label: Promise
    meaning: Promise
    examples: tuple[Promise, ...]


SEVERITY_DEFINITIONS: tuple[SeverityDefinition, ...] = (
    SeverityDefinition(
        Severity.CRITICAL,
        Severity.CRITICAL.label,
        _(
            "1つ以上のサービスにアクセスできない、または使用できない。本番環境・業務・納期・"
            "収益に重大な影響があり、大多数のユーザーまたはサービスが影響を受けている。"
        ),
        (
            _("大多数のユーザーでメールの送受信ができない"),
            _("SharePoint サイトにまったくアクセスできない"),
            _("大多数のユーザーが Teams でメッセージ・会議参加・通話ができない"),
        ),
    ),
    SeverityDefinition(
        Severity.HIGH,
        Severity.HIGH.label,
        _(
            "サービスは使用できるが一部が機能しない。業務への影響は重大ではなく営業時間内の対応で"
            "よい。一部のユーザー・顧客・サービスが部分的に影響を受けている。"
        ),
        (
            _("Outlook on the web でフォルダーが正しく表示されない"),
            _("管理センターで設定に失敗するが PowerShell では設定できる"),
        ),
    ),
    SeverityDefinition(
        Severity.NON_CRITICAL,
        Severity.NON_CRITICAL.label,
        _(
            "業務への影響は軽微。重要ではあるがサービスや生産性への大きな影響はない。"
            "個々のユーザーが部分的に影響を受けており、回避策がある。"
        ),
        (
            _("パスワードを無期限にする方法"),
            _("あるユーザーの予定表が Teams に表示されない"),
        ),
    ),
)

# Art. 3.1 ※: never in scope, whatever the product.
ALWAYS_OUT_OF_SCOPE: tuple[StrOrPromise, ...] = (
    _("お客様の端末にインストールされたクライアントアプリの動作上の問題"),
    _("Excel・Word などアプリの操作方法"),
    _("Windows 10 などの OS"),
)

_SCOPE_NOTES: dict[str, Promise] = {
    Product.SupportScope.FULL: _("標準の範囲でサポートします。"),
    Product.SupportScope.PRODUCT_KEY_ONLY: _(
        "永続ライセンス / Software in CSP（Windows ESU 含む）: 管理センターでのプロダクトキー"
        "取得までがサポート範囲です。"
    ),
    Product.SupportScope.USER_AND_LICENCE_ONLY: _(
        "サポート時間表記付きの製品: 当社がアクセスできる環境でのユーザー作成とライセンス"
        "割り当てのみがサポート範囲です。"
    ),
    Product.SupportScope.NONE: _("この製品には無償サポートが付いていません。"),
}

# Categories that only name what is out of scope; they never appear as "in scope".
_OUT_OF_SCOPE_CATEGORIES = frozenset(
    {Category.CLIENT_APP_BEHAVIOUR, Category.APP_USAGE, Category.OPERATING_SYSTEM}
)


@dataclass(frozen=True)
class ProductScope:
    note: Promise
    in_scope: list[StrOrPromise]
    out_of_scope: list[StrOrPromise]


def product_scope(product: Product) -> ProductScope:
    """In and out of scope for this product: the categories it admits, the ones it does not,
    and the terms' general exclusions."""
    admitted = categories_in_scope(product)
    scope = product.support_scope if product.support_included else Product.SupportScope.NONE
    in_scope: list[StrOrPromise] = [
        Category(value).label for value in Category.values if value in admitted
    ]
    out_of_scope: list[StrOrPromise] = [
        Category(value).label
        for value in Category.values
        if value not in admitted and value not in _OUT_OF_SCOPE_CATEGORIES
    ]
    out_of_scope += list(ALWAYS_OUT_OF_SCOPE)
    return ProductScope(_SCOPE_NOTES[scope], in_scope, out_of_scope)
