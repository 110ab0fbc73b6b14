"""Writes of the knowledge base. Every change leaves a history row with its author
(django-simple-history), read on the article's page."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from helpdesk.history import history_user_set
from knowledge.models import Article, ArticleLink, ArticleStatus, Visibility
from tickets.models import Message, Ticket

ARTICLE_FIELDS = (
    "title",
    "body",
    "title_en",
    "body_en",
    "product_families",
    "categories",
    "visibility",
    "status",
    "review_on",
)


@dataclass(frozen=True)
class LinkInput:
    title: str
    url: str
    language: str


def _links_replace(article: Article, links: Sequence[LinkInput], actor) -> None:
    for old in article.links.all():
        history_user_set(old, actor)
        old.delete()
    for position, link in enumerate(links):
        row = ArticleLink(
            article=article,
            title=link.title,
            url=link.url,
            language=link.language,
            position=position,
        )
        history_user_set(row, actor)
        row.save()


@transaction.atomic
def article_create(
    *, actor=None, links: Sequence[LinkInput] = (), source_ticket: Ticket | None = None, **fields
) -> Article:
    unknown = set(fields) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"article_create cannot set {sorted(unknown)}")
    article = Article(created_by=actor, source_ticket=source_ticket, **fields)
    history_user_set(article, actor)
    article.save()
    _links_replace(article, links, actor)
    return article


@transaction.atomic
def article_update(
    *, article: Article, actor=None, links: Sequence[LinkInput] | None = None, **fields
) -> Article:
    unknown = set(fields) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"article_update cannot change {sorted(unknown)}")
    article = Article.objects.select_for_update().get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    history_user_set(article, actor)
    article.save()
    if links is not None:
        _links_replace(article, links, actor)
    return article


@transaction.atomic
def article_draft_from_ticket(
    *, ticket: Ticket, actor=None, review_in_days: int = 180, today: datetime.date | None = None
) -> Article:
    """A resolved ticket as a draft: its subject, the question and the desk's public answers
    (never internal notes, never the requester's name), internal until an editor shares it."""
    replies = ticket.messages.filter(kind=Message.Kind.REPLY).order_by("created_at", "id")
    body = "\n\n".join(
        [f"【お問い合わせ】\n{ticket.description.strip()}"]
        + [f"【回答】\n{reply.body.strip()}" for reply in replies]
    )
    today = today or timezone.localdate()
    return article_create(
        actor=actor,
        source_ticket=ticket,
        title=ticket.subject,
        body=body,
        product_families=[ticket.subscription.product.family],
        categories=[ticket.category],
        visibility=Visibility.INTERNAL,
        status=ArticleStatus.DRAFT,
        review_on=today + datetime.timedelta(days=review_in_days),
    )
