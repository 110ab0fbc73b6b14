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
        reason: str = EndReason.CANCELLED
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


# --- delegated access (Art. 4.1), from GDAP relationships --------------------------------------

# Graph statuses under which the relationship's roles work in the customer's tenant.
IN_FORCE_STATUSES = frozenset({"active", "expiring", "terminationrequested"})
TERMINATED_STATUSES = frozenset({"terminated", "terminating"})


@dataclass(frozen=True)
class RelationshipFacts:
    """What the rule needs of a relationship (the model and Graph's result both give it)."""

    status: str
    end_at: datetime.datetime | None
    auto_extend_days: int
    role_ids: tuple[str, ...]
    display_name: str


@dataclass(frozen=True)
class AccessState:
    access: str  # contracts.models.DelegatedAccess value
    reason: str  # in_force, roles_missing, terminated, expired, no_relationship
    roles: tuple[str, ...]
    ends_at: datetime.datetime | None
    holders: tuple[str, ...]


def in_force(relationship: RelationshipFacts, *, now: datetime.datetime) -> bool:
    return relationship.status.lower() in IN_FORCE_STATUSES and (
        relationship.end_at is None or relationship.end_at > now
    )


def delegated_access_state(
    relationships: list[RelationshipFacts],
    *,
    required_roles: frozenset[str],
    now: datetime.datetime,
) -> AccessState:
    """Art. 4.1: access is in force when relationships in force together hold every role the
    desk needs; otherwise it was revoked (a relationship terminated) or has lapsed."""
    live = [r for r in relationships if in_force(r, now=now)]
    roles = tuple(sorted({role for r in live for role in r.role_ids}))
    ends = [r.end_at for r in live if r.end_at is not None]
    ends_at = max(ends) if ends else None
    holders = tuple(sorted({r.display_name for r in live if r.display_name}))
    if live and required_roles <= set(roles):
        return AccessState("active", "in_force", roles, ends_at, holders)
    if live:
        return AccessState("lapsed", "roles_missing", roles, ends_at, holders)
    if any(r.status.lower() in TERMINATED_STATUSES for r in relationships):
        return AccessState("revoked", "terminated", (), None, ())
    if relationships:
        return AccessState("lapsed", "expired", (), None, ())
    return AccessState("lapsed", "no_relationship", (), None, ())


def warning_thresholds_due(
    relationship: RelationshipFacts, *, thresholds: list[int], now: datetime.datetime
) -> list[int]:
    """The warning thresholds (days before the end) this relationship has reached, when it
    will end without auto-extend; nearest first."""
    if (
        not in_force(relationship, now=now)
        or relationship.auto_extend_days > 0
        or relationship.end_at is None
    ):
        return []
    left = relationship.end_at - now
    return sorted(t for t in set(thresholds) if left <= datetime.timedelta(days=t))
