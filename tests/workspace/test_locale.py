"""The English catalogue is complete and its compiled .mo matches the .po, so a fresh clone
shows English without gettext installed."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def _entries(po_path: Path) -> list[dict[str, str]]:
    """A small .po reader: msgctxt, msgid, msgid_plural and msgstr / msgstr[0] per entry."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in po_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    if current:
        entries.append(current)
    return [entry for entry in entries if entry.get("msgid")]  # the header has an empty msgid


def test_every_english_msgid_is_translated():
    untranslated = [
        entry["msgid"]
        for entry in _entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")
        if not (entry.get("msgstr") or entry.get("msgstr[0]"))
    ]
    assert untranslated == []


def test_compiled_english_catalogue_matches_the_po():
    with (LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in _entries(LOCALE / "en" / "LC_MESSAGES" / "django.po"):
        if "msgid_plural" in entry:
            assert (
                catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1) == (entry["msgstr[0]"])
            )
        elif "msgctxt" in entry:
            assert catalogue.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
