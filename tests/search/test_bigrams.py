"""The bigram terms: every substring of two characters or more is found, Latin words whole."""

from __future__ import annotations

import pytest

from search import bigrams


def test_japanese_is_cut_into_overlapping_bigrams_and_latin_words_stay_whole():
    assert bigrams.terms("Teams会議に参加できない") == [
        "teams", "会議", "議に", "に参", "参加", "加で", "でき", "きな", "ない",
    ]  # fmt: skip


def test_full_width_and_half_width_forms_are_normalised():
    assert bigrams.terms("ＯＵＴＬＯＯＫ ｴﾗｰ") == ["outlook", "エラ", "ラー"]


@pytest.mark.parametrize(
    ("search", "literal"),
    [
        ("障害", "'障害'"),
        ("障害情報", "('障害' <-> '害情' <-> '情報')"),
        ("exch", "'exch':*"),
        ("000003", "'000003':*"),
        ("障", "'障':*"),
        ("メール　障害", "('メー' <-> 'ール') & '障害'"),
        ("、。！", None),
    ],
)
def test_query_literal(search, literal):
    assert bigrams.query_literal(search) == literal


def test_document_positions_leave_a_gap_between_texts():
    # 'a' ends the first text at position 3, 'b' starts the second at 5: no phrase a <-> b.
    assert bigrams.document_literal(["x a", "b"]) == "'x':2 'a':3 'b':5"


def test_quotes_cannot_break_the_literal():
    assert bigrams._quote("it's") == "'it''s'"


def test_a_short_number_is_matched_whole():
    assert bigrams.query_literal("123", prefix=False) == "'123'"
