"""Template helpers of the agent workspace: JST times, SLA labels, the deadline's explanation
in the active language, and the notifications link."""

from __future__ import annotations

import contextlib
import datetime
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from contracts.models import VerificationMethod
from sla.deadlines import SlaState
from sla.explanations import explanation_lines
from sla.models import InternalTarget, Severity
from tickets.models import Message, Status
from workspace import selectors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

SLA_LABELS: dict[str, StrOrPromise] = {
    SlaState.NO_COMMITMENT: _("確約なし"),
    SlaState.RUNNING: _("対応期限内"),
    SlaState.AT_RISK: _("期限間近"),
    SlaState.MET: _("期限内に応答済み"),
    SlaState.BREACHED: _("期限超過"),
    SlaState.STOPPED: _("応答前に終了"),
    SlaState.PAUSED: _("一時停止中"),
}
# Internal targets (社内目標) say "目標" rather than "期限": never the terms' breach.
TARGET_LABELS: dict[str, StrOrPromise] = {
    SlaState.NO_COMMITMENT: _("目標なし"),
    SlaState.RUNNING: _("目標内"),
    SlaState.AT_RISK: _("目標間近"),
    SlaState.MET: _("目標達成"),
    SlaState.BREACHED: _("目標超過"),
    SlaState.STOPPED: _("計測終了"),
    SlaState.PAUSED: _("一時停止中"),
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
def target_label(state: str) -> str:
    return str(TARGET_LABELS.get(state, state))


@register.filter
def explanation(steps: list[dict[str, str]] | None) -> list[str]:
    """The deadline's explanation steps in the active language (Japanese unless English)."""
    return explanation_lines(steps)


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key, 0) if mapping else 0


@register.inclusion_tag("workspace/_notifications_link.html", takes_context=True)
def notifications_link(context) -> dict:
    """The nav's link to the user's notifications (`workspace.selectors.notifications_bell`)."""
    request = context.get("request")
    return selectors.notifications_bell(user=getattr(request, "user", None))


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value if value is not None else "—"))


@register.filter
def event_summary(event) -> str:
    """What a TicketEvent changed, in words: "新規 → 対応中", "高 → 重大"."""
    data = event.data or {}
    if event.kind == "status_changed":
        return (
            f"{_label(Status.choices, data.get('from'))} → {_label(Status.choices, data.get('to'))}"
        )
    if event.kind == "severity_changed":
        return (
            f"{_label(Severity.choices, data.get('from'))} → "
            f"{_label(Severity.choices, data.get('to'))}"
        )
    if event.kind == "message_added":
        return _label(Message.Kind.choices, data.get("kind"))
    # Another ticket's number only for a viewer who may see it (workspace.selectors.ticket_events
    # marks the others; unmarked, e.g. an event not from there, counts as hidden).
    hidden = getattr(event, "other_hidden", True)
    if event.kind == "merged":
        if hidden:
            return str(_("別のチケットに統合"))
        return _("%(number)s に統合") % {"number": data.get("into", "")}
    if event.kind == "merge_received":
        if hidden:
            return str(_("別のチケットを統合"))
        return _("%(number)s を統合") % {"number": data.get("from", "")}
    if event.kind in ("linked", "unlinked"):
        return str(_("別のチケット")) if hidden else str(data.get("other", ""))
    if event.kind == "mail_released":
        return _label(VerificationMethod.choices, data.get("method"))
    if event.kind.startswith("sla_") and data.get("target"):
        # The SLA timeline: which internal target, its due instant where it has one, and why
        # it moved when the product moved it.
        summary = _label(InternalTarget.Kind.choices, data.get("target"))
        due = data.get("due")
        if isinstance(due, str):
            with contextlib.suppress(ValueError):
                summary = f"{summary} → {jst(datetime.datetime.fromisoformat(due))}"
        cause = _SLA_CAUSES.get(data.get("reason", ""))
        if cause:
            return _("%(summary)s（%(cause)s）") % {"summary": summary, "cause": cause}
        return summary
    return ""


# Why the product itself moved an internal target's clock (`data["reason"]` of its events).
_SLA_CAUSES: dict[str, StrOrPromise] = {"severity_changed": _("重大度の変更による")}


@register.filter
def typed_reason(event) -> str:
    """The reason a person gave for the event (a severity change, closing the triage), shown in
    quotes; the product's own events keep a code there, said by `event_summary` instead."""
    if event.kind.startswith("sla_"):
        return ""
    return str((event.data or {}).get("reason", ""))


@register.simple_tag(takes_context=True)
def nav_access(context) -> dict[str, bool]:
    """Which links of the main menu the signed-in user may follow (accounts.permissions):
    a link that would only lead to "403" is not shown."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "workspace": permissions.may_use_workspace(user),
        "intake": permissions.may_open_tickets(user) and permissions.may_browse_customers(user),
        "dashboard": permissions.may_see_dashboard(user),
        "reports": permissions.may_read_reports(user),
    }
