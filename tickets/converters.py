"""The URL converter of a ticket number: any text but a slash or a NUL byte.

PostgreSQL refuses NUL in a string literal (psycopg raises ValueError), so a number with one
must answer 404 like any other number that does not exist, before a lookup is made."""

from __future__ import annotations

from django.urls import register_converter


class TicketNumberConverter:
    regex = r"[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketNumberConverter, "ticket_number")
