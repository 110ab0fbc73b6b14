"""The Partner Center webhook endpoint: verify, record, enqueue; answer at once."""

from __future__ import annotations

import json
import logging

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.permissions import access_of
from helpdesk.api import error_body
from helpdesk.exceptions import DomainError
from microsoft import incidents, selectors
from microsoft.events import EventMalformed, event_receive
from microsoft.signature import SignatureRejected, event_signature_verify
from tickets.clocks import first_response_state
from workspace import selectors as workspace_selectors
from workspace.views import workspace_required

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 64 * 1024


@csrf_exempt  # Microsoft signs the event; there is no session to protect.
@require_POST
def partner_center_events(request: HttpRequest) -> JsonResponse:
    if int(request.headers.get("Content-Length") or 0) > MAX_EVENT_BYTES:
        return JsonResponse(
            error_body(
                "too_large",
                message_ja="イベントが大きすぎます。",
                message_en="The event is too large.",
                fields={"body": ["too_large"]},
            ),
            status=413,
        )
    body = request.body
    try:
        event_signature_verify(body=body, headers=request.headers)
    except SignatureRejected as rejected:
        logger.warning("Partner Center event refused: %s", rejected.reason)
        return JsonResponse(
            error_body(
                "webhook_signature_invalid",
                message_ja="イベントの署名を検証できません。",
                message_en="The event's signature could not be verified.",
                fields={"authorization": [rejected.reason]},
            ),
            status=401,
        )
    try:
        payload = json.loads(body)
        event = event_receive(payload=payload)
    except (ValueError, EventMalformed) as error:
        field = str(error) if isinstance(error, EventMalformed) else "body"
        return JsonResponse(error_body("malformed_json", fields={field: ["invalid"]}), status=400)
    return JsonResponse({"received": True, "duplicate": event is None})


# --- incidents in the workspace ------------------------------------------------------------------


class IncidentUpdateForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("すべての関連チケットの依頼者へ回答"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "関連付けた未完了のチケットそれぞれに、通常の回答として送信されます。"
        ),
    )


class IncidentLinkForm(forms.Form):
    ticket = forms.CharField(max_length=20)


def _affected_customers(request: HttpRequest, incident, tickets) -> list:
    """A subcontractor (Art. 12) sees only the customers of the tickets it works."""
    customers = [t.customer for t in incident.tenants.select_related("customer")]
    if access_of(request.user).is_subcontractor:
        mine = {ticket.customer_id for ticket in tickets}
        customers = [customer for customer in customers if customer.pk in mine]
    return customers


def _incident_page(request: HttpRequest, incident, *, form=None, status: int = 200):
    now = timezone.now()
    tickets = list(
        selectors.incident_tickets_visible(incident=incident, user=request.user).select_related(
            "customer", "reseller", "requester"
        )
    )
    rows = [(ticket, first_response_state(ticket=ticket, now=now)) for ticket in tickets]
    return render(
        request,
        "microsoft/incident_detail.html",
        {
            "incident": incident,
            "rows": rows,
            "customers": _affected_customers(request, incident, tickets),
            "updates": incident.updates.select_related("author")[:20],
            "form": form or IncidentUpdateForm(),
            "open_count": sum(1 for t in tickets if t.is_open),
            "now": now,
        },
        status=status,
    )


@workspace_required
def incident_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "microsoft/incident_list.html",
        {"incidents": selectors.incidents_listed()[:200]},
    )


@workspace_required
def incident_detail(request: HttpRequest, issue_id: str) -> HttpResponse:
    return _incident_page(request, selectors.incident_for(issue_id=issue_id))


@workspace_required
@require_POST
def incident_update(request: HttpRequest, issue_id: str) -> HttpResponse:
    incident = selectors.incident_for(issue_id=issue_id)
    form = IncidentUpdateForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, form=form, status=400)
    tickets = selectors.incident_tickets_visible(incident=incident, user=request.user)
    update = incidents.incident_post_update(
        incident=incident, tickets=list(tickets), body=form.cleaned_data["body"], actor=request.user
    )
    messages.success(
        request,
        _("%(count)s 件のチケットの依頼者に回答しました。") % {"count": update.tickets_answered},
    )
    return redirect("incidents:detail", issue_id=incident.issue_id)


@workspace_required
@require_POST
def incident_resolve(request: HttpRequest, issue_id: str) -> HttpResponse:
    incident = selectors.incident_for(issue_id=issue_id)
    tickets = selectors.incident_tickets_visible(incident=incident, user=request.user)
    try:
        count = incidents.incident_resolve_tickets(
            incident=incident, tickets=list(tickets), actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _incident_page(request, incident, status=error.status_code)
    messages.success(request, _("%(count)s 件のチケットを解決済みにしました。") % {"count": count})
    return redirect("incidents:detail", issue_id=incident.issue_id)


@workspace_required
@require_POST
def incident_link(request: HttpRequest, issue_id: str) -> HttpResponse:
    incident = selectors.incident_for(issue_id=issue_id)
    form = IncidentLinkForm(request.POST)
    if not form.is_valid():
        raise Http404
    ticket = workspace_selectors.ticket_for_user(
        user=request.user, number=form.cleaned_data["ticket"]
    )
    try:
        if request.POST.get("unlink"):
            incidents.incident_unlink(incident=incident, ticket=ticket, actor=request.user)
            messages.success(request, _("インシデントとの関連付けを解除しました。"))
        else:
            incidents.incident_link(incident=incident, ticket=ticket, actor=request.user)
            messages.success(request, _("インシデントに関連付けました。"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("workspace:ticket", number=ticket.number)
