"""The desk's knowledge base pages: list and search, read with history, write, and a draft
from a resolved ticket. Desk roles read; agents, supervisors, managers and admins write;
a subcontractor (Art. 12) reads only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from knowledge import selectors, services
from knowledge.forms import ArticleForm, ArticleSearchForm
from knowledge.models import Article
from tickets.models import Status
from workspace import selectors as workspace_selectors
from workspace.views import workspace_required


def _require_editor(user) -> None:
    if not permissions.may_edit_articles(user):
        raise PermissionDenied


@workspace_required
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        articles = selectors.articles_search(query=query, limit=50)
    else:
        articles = list(selectors.articles_all()[:50])
    return render(
        request,
        "knowledge/article_list.html",
        {
            "form": form,
            "query": query,
            "articles": articles,
            "due": list(selectors.articles_due_for_review(today=timezone.localdate())[:20]),
            "can_edit": permissions.may_edit_articles(request.user),
        },
    )


@workspace_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(selectors.articles_all(), pk=article_id)
    history = article.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "history": history,
            "can_edit": permissions.may_edit_articles(request.user),
        },
    )


def _form_values(form: ArticleForm) -> tuple[dict, list]:
    data = dict(form.cleaned_data)
    links = data.pop("links")
    return data, links


@workspace_required
def article_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields, links = _form_values(form)
        article = services.article_create(actor=request.user, links=links, **fields)
        messages.success(request, _("記事を作成しました。"))
        return redirect("knowledge:detail", article_id=article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None})


@workspace_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    _require_editor(request.user)
    article = get_object_or_404(Article, pk=article_id)
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        fields, links = _form_values(form)
        services.article_update(article=article, actor=request.user, links=links, **fields)
        messages.success(request, _("記事を更新しました。"))
        return redirect("knowledge:detail", article_id=article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@workspace_required
@require_POST
def article_from_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """A resolved (or closed) ticket becomes a draft article, internal until shared."""
    _require_editor(request.user)
    ticket = workspace_selectors.ticket_for_user(user=request.user, number=number)
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise PermissionDenied
    article = services.article_draft_from_ticket(ticket=ticket, actor=request.user)
    messages.success(request, _("チケットから記事の下書きを作成しました。"))
    return redirect("knowledge:edit", article_id=article.pk)
