"""Panels of the Microsoft integration on the ticket page and the phone intake."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microsoft import selectors
from microsoft.incidents import incidents_active_for

register = template.Library()

ACCESS_REASONS = {
    "in_force": _("必要なロールを持つリレーションシップが有効です。"),
    "roles_missing": _("有効なリレーションシップに、サポートに必要なロールがありません。"),
    "terminated": _("リレーションシップが終了されました（お客様による取り消しを含む）。"),
    "expired": _("リレーションシップの期限が切れています。"),
    "no_relationship": _("GDAP リレーションシップがありません。"),
}


@register.inclusion_tag("microsoft/_gdap_panel.html")
def gdap_panel(customer):
    panel = selectors.gdap_panel(customer=customer)
    return {"panel": panel, "reason_text": ACCESS_REASONS.get(panel.reason, "")}


@register.inclusion_tag("microsoft/_service_requests.html")
def service_request_panel(ticket):
    requests = list(ticket.service_requests.order_by("-created_at", "-id"))
    return {"requests": requests, "ticket": ticket}


@register.inclusion_tag("microsoft/_incident_panel.html", takes_context=True)
def incident_panel(context, ticket):
    linked, active = selectors.incident_suggestions(ticket=ticket)
    return {
        "linked": linked,
        "active": active,
        "ticket": ticket,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("microsoft/_incident_suggestions.html")
def incident_suggestions(customer):
    return {"incidents": list(incidents_active_for(customer=customer).order_by("-start_at"))}


@register.filter
def iso_jst(value: str) -> str:
    """A stored ISO 8601 instant (Microsoft's posts) shown in Japan time."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M JST")
