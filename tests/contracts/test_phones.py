"""Telephone numbers as people type them are one number: +81, brackets, spaces, full width."""

from __future__ import annotations

import pytest

from contracts import phones
from contracts.selectors import contacts_with_phone
from tests.factories import ContactFactory


@pytest.mark.parametrize(
    "typed",
    [
        "03-1111-2222",
        "0311112222",
        "(03) 1111-2222",
        "+81 3 1111 2222",
        "+81-3-1111-2222",
        "０３－１１１１－２２２２",  # what a Japanese input method gives
        "０３１１１１２２２２",
        "03ー1111ー2222",
    ],
)
def test_each_way_of_writing_a_number_is_the_same_number(typed):
    assert phones.looks_like_phone(typed)
    assert phones.phone_digits(typed) == "0311112222"


@pytest.mark.parametrize("typed", ["1111", "3", "2026", "CS-2026-000003", "03-1111-abcd"])
def test_fragments_and_other_words_are_not_numbers(typed):
    assert not phones.looks_like_phone(typed)


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["03-1111-2222", "+81 3-1111-2222", "(03) 1111 2222"])
@pytest.mark.parametrize("typed", ["0311112222", "+81 3 1111 2222", "０３－１１１１－２２２２"])
def test_a_contact_is_found_however_either_side_wrote_the_number(stored, typed):
    contact = ContactFactory(phone=stored)
    ContactFactory(phone="03-1111-2223")
    assert list(contacts_with_phone(number=typed)) == [contact]
    assert not contacts_with_phone(number="1111-2222").exists()
