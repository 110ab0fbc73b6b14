"""The survey's public links: signed, so that nobody reaches a survey by guessing, and the
answer link expires (SURVEY_LINK_DAYS). The opt-out link never expires: a person may always
refuse further surveys (Art. 14.2.2)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

_ANSWER_SALT = "surveys.answer"
_OPT_OUT_SALT = "surveys.opt_out"


def link_days() -> int:
    return int(getattr(settings, "SURVEY_LINK_DAYS", 14))


def answer_signature(token: object) -> str:
    return signing.TimestampSigner(salt=_ANSWER_SALT).sign(str(token))


def answer_token(signature: str) -> str | None:
    """The survey token a signature carries, or None when forged or older than the window."""
    try:
        return signing.TimestampSigner(salt=_ANSWER_SALT).unsign(
            signature, max_age=datetime.timedelta(days=link_days())
        )
    except signing.BadSignature:
        return None


def opt_out_signature(contact_id: int) -> str:
    return signing.Signer(salt=_OPT_OUT_SALT).sign(str(contact_id))


def opt_out_contact_id(signature: str) -> int | None:
    try:
        return int(signing.Signer(salt=_OPT_OUT_SALT).unsign(signature))
    except (signing.BadSignature, ValueError):
        return None


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def answer_url(token: object) -> str:
    return absolute(reverse("surveys:answer", args=[answer_signature(token)]))


def opt_out_url(contact_id: int) -> str:
    return absolute(reverse("surveys:opt_out", args=[opt_out_signature(contact_id)]))
