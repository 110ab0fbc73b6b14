"""Reads of reply templates: which a user may insert, and their text filled in for a ticket."""

from __future__ import annotations

import datetime
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from replies.models import Language, ReplyTemplate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PLACEHOLDERS = (
    "requester_name",
    "ticket_number",
    "deadline",
    "customer",
    "agent",
    "product",
    "out_of_scope",
)


# Kana, kanji and half-width katakana: text with any of them was written in Japanese.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def ticket_language(*, ticket) -> str:
    """The language the customer wrote the ticket in (no contact stores one): Japanese when
    its subject or description has any kana or kanji, else English."""
    text = f"{ticket.subject}\n{ticket.description}"
    return Language.JAPANESE if _JAPANESE.search(text) else Language.ENGLISH


def templates_for(*, user) -> QuerySet[ReplyTemplate]:
    """The shared templates and the user's own, active ones only."""
    return ReplyTemplate.objects.filter(Q(owner__isnull=True) | Q(owner=user), is_active=True)


class _Keep(dict):
    """An unknown placeholder stays as written, so a typo shows instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _deadline(due: datetime.datetime | None, language: str) -> str:
    if due is None:
        return "確約なし" if language == Language.JAPANESE else "no commitment"
    local = timezone.localtime(due)
    if language == Language.JAPANESE:
        return local.strftime("%Y年%m月%d日 %H:%M")
    return local.strftime("%Y-%m-%d %H:%M JST")


def template_render(*, template: ReplyTemplate, values: dict[str, str]) -> str:
    """The body with its placeholders filled (`{name}`; `{{` and `}}` are literal braces)."""
    try:
        return string.Formatter().vformat(template.body, (), _Keep(values))
    except (ValueError, IndexError):
        # A stray brace: the text as written, for the agent to fix by hand.
        return template.body


def ticket_values(
    *, ticket, agent, out_of_scope: Sequence[StrOrPromise], language: str
) -> dict[str, str]:
    separator = "、" if language == Language.JAPANESE else ", "
    return {
        "requester_name": ticket.requester.name,
        "ticket_number": ticket.number,
        "deadline": _deadline(ticket.first_response_due, language),
        "customer": ticket.customer.name,
        "agent": agent.get_full_name() or agent.get_username(),
        "product": ticket.subscription.product.name,
        "out_of_scope": _in_language(out_of_scope, language, separator),
    }


def _in_language(items: Sequence[StrOrPromise], language: str, separator: str) -> str:
    """The items in the template's language (the text goes to the customer), whatever the
    agent's interface language."""
    with translation.override(language):
        return separator.join(str(item) for item in items)


@dataclass(frozen=True)
class RenderedTemplate:
    pk: int
    name: str
    language: str
    body: str
    requests_information: bool
    personal: bool


def templates_rendered(
    *, user, ticket, out_of_scope: Sequence[StrOrPromise]
) -> list[RenderedTemplate]:
    """Every template the user may insert, filled in for `ticket` (one query), grouped by
    language with the ticket's language first (the picker shows one group per language)."""
    values = {
        language: ticket_values(
            ticket=ticket, agent=user, out_of_scope=out_of_scope, language=language
        )
        for language in Language.values
    }
    first = ticket_language(ticket=ticket)
    rendered = [
        RenderedTemplate(
            pk=template.pk,
            name=template.name,
            language=template.language,
            body=template_render(template=template, values=values[template.language]),
            requests_information=template.requests_information,
            personal=template.owner_id is not None,
        )
        for template in templates_for(user=user)
    ]
    # Stable: within a language, the templates keep their own order (position, name).
    return sorted(rendered, key=lambda template: template.language != first)
