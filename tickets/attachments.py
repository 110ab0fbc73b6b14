"""What an attachment is, judged by its content: the one home of the attachment rules that the
workspace, the API and inbound mail all apply (through `tickets.services.message_add`, and
mail's own split of what to keep and what to drop).

- The type is read from the bytes (libmagic), never taken from the upload's claim or the file
  name: a page of HTML called `invoice.pdf`, or sent as `application/octet-stream`, is HTML.
- Only types in settings.ATTACHMENT_ALLOWED_TYPES are kept. Content whose type cannot be told
  (`application/octet-stream`) is never accepted: zip it, and the zip is.
- A claim more specific than the content can show is kept when it is allowed and of the same
  family (a CSV is plain text to libmagic; an Office document is a zip).
- Size: each file at most ATTACHMENT_MAX_BYTES, one message's files together at most
  ATTACHMENT_MAX_TOTAL_BYTES.
- Shown inline only: PNG, JPEG and GIF whose bytes are still that image (never SVG, which
  carries scripts); everything else downloads (`Content-Disposition: attachment`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import magic
from django.conf import settings
from django.core.files.base import File

# How much of a file libmagic reads to tell its type (Office documents name their parts near
# the start of the zip).
SNIFF_BYTES = 64 * 1024
UNKNOWN = "application/octet-stream"
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})

# What libmagic names differently from the registered type.
_ALIASES = {"text/xml": "application/xml", "application/x-zip-compressed": "application/zip"}
# Content type as detected → claims it may be, when the claim is allowed too.
_REFINEMENTS: dict[str, frozenset[str]] = {
    "text/plain": frozenset({"text/csv", "application/json", "application/xml", "text/xml"}),
    "application/zip": frozenset(
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    ),
}


def sniffed_type(head: bytes) -> str:
    """The MIME type of content starting with `head`, from its bytes alone."""
    if not head:
        return "application/x-empty"
    detected = magic.from_buffer(head[:SNIFF_BYTES], mime=True) or UNKNOWN
    return _ALIASES.get(detected, detected)


def file_head(content: File) -> bytes:
    """The first bytes of an upload, leaving it rewound for whoever saves it."""
    content.seek(0)
    head = content.read(SNIFF_BYTES)
    content.seek(0)
    return head


@dataclass(frozen=True)
class Verdict:
    """One file judged: the type to store, or why it is refused (a stable code)."""

    filename: str
    content_type: str
    problem: str | None = None


def judge(*, filename: str, claimed: str, head: bytes, size: int) -> Verdict:
    """Judge one file by its content and size (the per-message total is `judge_all`'s)."""
    detected = sniffed_type(head)
    if size > settings.ATTACHMENT_MAX_BYTES:
        return Verdict(filename, detected, "too_large")
    allowed = set(settings.ATTACHMENT_ALLOWED_TYPES) - {UNKNOWN}
    claimed = _ALIASES.get((claimed or "").split(";", 1)[0].strip().lower(), claimed)
    if claimed in allowed and claimed in _REFINEMENTS.get(detected, ()):
        return Verdict(filename, claimed)
    if detected in allowed:
        return Verdict(filename, detected)
    return Verdict(filename, detected, "type_not_allowed")


def judge_all(files: Sequence[tuple[str, str, bytes, int]]) -> list[Verdict]:
    """Judge a message's files (name, claimed type, first bytes, size) in order; once the
    accepted ones would pass ATTACHMENT_MAX_TOTAL_BYTES together, the rest are
    "total_too_large"."""
    verdicts: list[Verdict] = []
    total = 0
    for filename, claimed, head, size in files:
        verdict = judge(filename=filename, claimed=claimed, head=head, size=size)
        if verdict.problem is None:
            if total + size > settings.ATTACHMENT_MAX_TOTAL_BYTES:
                verdict = replace(verdict, problem="total_too_large")
            else:
                total += size
        verdicts.append(verdict)
    return verdicts


def problem_texts(verdicts: Sequence[Verdict]) -> tuple[str, str]:
    """What was refused, file by file, in Japanese and in English."""
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    total_mb = settings.ATTACHMENT_MAX_TOTAL_BYTES // (1024 * 1024)
    japanese: list[str] = []
    english: list[str] = []
    for verdict in verdicts:
        if verdict.problem == "too_large":
            japanese.append(f"「{verdict.filename}」は {limit_mb} MB を超えています")
            english.append(f'"{verdict.filename}" is larger than {limit_mb} MB')
        elif verdict.problem == "total_too_large":
            japanese.append(
                f"「{verdict.filename}」で 1 件の添付ファイルの合計が {total_mb} MB を超えます"
            )
            english.append(
                f'"{verdict.filename}" takes the message\'s attachments past {total_mb} MB'
            )
        elif verdict.problem == "type_not_allowed":
            japanese.append(
                f"「{verdict.filename}」は受け付けていない種類です（内容: {verdict.content_type}）"
            )
            english.append(
                f'"{verdict.filename}" is of a type not accepted (content: {verdict.content_type})'
            )
    return "、".join(japanese), "; ".join(english)


def shown_inline(*, content_type: str, head: bytes) -> bool:
    """An image the browser may display in the page: PNG, JPEG or GIF, and the bytes still
    say so (a file stored before types were read from content is checked again)."""
    return content_type in INLINE_TYPES and sniffed_type(head) == content_type
