"""The knowledge panel of the ticket page: suggestions from the ticket's subject and
description, a search, and "insert" buttons that put a link or an excerpt into the reply
(static/knowledge/insert.js; no inline script under the Content-Security-Policy)."""

from __future__ import annotations

from django import template

from knowledge import selectors
from knowledge.models import Article
from tickets.models import Status

register = template.Library()


def _entries(articles: list[Article]) -> list[dict]:
    return [
        {
            "article": article,
            "link_text": selectors.article_insert_text(article=article, mode="link"),
            "excerpt_text": selectors.article_insert_text(article=article, mode="excerpt"),
        }
        for article in articles
    ]


@register.inclusion_tag("knowledge/_ticket_panel.html", takes_context=True)
def knowledge_panel(context, ticket):
    request = context.get("request")
    query = (request.GET.get("kb_q", "") if request is not None else "").strip()[:200]
    results = selectors.articles_search(query=query, limit=10) if query else []
    return {
        "ticket": ticket,
        "query": query,
        "results": _entries(results),
        "suggestions": _entries(selectors.articles_suggested(ticket=ticket)),
        "can_draft": ticket.status in (Status.RESOLVED, Status.CLOSED),
        "csrf_token": context.get("csrf_token"),
    }
