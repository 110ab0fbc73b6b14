"""The agents' held list: mail that opened nothing, kept for a person to look at."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.roles import Role
from mail import selectors

# Held mail comes from anyone about anything: the distributor's own desk reads it, not
# subcontractors (Art. 12: only what their work needs) nor reseller API users.
_HELD_LIST_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
PAGE_SIZE = 50


@login_required
def held_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_superuser and not (
        set(user.groups.values_list("name", flat=True)) & _HELD_LIST_ROLES
    ):
        raise PermissionDenied
    page = Paginator(selectors.held_mails(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mail/held_list.html", {"page": page, "mails": page.object_list})
