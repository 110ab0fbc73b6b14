"""Reading Microsoft's JSON: keys case-insensitively (Partner Center answers camelCase and its
documentation shows PascalCase), timestamps with 7 fractional digits, and one named error for
an item that is not what the documentation describes, so a list skips it and goes on."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from microsoft.http import MicrosoftResponseError

T = TypeVar("T")


class MalformedItem(ValueError):
    """One item of a list is not in the documented shape."""


@dataclass(frozen=True)
class Rejected:
    """An item a listing skipped, and why (shown in the sync report)."""

    kind: str
    key: str
    reason: str


@dataclass
class Listing(Generic[T]):
    items: list[T] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def get(data: Any, *path: str) -> Any:
    """data[path[0]][path[1]]…, each key matched without regard to case; None when absent."""
    current = data
    for key in path:
        if not isinstance(current, Mapping):
            return None
        if key in current:
            current = current[key]
            continue
        lowered = key.lower()
        current = next((v for k, v in current.items() if str(k).lower() == lowered), None)
    return current


def text(data: Any, *path: str, required: bool = False, max_length: int = 500) -> str:
    value = get(data, *path)
    if value is None or value == "":
        if required:
            raise MalformedItem(f"{'.'.join(path)} missing")
        return ""
    if not isinstance(value, str | int):
        raise MalformedItem(f"{'.'.join(path)} is not text")
    return str(value).strip()[:max_length]


def tenant_uuid(data: Any, *path: str) -> uuid.UUID:
    value = get(data, *path)
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError) as error:
        raise MalformedItem(f"{'.'.join(path)} is not a tenant ID") from error


_FRACTION = re.compile(r"\.(\d{6})\d+")


def instant(data: Any, *path: str) -> datetime.datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (Microsoft's 7-digit fractions and a
    missing offset, which Microsoft means as UTC, included); None when absent."""
    value = get(data, *path)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedItem(f"{'.'.join(path)} is not a timestamp")
    cleaned = _FRACTION.sub(r".\1", value.strip().replace("Z", "+00:00"))
    try:
        moment = datetime.datetime.fromisoformat(cleaned)
    except ValueError as error:
        raise MalformedItem(f"{'.'.join(path)} is not a timestamp") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    if moment.year < 1900:
        # Microsoft writes 0001-01-01T00:00:00 for "never".
        return None
    return moment.astimezone(datetime.UTC)


def integer(data: Any, *path: str, default: int = 0) -> int:
    value = get(data, *path)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedItem(f"{'.'.join(path)} is not a number")
    try:
        number = int(value)
    except ValueError as error:
        raise MalformedItem(f"{'.'.join(path)} is not a number") from error
    if number < 0:
        raise MalformedItem(f"{'.'.join(path)} is negative")
    return number


def strings(data: Any, *path: str) -> tuple[str, ...]:
    value = get(data, *path)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedItem(f"{'.'.join(path)} is not a list of text")
    return tuple(v.strip() for v in value if v.strip())


def items_of(body: Any, key: str) -> list[Any]:
    """The list under `key` of a collection answer (`items` for Partner Center, `value` for
    Graph); an answer without one is malformed as a whole."""
    value = get(body, key)
    if not isinstance(value, list):
        raise MicrosoftResponseError(f"the answer has no '{key}' list")
    return value


def parse_all(
    raw_items: Iterable[Any], parse: Any, *, kind: str, key_path: tuple[str, ...]
) -> Listing[Any]:
    """Parse each item; a malformed one is recorded as rejected and the rest go on."""
    listing: Listing[Any] = Listing()
    for raw in raw_items:
        try:
            listing.items.append(parse(raw))
        except MalformedItem as error:
            key = get(raw, *key_path)
            listing.rejected.append(
                Rejected(kind=kind, key=str(key)[:100] if key else "?", reason=str(error))
            )
    return listing
