"""The search document of each ticket: its text as bigram terms (`search.bigrams`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TermVectorField(models.TextField):
    """A `tsvector` on PostgreSQL (GIN-indexed, see the migration); plain text elsewhere,
    where search falls back to substring matches and the column is not read."""

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder(self, value, compiler, connection) -> str:
        # The value is a tsvector literal built by `search.bigrams`, never parsed text.
        return "CAST(%s AS tsvector)" if connection.vendor == "postgresql" else "%s"


class TicketSearchDocument(models.Model):
    """What full-text search reads for one ticket, kept current by `search.services`, which
    the ticket services call whenever they write text.

    `public_terms`: number, subject, description, Microsoft case number and every message the
    requester's side sees; `internal_terms`: internal notes, searched only by desk users."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("チケット"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    public_terms = TermVectorField(_("公開テキストの検索語"), blank=True, default="")
    internal_terms = TermVectorField(_("社内メモの検索語"), blank=True, default="")

    class Meta:
        verbose_name = _("検索ドキュメント")
        verbose_name_plural = _("検索ドキュメント")

    def __str__(self) -> str:
        return str(self.ticket_id)
