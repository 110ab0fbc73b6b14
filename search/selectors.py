"""Reads of search: which tickets match what an agent typed, and where (the hit in context).

One search box takes a ticket number or its fragment (`000003` or `3`), a Microsoft case
number, a tenant ID, the requester's email address or phone number, and words in Japanese
or English found in the number, subject, description, case number and every message body
(internal notes only for desk users). Scoping stays with the caller: it passes the
queryset of tickets the user may see (`tickets.selectors.tickets_visible_to`).

On PostgreSQL the words are matched in the GIN-indexed bigram documents
(`search.models.TicketSearchDocument`); elsewhere as substrings of the text itself."""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from contracts.phones import looks_like_phone
from contracts.selectors import contacts_with_phone
from search import bigrams
from search.models import TicketSearchDocument
from tickets.models import Message, TicketSequence

_DIGITS = re.compile(r"^\d{1,6}$")
SNIPPET_CHARS = 40


def _ticket_numbers_ending(digits: str) -> list[str]:
    """`3` and `000003` name CS-<year>-000003 of every year numbers were issued in: exact
    numbers, so the unique index answers."""

    sequence = int(digits)
    return [
        f"CS-{year}-{sequence:06d}"
        for year in TicketSequence.objects.values_list("year", flat=True)
    ]


# A word found in more documents than this is "frequent": the queue walks its own order and
# tests each ticket's document; below it the index's matches are few enough to sort.
FREQUENT_AT = 2_000


def _match_sql(*, include_internal: bool, indexed: bool) -> str:
    """`public_terms` (and for desk users `internal_terms`) match a `tsquery` literal.

    indexed: as the `@@` operator, which the GIN indexes answer. Otherwise through its function
    `ts_match_vq`, which no index serves and which the planner, knowing nothing of a function
    call's result, takes to hold for a third of the rows: that is what makes it walk the
    queue's index in order and stop at the page, where the operator's estimate (a phrase's
    bigrams taken as independent: one row in a million) makes it sort every match first."""
    column = "{0} @@ CAST(%s AS tsquery)" if indexed else "ts_match_vq({0}, CAST(%s AS tsquery))"
    sql = column.format("public_terms")
    if include_internal:
        # Two GIN indexes, one bitmap OR.
        sql = f"({sql} OR {column.format('internal_terms')})"
    return sql


def _fulltext_postgresql(
    queryset: QuerySet, search: str, *, prefix: bool, include_internal: bool
) -> QuerySet:
    """`queryset` narrowed to the tickets whose documents match `search` exactly (phrases
    included), by one of two plans chosen on one probe of the GIN index, which reads at most
    FREQUENT_AT + 1 matching documents:
    - rare (at most FREQUENT_AT documents match): those tickets, scoped, filtered and sorted;
    - frequent: the queue is walked in its own order and each ticket's document tested,
      stopping at the page (a frequent match fills a page within a few hundred tickets)."""
    literal = bigrams.query_literal(search, prefix=prefix)
    if literal is None:
        return queryset.none()
    params = [literal, literal] if include_internal else [literal]

    def condition(*, indexed: bool) -> RawSQL:
        sql = _match_sql(include_internal=include_internal, indexed=indexed)
        return RawSQL(sql, params, output_field=BooleanField())

    # Whoever may see them: the probe only counts; the queue's scope applies after.
    found = list(
        TicketSearchDocument.objects.filter(condition(indexed=True)).values_list(
            "ticket_id", flat=True
        )[: FREQUENT_AT + 1]
    )
    if len(found) <= FREQUENT_AT:
        return queryset.filter(pk__in=found)
    walked = TicketSearchDocument.objects.filter(condition(indexed=False), ticket_id=OuterRef("pk"))
    return queryset.filter(Exists(walked))


def _fulltext_q_fallback(search: str, *, include_internal: bool) -> Q:
    """Every word somewhere in the ticket's text: slower, correct."""

    condition = Q()
    for word in bigrams.query_words(search):
        messages = Message.objects.filter(ticket_id=OuterRef("pk"), body__icontains=word)
        if not include_internal:
            messages = messages.exclude(kind=Message.Kind.INTERNAL_NOTE)
        condition &= (
            Q(number__icontains=word)
            | Q(subject__icontains=word)
            | Q(description__icontains=word)
            | Q(microsoft_case_number__icontains=word)
            | Q(Exists(messages))
        )
    return condition


def tickets_matching(
    *, queryset: QuerySet, search: str, include_internal: bool, contact_data: bool
) -> QuerySet:
    """`queryset` narrowed to the tickets `search` finds.

    `contact_data`: whether the user may search by the requester's email and phone (only an
    exact address or number matches, never a fragment, so a masked value cannot be guessed
    piece by piece)."""
    search = search.strip()
    if not search:
        return queryset
    exact: list[Q] = []
    if _DIGITS.match(search):
        exact.append(Q(number__in=_ticket_numbers_ending(search)))
    with contextlib.suppress(ValueError):
        exact.append(Q(customer__tenant_id=uuid.UUID(search)))
    if contact_data and "@" in search:
        exact.append(Q(requester__email__iexact=search))
    if contact_data and looks_like_phone(search):
        exact.append(Q(requester__in=contacts_with_phone(number=search).values("pk")))
    # An identifier that names tickets exactly wins over words: `123` is ticket 123, not
    # every text with 123 in it. Each is a condition on the ticket row itself, which its
    # index answers (never a UNION of subqueries, which PostgreSQL may evaluate per row).
    # Asked within the caller's queryset: a ticket or requester the caller may not see reads
    # as one that does not exist (the words are searched instead).
    for condition in exact:
        matching = queryset.filter(condition)
        if matching.exists():
            return matching
    if connection.vendor == "postgresql":
        # A short number is a ticket's sequence, or that number written in a text: the
        # whole number only (as a prefix, `3` would be every text with 30, 365, …).
        return _fulltext_postgresql(
            queryset,
            search,
            prefix=not _DIGITS.match(search),
            include_internal=include_internal,
        )
    return queryset.filter(_fulltext_q_fallback(search, include_internal=include_internal))


# --- the hit in context ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """Where a ticket matched: the field's label and a few words around the match (the
    requester's address or number is named, never shown: it stays masked)."""

    where: str
    before: str = ""
    match: str = ""
    after: str = ""


def _snippet(text: str, words: list[str]) -> tuple[str, str, str] | None:
    normalised = bigrams.normalise(text)
    # Shown as written when normalising kept the length (the usual case), so offsets agree.
    shown = text if len(text) == len(normalised) else normalised
    for word in words:
        start = normalised.find(word)
        if start >= 0:
            end = start + len(word)
            before = shown[max(0, start - SNIPPET_CHARS) : start]
            after = shown[end : end + SNIPPET_CHARS]
            return (
                ("…" if start > SNIPPET_CHARS else "") + before,
                shown[start:end],
                after + ("…" if end + SNIPPET_CHARS < len(shown) else ""),
            )
    return None


def search_hits(*, tickets: list, search: str, include_internal: bool, labels: dict) -> dict:
    """ticket id → Hit for a page of `tickets` (two queries at most: the page's messages).
    `labels`: the translated names of the places (subject, description, reply, …)."""

    words = [word for word in bigrams.query_words(search) if word]
    if not words or not tickets:
        return {}
    hits: dict[int, Hit] = {}
    pending: list[int] = []
    for ticket in tickets:
        for where, text in (
            ("number", ticket.number),
            ("subject", ticket.subject),
            ("description", ticket.description),
            ("microsoft_case_number", ticket.microsoft_case_number),
        ):
            found = _snippet(text or "", words)
            if found:
                hits[ticket.pk] = Hit(str(labels[where]), *found)
                break
        else:
            pending.append(ticket.pk)
    if pending:
        messages = Message.objects.filter(ticket_id__in=pending).order_by("created_at", "id")
        if not include_internal:
            messages = messages.exclude(kind=Message.Kind.INTERNAL_NOTE)
        for ticket_id, kind, body in messages.values_list("ticket_id", "kind", "body").iterator():
            if ticket_id in hits:
                continue
            found = _snippet(body, words)
            if found:
                hits[ticket_id] = Hit(str(labels.get(kind, kind)), *found)
    for ticket in tickets:
        if ticket.pk not in hits:
            hits[ticket.pk] = Hit(str(labels["other"]))
    return hits


# --- matching any document column (the knowledge base's articles too) -------------------------


class _Matches(Func):
    """`column @@ CAST(literal AS tsquery)`: a condition the column's GIN index answers."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def terms_match(column: str, literal: str) -> Func:
    """`column` (a `search.models.TermVectorField`) matches the `tsquery` literal `literal`
    (PostgreSQL only; elsewhere the callers match the text itself)."""
    return _Matches(F(column), Func(Value(literal), template="CAST(%(expressions)s AS tsquery)"))


def any_word_literal(words: list[str], *, prefix: bool = True) -> str | None:
    """A `tsquery` literal matching any of `words` (each a phrase of its bigrams, as the
    search box reads a word): for suggestions, where no text holds every word. None when no
    word has a term."""
    parts = [
        literal
        for word in words
        if (literal := bigrams.query_literal(word.replace(" ", ""), prefix=prefix)) is not None
    ]
    return " | ".join(f"({part})" for part in parts) if parts else None


def fulltext_enabled() -> bool:
    """Whether the bigram documents are read (PostgreSQL); elsewhere text is matched as
    substrings."""
    return connection.vendor == "postgresql"
