"""Writes of the search documents. The ticket services call these in the transaction that
writes the text, so a ticket is findable as soon as it is committed."""

from __future__ import annotations

from django.db import connection
from django.db.models import Value
from django.db.models.expressions import Func

from search import bigrams
from search.models import TermVectorField, TicketSearchDocument
from tickets.models import Message


def _header_texts(ticket) -> list[str]:
    return [ticket.number, ticket.subject, ticket.description, ticket.microsoft_case_number]


def search_document_rebuild(*, ticket) -> TicketSearchDocument:
    """The whole document from the ticket and all its messages (after an edit of the subject
    or the case number, and to backfill)."""

    public = _header_texts(ticket)
    internal: list[str] = []
    for kind, body in ticket.messages.order_by("created_at", "id").values_list("kind", "body"):
        (internal if kind == Message.Kind.INTERNAL_NOTE else public).append(body)
    document, _created = TicketSearchDocument.objects.update_or_create(
        ticket_id=ticket.pk,
        defaults={
            "public_terms": bigrams.document_literal(public),
            "internal_terms": bigrams.document_literal(internal),
        },
    )
    return document


class _Concat(Func):
    """`column || CAST(literal AS tsvector)`: positions of the new text follow the old ones."""

    arg_joiner = " || "
    template = "%(expressions)s"
    output_field = TermVectorField()


def search_document_add_text(*, ticket, text: str, internal: bool) -> None:
    """Append one message's text to its ticket's document (one UPDATE)."""
    literal = bigrams.document_literal([text])
    column = "internal_terms" if internal else "public_terms"
    if connection.vendor != "postgresql":
        # The fallback reads the tickets' own text; the column only has to exist.
        return
    addition = Func(Value(literal), template="CAST(%(expressions)s AS tsvector)")
    updated = TicketSearchDocument.objects.filter(ticket_id=ticket.pk).update(
        **{column: _Concat(column, addition)}
    )
    if not updated:
        search_document_rebuild(ticket=ticket)
