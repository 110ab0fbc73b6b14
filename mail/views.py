"""The agents' held list: mail that opened nothing, kept for a person to look at; and the
release of a mail held because its sender was not authenticated (DOMAIN.md §12)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from helpdesk.exceptions import DomainError
from mail import parsing, selectors, services
from mail.forms import ReleaseForm
from mail.models import InboundMail

# Held mail comes from anyone about anything: the distributor's own desk reads it, not
# subcontractors (Art. 12: only what their work needs) nor reseller API users.
_HELD_LIST_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
PAGE_SIZE = 50


def _require_desk(user) -> None:
    if not user.is_superuser and not (
        set(user.groups.values_list("name", flat=True)) & _HELD_LIST_ROLES
    ):
        raise PermissionDenied


@login_required
def held_list(request: HttpRequest) -> HttpResponse:
    _require_desk(request.user)
    page = Paginator(selectors.held_mails(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mail/held_list.html", {"page": page, "mails": page.object_list})


@login_required
@require_POST
def held_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    """Try a held mail again once its sender or subscription has been put right."""
    _require_desk(request.user)
    inbound = get_object_or_404(InboundMail, pk=pk, status=InboundMail.Status.HELD)
    try:
        inbound = services.inbound_reprocess(inbound=inbound, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("mail:held_list")
    ticket = inbound.ticket
    if inbound.status == InboundMail.Status.HELD or ticket is None:
        messages.warning(
            request,
            _("まだチケットにできません（理由: %(reason)s）。") % {"reason": inbound.reason},
        )
        return redirect("mail:held_list")
    messages.success(
        request, _("メールを %(number)s に取り込みました。") % {"number": ticket.number}
    )
    return redirect("workspace:ticket", number=ticket.number)


@login_required
def held_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release a mail held as sender_unauthenticated, once the agent has called the sender
    back at the registered number and heard that they sent it. The agent, the method and the
    reason are recorded; the mail then opens or joins a ticket as if authenticated."""
    _require_desk(request.user)
    inbound = get_object_or_404(
        InboundMail.objects.defer("raw"),
        pk=pk,
        status=InboundMail.Status.HELD,
        reason=services.SENDER_UNAUTHENTICATED,
    )
    form = ReleaseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                inbound = services.inbound_release(
                    inbound=inbound,
                    actor=request.user,
                    method=form.cleaned_data["method"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return _after_release(request, inbound)
        status = 400
    raw = InboundMail.objects.values_list("raw", flat=True).get(pk=inbound.pk)
    try:
        text = parsing.parse(bytes(raw)).text
    except Exception:  # the agent still sees the mail's headers
        text = ""
    context = {
        "mail": inbound,
        "text": text[:5000],
        "contacts": selectors.contacts_by_email(address=inbound.from_address),
        "form": form,
    }
    return render(request, "mail/held_release.html", context, status=status)


def _after_release(request: HttpRequest, inbound: InboundMail) -> HttpResponse:
    ticket = inbound.ticket
    if inbound.status == InboundMail.Status.HELD or ticket is None:
        messages.warning(
            request,
            _("送信者を確認済みにしましたが、まだチケットにできません（理由: %(reason)s）。")
            % {"reason": inbound.reason},
        )
        return redirect("mail:held_list")
    messages.success(
        request, _("メールを %(number)s に取り込みました。") % {"number": ticket.number}
    )
    return redirect("workspace:ticket", number=ticket.number)
