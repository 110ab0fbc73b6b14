"""Japanese and English text as search terms, without a tokenizer: pure functions, no ORM.

Japanese has no spaces, and a dictionary tokenizer splits 障害情報 as it likes; overlapping
character bigrams find every substring of two characters or more, 2-character words such as
障害 included (recall 100 % by construction), which is what agents type. Latin words and
numbers stay whole words (lower case), so a product name or a case number is one term.

Text is NFKC-normalised first (full-width ASCII and half-width katakana become their usual
forms) and lower-cased. A run of letters and digits is split where it changes between ASCII
and other scripts: `Teams会議` is `teams`, `会議`. A non-ASCII segment of one character is
kept as a unigram.

Both sides are written as PostgreSQL `tsvector` / `tsquery` literals, so no text search
parser (which depends on the server's locale) ever reads Japanese: the lexemes are ours."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator

# PostgreSQL keeps positions up to 16383 and at most 256 per lexeme; beyond, phrase matches
# of a very long ticket are judged on the positions kept.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_word_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Mn" or char == "ー"


def _runs(text: str) -> Iterator[str]:
    """Maximal runs of letters and digits, each cut where ASCII meets another script."""
    run: list[str] = []
    for char in text:
        if _is_word_char(char):
            if run and run[-1].isascii() != char.isascii():
                yield "".join(run)
                run = []
            run.append(char)
        elif run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


def terms(text: str) -> list[str]:
    """The terms of `text` in order: ASCII words whole, other scripts as bigrams."""
    result: list[str] = []
    for run in _runs(normalise(text)):
        if run.isascii() or len(run) == 1:
            result.append(run)
        else:
            result.extend(run[i : i + 2] for i in range(len(run) - 1))
    return result


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def document_literal(texts: Iterable[str]) -> str:
    """A `tsvector` literal of `texts`: each term with its positions. Each text starts one
    position after the previous one ends, so a phrase never spans two texts; the first text
    starts at 2 so that a document appended with `||` keeps the same gap."""
    positions: dict[str, list[int]] = defaultdict(list)
    position = 0
    for text in texts:
        position += 1
        for term in terms(text):
            position += 1
            kept = positions[term]
            if len(kept) < MAX_POSITIONS_PER_LEXEME:
                kept.append(min(position, MAX_POSITION))
    return " ".join(
        f"{_quote(term)}:{','.join(str(p) for p in sorted(set(kept)))}"
        for term, kept in positions.items()
    )


_SPACES = re.compile(r"\s+")


def query_words(search: str) -> list[str]:
    """The words of a search box: split on spaces (full-width too), empty ones dropped."""
    return [word for word in _SPACES.split(normalise(search)) if word]


def _word_terms(search: str, *, prefix: bool) -> list[list[str]]:
    """Each word's terms as quoted lexemes, its last one a prefix where `query_literal` says."""
    words: list[list[str]] = []
    for word in query_words(search):
        word_terms = terms(word)
        if not word_terms:
            continue
        quoted = [_quote(term) for term in word_terms]
        last = word_terms[-1]
        if prefix and (last.isascii() or len(last) == 1):
            quoted[-1] += ":*"
        words.append(quoted)
    return words


def query_literal(search: str, *, prefix: bool = True) -> str | None:
    """A `tsquery` literal: every word must match (AND); a word of several terms is a phrase
    of adjacent terms (`障害情報` = 障害 <-> 害情 <-> 情報). A word's last ASCII term matches as a
    prefix (`exch` finds Exchange), and a lone character finds the bigrams it starts. None when
    the search has no term at all (only punctuation)."""
    parts = [
        quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"
        for quoted in _word_terms(search, prefix=prefix)
    ]
    return " & ".join(parts) if parts else None
