"""JSON the workspace's static scripts poll: presence on a ticket and on a queue's rows, and the
nav bell's unread count riding on those polls (or alone, on a page with neither).
Read and written only through the ticket rules of `tickets.selectors.tickets_visible_to`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tickets.selectors import tickets_visible_to
from workspace import collision, presence, selectors
from workspace.views import queue_context, workspace_required

MAX_NUMBERS = 100


def _bell(request: HttpRequest) -> str:
    """The nav bell as the page's header renders it: the unread count, in the user's language."""
    return render_to_string(
        "workspace/_notifications_link.html", selectors.notifications_bell(user=request.user)
    )


def _viewers_json(viewers: list[presence.Viewer]) -> list[dict]:
    return [{"user": viewer.username, "typing": viewer.typing} for viewer in viewers]


@workspace_required
@require_POST
def ticket_presence(request: HttpRequest, number: str) -> JsonResponse:
    """Report that the caller has the ticket open (`typing=1` while writing a reply, `leave=1`
    when the page closes); answer with the others there and the ticket's current version."""
    ticket = selectors.ticket_for_user(user=request.user, number=number)
    now = timezone.now()
    if request.POST.get("leave") == "1":
        presence.presence_leave(ticket_id=ticket.pk, user=request.user, now=now)
    else:
        presence.presence_report(
            ticket_id=ticket.pk,
            user=request.user,
            typing=request.POST.get("typing") == "1",
            now=now,
        )
    others = presence.viewers(ticket_ids=[ticket.pk], now=now, exclude_user_id=request.user.pk)
    return JsonResponse(
        {
            "others": _viewers_json(others.get(ticket.pk, [])),
            "version": collision.ticket_version_current(ticket=ticket),
            "bell": _bell(request),
        }
    )


@workspace_required
@require_GET
def queue_presence(request: HttpRequest) -> JsonResponse:
    """number → who else has it open, for the rows of a queue page (`?numbers=A,B,…`)."""
    numbers = [n for n in request.GET.get("numbers", "").split(",") if n][:MAX_NUMBERS]
    ids = dict(
        tickets_visible_to(request.user).filter(number__in=numbers).values_list("pk", "number")
    )
    others = presence.viewers(
        ticket_ids=list(ids), now=timezone.now(), exclude_user_id=request.user.pk
    )
    return JsonResponse(
        {"tickets": {ids[ticket_id]: _viewers_json(v) for ticket_id, v in others.items()}}
    )


@workspace_required
@require_GET
def queue_live(request: HttpRequest) -> JsonResponse:
    """The rows of a queue page as they are now (same query string as the page), with the
    queues' counts: the page's script swaps them in, so new tickets and changed states appear
    without reloading. The same queries as the page itself (no query per row)."""
    context = queue_context(request, now=timezone.now())
    return JsonResponse(
        {
            "rows": render_to_string("workspace/_queue_rows.html", context, request=request),
            "count": render_to_string(
                "workspace/_queue_count.html", context, request=request
            ).strip(),
            "counts": {queue.slug: queue.count for queue in context["queues"]},
            "bell": _bell(request),
        }
    )


@login_required
@require_GET
def notifications_bell(request: HttpRequest) -> JsonResponse:
    """The nav bell alone, for a page that polls nothing else (the notifications list, the
    dashboard, …): the ticket and queue pages get it with their own polls."""
    return JsonResponse({"bell": _bell(request)})
