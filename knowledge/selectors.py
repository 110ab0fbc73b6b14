"""Reads of the knowledge base: search, suggestions for a ticket, what a reseller may read,
and the text an agent inserts into a reply."""

from __future__ import annotations

import datetime

from django.db.models import Case, Expression, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from knowledge.models import Article, ArticleLink, ArticleStatus, Visibility
from knowledge.search import search_terms
from search import bigrams
from search import selectors as search_selectors
from tickets.models import Ticket


def articles_all() -> QuerySet[Article]:
    return Article.objects.prefetch_related("links")


def articles_shareable() -> QuerySet[Article]:
    """What resellers read through the API: published and shareable, nothing else."""
    return articles_all().filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.SHAREABLE)


def articles_due_for_review(*, today: datetime.date) -> QuerySet[Article]:
    return articles_all().filter(review_on__lte=today).exclude(status=ArticleStatus.ARCHIVED)


def _matches(terms: list[str], *, prefix: bool) -> list[tuple[Q, Q]]:
    """Per term: (in the title, in the body), both languages. On PostgreSQL through the
    product's full-text search (`search`: the articles' bigram documents, GIN-indexed, so a
    2-character word such as 障害 is a term); elsewhere as substrings of the text."""
    result = []
    for term in terms:
        if search_selectors.fulltext_enabled():
            literal = bigrams.query_literal(term, prefix=prefix)
            if literal is None:
                continue
            result.append(
                (
                    Q(search_selectors.terms_match("title_terms", literal)),
                    Q(search_selectors.terms_match("body_terms", literal)),
                )
            )
        else:
            result.append(
                (
                    Q(title__icontains=term) | Q(title_en__icontains=term),
                    Q(body__icontains=term) | Q(body_en__icontains=term),
                )
            )
    return result


def _scored(
    queryset: QuerySet[Article], terms: list[str], *, prefix: bool = False
) -> QuerySet[Article]:
    """Articles matching any term, best first: a term in the title weighs 3, in the body 1
    (both languages), summed in the database."""
    matches = _matches(terms, prefix=prefix)
    if not matches:
        return queryset.none()
    if search_selectors.fulltext_enabled():
        # One literal per column for the filter: two bitmap index scans, one OR.
        any_literal = search_selectors.any_word_literal(terms, prefix=prefix)
        assert any_literal is not None
        match = Q(search_selectors.terms_match("title_terms", any_literal)) | Q(
            search_selectors.terms_match("body_terms", any_literal)
        )
    else:
        match = Q()
        for in_title, in_body in matches:
            match |= in_title | in_body
    score = []
    for in_title, in_body in matches:
        score.append(Case(When(in_title, then=Value(3)), default=Value(0)))
        score.append(Case(When(in_body, then=Value(1)), default=Value(0)))
    total: Expression = score[0]
    for part in score[1:]:
        total = total + part
    return (
        queryset.filter(match)
        .annotate(score=Coalesce(total, Value(0), output_field=IntegerField()))
        .order_by("-score", "-updated_at", "-id")
    )


def articles_search(
    *, query: str, queryset: QuerySet[Article] | None = None, limit: int = 20
) -> list[Article]:
    """Articles for the words of `query` (Japanese or English), drafts and archived ones
    left out unless `queryset` says otherwise."""
    base = (
        queryset if queryset is not None else articles_all().exclude(status=ArticleStatus.ARCHIVED)
    )
    return list(_scored(base, search_terms(query), prefix=True)[:limit])


def articles_suggested(*, ticket: Ticket, limit: int = 5) -> list[Article]:
    """Published articles for the ticket's subject and description, those of its product
    family and category first."""
    base = articles_all().filter(status=ArticleStatus.PUBLISHED)
    terms = search_terms(ticket.subject, limit=6) + search_terms(ticket.description, limit=6)
    found = list(_scored(base, list(dict.fromkeys(terms)))[: limit * 3])
    family = ticket.subscription.product.family

    def fit(article: Article) -> tuple[int, int]:
        in_scope = (family in article.product_families) + (ticket.category in article.categories)
        return (-in_scope, -article.score)  # type: ignore[attr-defined]

    return sorted(found, key=fit)[:limit]


def _link_lines(links: list[ArticleLink]) -> list[str]:
    """Art. 3.6: each material with its language, so the reader knows it may be English."""
    return [f"- {link.title} [{link.get_language_display()}] {link.url}" for link in links]


def article_insert_text(*, article: Article, mode: str, excerpt_chars: int = 400) -> str:
    """What "insert" puts into a reply: the title and the materials (`link`), or an excerpt
    of the body with them (`excerpt`)."""
    lines = [f"■ {article.title}"]
    if mode == "excerpt":
        body = article.body.strip()
        lines.append(body if len(body) <= excerpt_chars else body[:excerpt_chars].rstrip() + "…")
    links = _link_lines(list(article.links.all()))
    if links:
        lines.append(_("参考資料:"))
        lines.extend(links)
    return "\n".join(lines)
