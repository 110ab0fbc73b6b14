"""A user's in-app notifications: the list (newest first, unread marked) and marking read.
Login required; marking read is a POST with CSRF; another user's notification is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services
from tickets.notices import title_for

PAGE_SIZE = 50


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to where the user came from when it is this site, else to the list."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for notification in page.object_list:
        # In the reader's language for the ticket notices (assigned, taken, replied, at risk).
        notification.display_title = title_for(notification)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page": page,
            "unread": selectors.notifications_unread_count(user=request.user),
            "ticket_url_name": getattr(settings, "NOTIFICATIONS_TICKET_URL", "workspace:ticket"),
        },
    )


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.notification_mark_read(user=request.user, notification_id=pk):
        raise Http404
    return _back(request)


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return _back(request)
