"""Reply templates in the workspace: supervisors edit the shared ones; every agent keeps
personal ones."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import permissions
from replies import services
from replies.forms import ReplyTemplateForm
from replies.models import ReplyTemplate
from workspace.views import workspace_required


def _is_supervisor(user) -> bool:
    return permissions.may_supervise(user)


@workspace_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = ReplyTemplate.objects.filter(
        Q(owner__isnull=True) | Q(owner=request.user)
    ).select_related("owner")
    return render(
        request,
        "replies/template_list.html",
        {"templates": templates, "can_edit_shared": _is_supervisor(request.user)},
    )


@workspace_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = (
        get_object_or_404(ReplyTemplate, Q(owner__isnull=True) | Q(owner=request.user), pk=pk)
        if pk
        else ReplyTemplate()
    )
    supervisor = _is_supervisor(request.user)
    if pk and template.owner_id is None and not supervisor:
        raise PermissionDenied
    form = ReplyTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        shared = (
            supervisor and request.POST.get("shared") == "1" if not pk else not template.owner_id
        )
        services.template_save(template=form.instance, actor=request.user, shared=shared)
        messages.success(request, _("定型文を保存しました。"))
        return redirect("replies:list")
    history = template.history.select_related("history_user")[:20] if pk else []
    return render(
        request,
        "replies/template_form.html",
        {
            "form": form,
            "template": template,
            "history": history,
            "can_share": supervisor and not pk,
        },
        status=400 if request.method == "POST" else 200,
    )
