"""Whether a global admin's address is known to be theirs (DOMAIN.md §12), as plain functions.

A contact flagged global admin may ask for support (Art. 3.2) only when its address is in one
of its tenant's domains (the customer's primary domain and its further verified domains; for
a person of the reseller itself, those of the reseller's own tenant), or when a desk user
verified it (who, when, how: `Contact.global_admin_verified_*`). Anyone may type a flag into
a form; only the tenant's domains or a call-back say the person is who the flag says."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class GlobalAdminVerification(models.TextChoices):
    DOMAIN = "domain", _("テナントのドメインで確認済み")
    DESK = "desk", _("デスクが確認済み")
    UNVERIFIED = "unverified", _("未確認（問い合わせ不可）")


# A DNS host name as Microsoft 365 accepts a custom domain: labels of letters, digits and
# hyphens, at least one dot, no trailing dot.
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain_normalise(value: str) -> str | None:
    """A domain as stored (lower case, no surrounding dots or spaces), or None if it is not
    one. Internationalised domains are stored in their ASCII (punycode) form."""
    text = value.strip().strip(".").lower()
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return text if _DOMAIN_RE.match(text) else None


def email_domain(email: str) -> str:
    """The domain of an address, lower case ('' for something that is not an address)."""
    local, at, domain = email.strip().rpartition("@")
    if not (local and at):
        return ""
    return domain_normalise(domain) or ""


def tenant_domains(*, primary_domain: str, domains: Iterable[str]) -> list[str]:
    """A tenant's domains: the primary one first, then the further verified ones."""
    found = [domain_normalise(primary_domain), *(domain_normalise(str(d)) for d in domains)]
    return list(dict.fromkeys(d for d in found if d))


def address_in_domains(*, email: str, domains: Iterable[str]) -> bool:
    """True when the address's domain is exactly one of `domains` (a subdomain is a domain
    of its own in Microsoft 365 and must be listed itself)."""
    domain = email_domain(email)
    return bool(domain) and domain in {d.lower() for d in domains}


def global_admin_verification(
    *,
    email: str,
    is_global_admin: bool,
    verified_at: object | None,
    domains: Iterable[str],
) -> str | None:
    """How a contact's global-admin flag is backed: by the tenant's domain, by a desk user, or
    not at all; None for a contact that is not flagged global admin."""
    if not is_global_admin:
        return None
    if address_in_domains(email=email, domains=domains):
        return GlobalAdminVerification.DOMAIN
    if verified_at is not None:
        return GlobalAdminVerification.DESK
    return GlobalAdminVerification.UNVERIFIED
