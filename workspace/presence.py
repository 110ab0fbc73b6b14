"""Who has a ticket open, and who is typing a reply (二重対応防止), in the cache.

Each open ticket page reports every few seconds (static/workspace/presence.js); an entry
older than PRESENCE_SECONDS is gone, so a closed tab disappears on its own. The cache is
the project's (CACHE_URL): Redis in production, so every web process sees the same
entries; a lost update between two agents' reports lasts one report interval."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def _seconds() -> int:
    return getattr(settings, "WORKSPACE_PRESENCE_SECONDS", 15)


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str
    typing: bool


def _fresh(entries: dict, now: datetime.datetime) -> dict:
    limit = now.timestamp() - _seconds()
    return {user_id: entry for user_id, entry in entries.items() if entry[2] >= limit}


def presence_report(*, ticket_id: int, user, typing: bool, now: datetime.datetime) -> None:
    """`user` has the ticket open now (and is typing a reply or not)."""
    entries = _fresh(cache.get(_key(ticket_id)) or {}, now)
    entries[user.pk] = (user.get_username(), bool(typing), now.timestamp())
    cache.set(_key(ticket_id), entries, timeout=_seconds() * 2)


def presence_leave(*, ticket_id: int, user, now: datetime.datetime) -> None:
    entries = _fresh(cache.get(_key(ticket_id)) or {}, now)
    if entries.pop(user.pk, None) is not None:
        cache.set(_key(ticket_id), entries, timeout=_seconds() * 2)


def viewers(*, ticket_ids: list[int], now: datetime.datetime, exclude_user_id=None) -> dict:
    """ticket id → the others who have it open, typing ones first (one cache round trip)."""
    found = cache.get_many([_key(ticket_id) for ticket_id in ticket_ids])
    result: dict[int, list[Viewer]] = {}
    for ticket_id in ticket_ids:
        entries = _fresh(found.get(_key(ticket_id)) or {}, now)
        people = [
            Viewer(user_id, username, typing)
            for user_id, (username, typing, _at) in entries.items()
            if user_id != exclude_user_id
        ]
        if people:
            result[ticket_id] = sorted(people, key=lambda v: (not v.typing, v.username))
    return result
