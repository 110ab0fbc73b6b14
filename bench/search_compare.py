"""The two ways of searching Japanese compared on the search benchmark's data (issue: recall for
2-character words such as 障害, and speed): `python -m bench.search_compare [options]`.

Runs on the database `python -m bench.search` seeded (1,000,000 tickets, 5,000,000 messages),
and adds what the other option needs, once: the `pg_trgm` extension and trigram GIN indexes
over the tickets' subject and description and over the message bodies. For each term it finds
every ticket whose subject, description or any message holds it:
- bigram documents (what the product uses): `public_terms @@ query` on the GIN index;
- trigrams: `ILIKE '%term%'` on the trigram indexes (PostgreSQL rechecks each candidate, so
  the answer is exact; a term shorter than three characters has no trigram and the index
  cannot narrow it);
and prints the tickets each finds (recall against the other; ILIKE is the exact substring
answer) and the median time of three runs. Whole-set figures: a page of 50 is cheaper for
both, but a rare term or a count needs every match.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from bench.search import DEFAULT_DATABASE_URL

TERMS = ["障害", "SharePoint", "会議に参加できない", "テナント"]
TRIGRAM_INDEXES = [
    "CREATE INDEX IF NOT EXISTS bench_ticket_subject_trgm ON tickets_ticket"
    " USING gin (subject gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_ticket_description_trgm ON tickets_ticket"
    " USING gin (description gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_message_body_trgm ON tickets_message"
    " USING gin (body gin_trgm_ops)",
]
TRIGRAM_QUERY = """
    SELECT count(*) FROM (
        SELECT id FROM tickets_ticket WHERE subject ILIKE %(like)s OR description ILIKE %(like)s
        UNION
        SELECT ticket_id FROM tickets_message
        WHERE body ILIKE %(like)s AND kind <> 'internal_note'
    ) AS found
"""
BIGRAM_QUERY = """
    SELECT count(*) FROM search_ticketsearchdocument
    WHERE public_terms @@ CAST(%(literal)s AS tsquery)
"""


def _timed(cursor, sql: str, params: dict, repeat: int) -> tuple[int, float]:
    timings = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        cursor.execute(sql, params)
        (count,) = cursor.fetchone()
        timings.append((time.perf_counter() - started) * 1000)
    return count, statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "DATABASE_URL": options.database_url,
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789",
            "DJANGO_DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.db import connection

    from search import bigrams

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_ticketsearchdocument")
        (documents,) = cursor.fetchone()
        if not documents:
            raise SystemExit("no search documents: run `python -m bench.search --seed-only` first")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        for statement in TRIGRAM_INDEXES:
            cursor.execute(statement)
        built = time.perf_counter() - started
        if built > 1:
            print(f"trigram indexes built in {built:.0f} s", flush=True)
            cursor.execute("ANALYZE tickets_ticket, tickets_message")
        cursor.execute("SET jit = off")
        print(f"\n{documents:,} tickets; every ticket holding the term (public text)\n")
        print(f"{'term':<22} {'bigram: tickets':>16} {'ms':>8} {'trigram: tickets':>17} {'ms':>8}")
        for term in TERMS:
            literal = bigrams.query_literal(term, prefix=False)
            found_bigram, ms_bigram = _timed(
                cursor, BIGRAM_QUERY, {"literal": literal}, options.repeat
            )
            found_trigram, ms_trigram = _timed(
                cursor, TRIGRAM_QUERY, {"like": f"%{term}%"}, options.repeat
            )
            print(
                f"{term:<22} {found_bigram:>16,} {ms_bigram:>8.0f} {found_trigram:>17,}"
                f" {ms_trigram:>8.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
