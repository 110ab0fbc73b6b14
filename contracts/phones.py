"""Japanese telephone numbers as people type them: pure functions, no ORM.

"+81 3-1234-5678", "03 1234 5678", "(03) 1234-5678" and the full-width
"０３－１２３４－５６７８" a Japanese input method produces are one number. Matching is on the
whole number only, never a fragment: a masked number is not to be guessed digit by digit."""

from __future__ import annotations

import re
import unicodedata

# Fewer digits than this is not a telephone number (a ticket's sequence, a year, …).
MIN_PHONE_DIGITS = 8
_PHONE_LIKE = re.compile(r"[\d\s()+\-‐－ー]+")


def phone_digits(value: str) -> str:
    """The digits of a Japanese number as dialled nationally: "+81 3-1234-5678" is
    "0312345678"."""
    value = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"[^0-9]", "", value)
    if value.startswith("+81") or (digits.startswith("81") and len(digits) >= 11):
        digits = "0" + digits[2:]
    return digits


def looks_like_phone(value: str) -> bool:
    """Only digits, spaces, brackets, plus and dashes, and enough digits for a number."""
    normalised = unicodedata.normalize("NFKC", value).strip()
    return bool(_PHONE_LIKE.fullmatch(normalised)) and (
        len(phone_digits(value)) >= MIN_PHONE_DIGITS
    )


def stored_digit_forms(digits: str) -> list[str]:
    """The digits a stored number may keep for the national `digits`: as dialled in Japan,
    or in international form ("+81 3-…" keeps 813…)."""
    if digits.startswith("0") and len(digits) > 1:
        return [digits, "81" + digits[1:]]
    return [digits]
