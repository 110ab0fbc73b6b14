"""Template helpers of the agent workspace: JST times, SLA labels, the deadline's explanation
in the active language, and the notifications link."""

from __future__ import annotations

import datetime

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification
from sla.deadlines import SlaState

register = template.Library()

SLA_LABELS = {
    SlaState.NO_COMMITMENT: _("確約なし"),
    SlaState.RUNNING: _("期限内"),
    SlaState.AT_RISK: _("期限間近"),
    SlaState.MET: _("期限内に応答済み"),
    SlaState.BREACHED: _("期限超過"),
}


@register.filter
def jst(value: datetime.datetime | None) -> str:
    """An instant in Japan time, e.g. 2026-11-25 17:00 JST."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M JST")


@register.filter
def sla_label(state: str) -> str:
    return str(SLA_LABELS.get(state, state))


@register.filter
def explanation(steps: list[dict[str, str]] | None) -> list[str]:
    """The deadline's explanation steps in the active language (Japanese unless English)."""
    key = "en" if (get_language() or "ja").startswith("en") else "ja"
    return [step.get(key) or step.get("ja", "") for step in steps or []]


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key, 0) if mapping else 0


@register.inclusion_tag("workspace/_notifications_link.html", takes_context=True)
def notifications_link(context) -> dict:
    """A link to the user's in-app notifications with the unread count, once the
    notifications app serves its list (`notifications.urls`)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"url": None}
    for name in ("notifications:list", "notifications:notification_list", "notifications:index"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        return {"url": url, "unread": unread}
    return {"url": None}
