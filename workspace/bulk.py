"""Bulk actions of the queue, for supervisors: take, assign, change status, close. Each
ticket goes through the same service as on its own page, in its own transaction, so each
records its own events and history; one refused (a transition the workflow does not allow)
leaves the others done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from helpdesk.exceptions import DomainError
from tickets import services as ticket_services
from tickets.models import Status
from tickets.selectors import tickets_visible_to
from workspace import selectors
from workspace.forms import BulkForm
from workspace.views import workspace_required

MAX_TICKETS = 200


def can_bulk(user) -> bool:
    return permissions.may_supervise(user)


def _apply(action: str, ticket, *, actor, assignee) -> None:
    if action == "take":
        ticket_services.ticket_assign(ticket=ticket, assignee=actor, actor=actor)
    elif action == "assign":
        ticket_services.ticket_assign(ticket=ticket, assignee=assignee, actor=actor)
    else:
        ticket_services.ticket_transition(ticket=ticket, to=Status(action), actor=actor)


@workspace_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    if not can_bulk(request.user):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    agents = list(selectors.agents_all())
    form = BulkForm(request.POST, agents=agents)
    numbers = request.POST.getlist("numbers")[:MAX_TICKETS]
    if not form.is_valid() or not numbers:
        messages.error(request, _("操作とチケットを選んでください。"))
        return redirect(back)
    action = form.cleaned_data["action"]
    assignee = next((u for u in agents if u.pk == form.cleaned_data["assignee"]), None)
    if action == "assign" and assignee is None:
        messages.error(request, _("担当者を選んでください。"))
        return redirect(back)
    done, refused = [], []
    for ticket in tickets_visible_to(request.user).filter(number__in=numbers).order_by("id"):
        try:
            _apply(action, ticket, actor=request.user, assignee=assignee)
        except DomainError as error:
            refused.append(f"{ticket.number}: {error.message}")
        else:
            done.append(ticket.number)
    if done:
        messages.success(
            request,
            _("%(count)d 件に適用しました: %(numbers)s")
            % {"count": len(done), "numbers": ", ".join(done)},
        )
    for line in refused:
        messages.error(request, line)
    return redirect(back)
