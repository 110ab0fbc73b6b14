"""Pure rules of the Microsoft integration: how Microsoft's facts become the terms' facts.
No ORM and no clock: instants come in as arguments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from contracts.models import Product, Subscription

Status = Subscription.Status
EndReason = Subscription.EndReason

# Partner Center subscription status → ours (Art. 5.1: service from availability; Art. 7:
# it ends). Microsoft's "suspended", "deleted" and "expired" all end the service for us.
_ENDED = frozenset({"suspended", "deleted", "expired", "disabled", "cancelled"})
_PENDING = frozenset({"none", "pending", ""})

# Partner Center suspension reasons → the Art. 7 reason; anything else is a cancellation
# (7.1.1), which is what the reseller's or customer's own action and an unrenewed term are.
_END_REASONS: dict[str, str] = {
    "fraud": EndReason.SERIOUS_BREACH,
    "creditcheck": EndReason.UNPAID,
    "credit": EndReason.UNPAID,
    "nonpayment": EndReason.UNPAID,
    "paymentissue": EndReason.UNPAID,
    "billingissue": EndReason.UNPAID,
    "licenseviolation": EndReason.LICENCE_VIOLATION,
    "licenceviolation": EndReason.LICENCE_VIOLATION,
}


@dataclass(frozen=True)
class SubscriptionTarget:
    status: str
    available_at: datetime.datetime | None
    end_reason: str


def subscription_target(
    *,
    microsoft_status: str,
    suspension_reasons: tuple[str, ...],
    effective_start: datetime.datetime | None,
    created: datetime.datetime | None,
) -> SubscriptionTarget:
    """What our subscription should say, from what Partner Center says."""
    status = microsoft_status.lower()
    available_at = effective_start or created
    if status in _ENDED:
        reason = EndReason.CANCELLED
        for raw in suspension_reasons:
            mapped = _END_REASONS.get(raw.replace("_", "").replace(" ", "").lower())
            if mapped is not None:
                reason = mapped
                break
        return SubscriptionTarget(Status.ENDED, available_at, reason)
    if status in _PENDING or available_at is None:
        return SubscriptionTarget(Status.PENDING, None, "")
    return SubscriptionTarget(Status.ACTIVE, available_at, "")


def product_family_guess(offer_name: str) -> str:
    """A family for a product first seen in Partner Center, from its name. Only a guess for
    the admin's list: a new product carries no support until an admin classifies it."""
    name = offer_name.lower()
    if name.startswith("dynamics 365"):
        return Product.Family.DYNAMICS_365
    if name.startswith("office 365"):
        return Product.Family.OFFICE_365
    if name.startswith("microsoft 365"):
        return Product.Family.MICROSOFT_365
    return Product.Family.OTHER
