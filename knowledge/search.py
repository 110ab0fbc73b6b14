"""Search terms from free text, Japanese included, without a dictionary: runs of Latin
letters and digits, of katakana and of kanji are terms; hiragana runs (mostly particles and
endings: が, できない) are dropped. "メールが送信できない" → ["メール", "送信"].

Pure: no ORM. The database matches the terms (knowledge.selectors)."""

from __future__ import annotations

import re

_TERM = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9.+#_-]*"  # Latin words, versions, "C#", "Set-MsolUser"
    r"|[\u30a0-\u30ff\uff66-\uff9f]{2,}"  # katakana (full and half width)
    r"|[\u4e00-\u9fff\u3400-\u4dbf\u3005]{2,}"  # kanji (々 included)
)
# Words too common in tickets to tell articles apart.
_STOP = frozenset(
    {"the", "and", "for", "not", "with", "from", "this", "that", "can", "cannot", "is", "are"}
)


def search_terms(text: str, *, limit: int = 8) -> list[str]:
    """Distinct terms in order of appearance, longest kept first when over `limit`."""
    seen: dict[str, None] = {}
    for match in _TERM.finditer(text or ""):
        term = match.group(0).strip(".-_")
        if len(term) < 2 or term.lower() in _STOP:
            continue
        seen.setdefault(term.lower() if term.isascii() else term, None)
    terms = list(seen)
    if len(terms) > limit:
        keep = set(sorted(terms, key=len, reverse=True)[:limit])
        terms = [term for term in terms if term in keep]
    return terms
