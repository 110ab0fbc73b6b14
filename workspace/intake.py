"""Phone intake, before and after the agent submits: what the terms say about this customer
(its contract's plan, the reception rule of each severity, each product's scope), finding the
caller by the number they call from, and recording a call the terms refuse (Art. 3.5)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from contracts.models import Contact, Customer, Plan, Subscription
from contracts.phones import phone_digits
from contracts.selectors import (
    contact_global_admin_verification,
    contacts_with_phone,
    contract_for,
)
from contracts.verification import GlobalAdminVerification
from sla import selectors as sla_selectors
from sla.deadlines import Reception, TargetKind, UnknownRule
from sla.models import Severity
from tickets import exceptions as ticket_errors
from tickets.eligibility import categories_in_scope
from tickets.models import Category, RefusalReason
from workspace import terms
from workspace.models import RefusedCall

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- the contract and its reception rules -------------------------------------------------------


@dataclass(frozen=True)
class ReceptionRule:
    severity: str
    severity_label: StrOrPromise
    reception: StrOrPromise
    first_response: str


def _target_text(kind: TargetKind, value: int | None) -> str:
    if kind is TargetKind.NONE or value is None:
        return str(_("確約なし"))
    if kind is TargetKind.WALL_MINUTES:
        return str(_("%(minutes)d 分以内（実時間）") % {"minutes": value})
    if kind is TargetKind.BUSINESS_MINUTES:
        return str(_("営業時間で %(minutes)d 分以内") % {"minutes": value})
    if value == 1:
        return str(_("翌営業日の終業時刻まで"))
    return str(_("%(days)d 営業日後の終業時刻まで") % {"days": value})


def reception_rules(*, plan: str, on: datetime.date) -> list[ReceptionRule]:
    """Art. 3.3 for `plan` under the policy in force on `on`: when each severity is received
    and how soon it is first answered."""
    _policy_id, policy = sla_selectors.policy_in_force(on=on)
    rules = []
    for severity in Severity:
        try:
            rule = policy.rule(plan, severity.value)
        except UnknownRule:
            continue
        reception = (
            _("24時間年中無休で受付")
            if rule.reception is Reception.ALWAYS
            else _("営業時間内に受付（時間外は翌営業日の受付）")
        )
        rules.append(
            ReceptionRule(
                severity.value,
                severity.label,
                reception,
                _target_text(rule.target_kind, rule.target_value),
            )
        )
    return rules


@dataclass(frozen=True)
class SubscriptionTerms:
    subscription: Subscription
    active: bool
    scope: terms.ProductScope
    admitted: frozenset[str]


@dataclass(frozen=True)
class IntakeTerms:
    """What the agent reads beside the form, before submitting."""

    plan: str
    plan_label: StrOrPromise
    rules: list[ReceptionRule]
    subscriptions: list[SubscriptionTerms]


def intake_terms(
    *, customer: Customer, subscriptions: list[Subscription], now: datetime.datetime
) -> IntakeTerms:
    day = timezone.localtime(now).date()
    contract = contract_for(customer=customer, on=day)
    plan = contract.plan if contract is not None else ""
    return IntakeTerms(
        plan=plan,
        plan_label=Plan(plan).label if plan else "",
        rules=reception_rules(plan=plan, on=day) if plan else [],
        subscriptions=[
            SubscriptionTerms(
                subscription,
                subscription.status == Subscription.Status.ACTIVE,
                terms.product_scope(subscription.product),
                categories_in_scope(subscription.product),
            )
            for subscription in subscriptions
        ],
    )


# --- who is calling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallerMatch:
    """A contact whose registered number is the one calling, and the customer to open the
    intake for. The number is shown masked: the match says who it is, not what is on file."""

    contact: Contact
    customer: Customer
    phone_masked: str
    global_admin: bool
    verified: bool


def callers_by_phone(*, user, number: str, limit: int = 20) -> list[CallerMatch]:
    """Contacts registered with exactly this number (not a fragment: a masked number is not
    searchable digit by digit), among the customers `user` may see. A person of a reseller
    matches for each of the reseller's customers."""
    if not permissions.may_browse_customers(user):
        return []
    candidates = list(
        contacts_with_phone(number=number)
        .filter(is_active=True)
        .select_related("customer__reseller", "reseller")
        .order_by("name", "id")[:500]
    )
    customers = Customer.objects.select_related("reseller")
    scope = permissions.customer_scope(user)
    if scope is not None:
        customers = customers.filter(scope)
    matches: list[CallerMatch] = []
    for contact in candidates:
        verification = contact_global_admin_verification(contact=contact)
        owned: list[Customer]
        if contact.customer is not None:
            owned = [contact.customer] if customers.filter(pk=contact.customer.pk).exists() else []
        else:
            owned = list(
                customers.filter(Q(reseller_id=contact.reseller_id)).order_by("name")[:limit]
            )
        for customer in owned:
            matches.append(
                CallerMatch(
                    contact,
                    customer,
                    permissions.mask_phone(contact.phone),
                    contact.is_global_admin,
                    verification != GlobalAdminVerification.UNVERIFIED,
                )
            )
    return matches[:limit]


# --- a refused call -----------------------------------------------------------------------------

# The intake rule that refused the call → the Art. 3.5 reason recorded.
_REASON_BY_CODE: dict[str, str] = {
    ticket_errors.RequesterNotGlobalAdmin.code: RefusalReason.NOT_GLOBAL_ADMIN,
    ticket_errors.RequesterNotVerified.code: RefusalReason.NOT_GLOBAL_ADMIN,
    ticket_errors.OutOfScope.code: RefusalReason.OUT_OF_SCOPE,
    ticket_errors.ProductNotSupported.code: RefusalReason.OUT_OF_SCOPE,
}
_REASON_BY_CATEGORY: dict[str, str] = {
    Category.CLIENT_APP_BEHAVIOUR: RefusalReason.CLIENT_APP_BEHAVIOUR,
    Category.APP_USAGE: RefusalReason.APP_USAGE,
    Category.OPERATING_SYSTEM: RefusalReason.OPERATING_SYSTEM,
}
REFUSAL_CODES = frozenset(
    {
        ticket_errors.RequesterNotGlobalAdmin.code,
        ticket_errors.RequesterNotVerified.code,
        ticket_errors.OutOfScope.code,
        ticket_errors.ProductNotSupported.code,
        ticket_errors.SubscriptionNotActive.code,
        ticket_errors.NoActiveContract.code,
    }
)


def refusal_reason_for(*, code: str, category: str = "") -> str:
    """The Art. 3.5 reason that fits the rule that refused the call (and its category)."""
    if code == ticket_errors.OutOfScope.code and category in _REASON_BY_CATEGORY:
        return _REASON_BY_CATEGORY[category]
    return _REASON_BY_CODE.get(code, RefusalReason.OTHER)


_GUIDANCE: dict[str, Promise] = {
    RefusalReason.NOT_GLOBAL_ADMIN: _(
        "お問い合わせは、お客様の Microsoft 365 全体管理者の方からお受けしています（約款 第3条"
        "3.2）。全体管理者の方から改めてご連絡いただくようお伝えください。"
    ),
    RefusalReason.OUT_OF_SCOPE: _(
        "このお問い合わせは、ご契約の製品のサポート範囲外です（約款 第3条3.1・3.5）。"
        "ご購入先のリセラーにご相談いただくようお伝えください。"
    ),
    RefusalReason.CLIENT_APP_BEHAVIOUR: _(
        "お客様の端末上のクライアントアプリの動作はサポート対象外です（約款 第3条3.1）。"
        "端末の管理者またはご購入先のリセラーにご相談いただくようお伝えください。"
    ),
    RefusalReason.APP_USAGE: _(
        "アプリの操作方法はサポート対象外です（約款 第3条3.1）。Microsoft の公開ヘルプ"
        "（support.microsoft.com）をご案内してください。"
    ),
    RefusalReason.OPERATING_SYSTEM: _(
        "Windows などの OS はサポート対象外です（約款 第3条3.1）。端末の購入先または"
        "Microsoft のサポートをご案内してください。"
    ),
    RefusalReason.NO_COOPERATION: _(
        "調査へのご協力が得られないため、お受けできません（約款 第3条3.4・3.5）。"
    ),
    RefusalReason.OTHER: _(
        "この内容ではお受けできません（約款 第3条3.5）。ご契約の状況をご購入先のリセラーに"
        "ご確認いただくようお伝えください。"
    ),
}
_GUIDANCE_BY_CODE: dict[str, Promise] = {
    ticket_errors.RequesterNotVerified.code: _(
        "全体管理者としてのご本人確認が済んでいません（約款 第3条3.2）。登録済みの電話番号へ"
        "折り返してご本人確認をしてから承る旨をお伝えし、折り返してください。"
    ),
    ticket_errors.SubscriptionNotActive.code: _(
        "このサブスクリプションは利用中ではありません（約款 第5条・第7条）。ご契約の状況を"
        "ご購入先のリセラーにご確認いただくようお伝えください。"
    ),
    ticket_errors.NoActiveContract.code: _(
        "お客様に適用されるサポート契約がありません。ご購入先のリセラーにご確認いただくよう"
        "お伝えください。"
    ),
}


def caller_guidance(*, reason: str, code: str = "") -> str:
    """What to tell the caller next, in the words of the terms."""
    text = _GUIDANCE_BY_CODE.get(code) or _GUIDANCE.get(reason, _GUIDANCE[RefusalReason.OTHER])
    return str(text)


def refusal_message(code: str) -> StrOrPromise:
    """The refusing rule's own message (it cites its article), "" when there is none."""
    for error in (
        ticket_errors.RequesterNotGlobalAdmin,
        ticket_errors.RequesterNotVerified,
        ticket_errors.OutOfScope,
        ticket_errors.ProductNotSupported,
        ticket_errors.SubscriptionNotActive,
        ticket_errors.NoActiveContract,
    ):
        if error.code == code:
            return error().message
    return ""


@transaction.atomic
def refused_call_record(
    *,
    customer: Customer,
    caller_name: str,
    reason: str,
    summary: str,
    actor,
    contact: Contact | None = None,
    caller_phone: str = "",
    subscription: Subscription | None = None,
    category: str = "",
    code: str = "",
    now: datetime.datetime | None = None,
) -> RefusedCall:
    """Keep a call the terms refused (Art. 3.5): no ticket, no clock, but on record."""
    if reason not in RefusalReason.values:
        raise ticket_errors.ReasonRequired(fields={"reason": [ticket_errors.ReasonRequired.code]})
    if contact is not None and contact.customer_id not in (None, customer.pk):
        contact = None
    if subscription is not None and subscription.customer_id != customer.pk:
        subscription = None
    return RefusedCall.objects.create(
        customer=customer,
        contact=contact,
        caller_name=caller_name.strip() or (contact.name if contact else ""),
        caller_phone=caller_phone.strip(),
        subscription=subscription,
        category=category if category in Category.values else "",
        reason=reason,
        code=code if code in REFUSAL_CODES else "",
        summary=summary.strip(),
        recorded_by=actor,
        recorded_at=now or timezone.now(),
    )


class NumberCheck(StrEnum):
    """The caller's number against the registered number of the contact chosen at intake."""

    MATCHES = "matches"
    DIFFERS = "differs"
    NOTHING_TO_COMPARE = "nothing_to_compare"


def refused_call_number_check(*, call: RefusedCall) -> NumberCheck | None:
    """Whether the number the call came from is the one registered for the contact the agent
    chose (None: no contact chosen). A match says whose number it is, not who is calling
    (DOMAIN.md §12, Art. 3.2)."""
    if call.contact is None:
        return None
    if not call.caller_phone or not call.contact.phone:
        return NumberCheck.NOTHING_TO_COMPARE
    if phone_digits(call.caller_phone) == phone_digits(call.contact.phone):
        return NumberCheck.MATCHES
    return NumberCheck.DIFFERS


def refused_call_number_owners(*, call: RefusedCall) -> list[Contact]:
    """Other registered contacts of the caller's customer (or its reseller) whose number is the
    one the call came from: what the number says, which is not who called (DOMAIN.md §12)."""
    if not call.caller_phone:
        return []
    owners = contacts_with_phone(number=call.caller_phone).filter(
        Q(customer_id=call.customer_id) | Q(reseller_id=call.customer.reseller_id),
        is_active=True,
    )
    if call.contact_id is not None:
        owners = owners.exclude(pk=call.contact_id)
    return list(owners.order_by("name", "id")[:5])


def refused_calls_recent(*, customer: Customer, limit: int = 5) -> list[RefusedCall]:
    return list(
        RefusedCall.objects.filter(customer=customer)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )
