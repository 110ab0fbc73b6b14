"""Reading mail as it really arrives in a Japanese desk's mailbox: pure functions, no ORM.

Uses the standard library's parser with `policy.default` (decoded headers, RFC 2231 and
encoded-word file names), and decodes bodies itself so that ISO-2022-JP mail written with
Microsoft's extended characters (①, ㈱) and mislabelled Shift_JIS still reads."""

from __future__ import annotations

import base64
import binascii
import hashlib
import quopri
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

TICKET_NUMBER_RE = re.compile(r"\bCS-(\d{4})-(\d{6})\b")
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")

# Severity as written by customers: our API values, the terms' Japanese words, Microsoft's
# Sev A/B/C and Partner Center's critical / moderate / minimal (DOMAIN.md, Art. 3.3).
_SEVERITY_WORDS: dict[str, str] = {
    "critical": "critical",
    "重大": "critical",
    "a": "critical",
    "seva": "critical",
    "sev a": "critical",
    "high": "high",
    "高": "high",
    "moderate": "high",
    "b": "high",
    "sevb": "high",
    "sev b": "high",
    "non_critical": "non_critical",
    "non-critical": "non_critical",
    "noncritical": "non_critical",
    "重大でない": "non_critical",
    "minimal": "non_critical",
    "low": "non_critical",
    "c": "non_critical",
    "sevc": "non_critical",
    "sev c": "non_critical",
}
_SEVERITY_LINE_RE = re.compile(r"^\s*(?:重大度|severity)\s*[:：]\s*(.+?)\s*$", re.I | re.M)
# In a subject only bracketed words count: a bare 高 also appears in 高速, 最高, ...
_SEVERITY_SUBJECT_RE = re.compile(
    r"[\[【(（]\s*(?:(?:重大度|severity)\s*[:：]\s*)?"
    r"(重大でない|重大|高|critical|high|non[_-]?critical|sev\s?[abc])\s*[\]】)）]"
    r"|(?:重大度|severity)\s*[:：]\s*(重大でない|重大|高|critical|high|non[_-]?critical)",
    re.I,
)

# Where quoted history starts in replies from Outlook, Gmail, Thunderbird and Japanese clients.
_QUOTE_START_RES = [
    re.compile(r"^-{2,}\s*(?:Original Message|元のメッセージ|Forwarded message)\s*-{2,}", re.I),
    re.compile(r"^On .+ wrote:\s*$"),
    re.compile(r"^.{0,80}(?:wrote|書きました|のメッセージ)\s*[:：]\s*$"),
    re.compile(r"^\d{4}[年/-]\d{1,2}[月/-]\d{1,2}日?.*[:：]\s*$"),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(?:From|差出人|送信者)\s*[:：]\s*.+$"),
]

# Charsets that lie in practice: decode with the superset the sender's software really used.
_CHARSET_FALLBACKS: dict[str, tuple[str, ...]] = {
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "x-iso2022jp-ms", "iso2022_jp_2004"),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "shift-jis": ("cp932", "shift_jis_2004"),
    "sjis": ("cp932",),
    "x-sjis": ("cp932",),
    "windows-31j": ("cp932",),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
    "us-ascii": ("utf-8", "cp932"),
    "ascii": ("utf-8", "cp932"),
}

_AUTO_SUPPRESS_VALUES = ("all", "oof", "autoreply")


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    to: list[str]
    subject: str
    text: str
    html: str | None
    in_reply_to: list[str]
    references: list[str]
    attachments: list[MailAttachment] = field(default_factory=list)
    auto_reason: str | None = None
    severity: str | None = None
    ticket_number: str | None = None

    @property
    def is_auto(self) -> bool:
        return self.auto_reason is not None

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, nearest first."""
        seen: list[str] = []
        for message_id in [*self.in_reply_to, *reversed(self.references)]:
            if message_id not in seen:
                seen.append(message_id)
        return seen


def message_from_bytes(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _unescaped(value: str) -> str:
    """Header text as its sender wrote it. Raw 8-bit bytes in a header (a UTF-8 or Shift_JIS
    display name sent without encoded words, by RFC 6532 or a careless client) reach the
    parser as surrogate escapes, which no database, JSON payload or page accepts: they are
    decoded as a body is."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")


def _header(message: Message, name: str) -> str:
    """A header as text; a malformed encoded word never raises, it reads as its raw form."""
    try:
        value = message.get(name)
    except Exception:  # the header parser raises on some broken headers
        value = None
        for key, raw_value in message.raw_items():
            if key.lower() == name.lower():
                value = raw_value
                break
    if value is None:
        return ""
    text = _unescaped(" ".join(str(value).split()))
    if "=?" not in text:
        return text
    # Some encoded word was left undecoded: decode the raw header, every word the same way.
    for key, raw_value in message.raw_items():
        if key.lower() == name.lower():
            return _encoded_words_decode(" ".join(str(raw_value).split()))
    return text


_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS_RE = re.compile(r"(\?=)\s+(=\?)")


def _encoded_words_decode(text: str) -> str:
    """Encoded words the standard library left undecoded because their charset lied (an
    ISO-2022-JP subject with ①): decoded with the same fallbacks as bodies."""

    def decode(match: re.Match[str]) -> str:
        charset, encoding, payload = match.groups()
        try:
            if encoding.lower() == "b":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                data = quopri.decodestring(payload.replace("_", " ").encode(), header=True)
        except (ValueError, binascii.Error):
            return match.group(0)
        return decode_bytes(data, charset.split("*")[0])

    # RFC 2047 §6.2: white space between adjacent encoded words is not displayed.
    return _ENCODED_WORD_RE.sub(decode, _BETWEEN_WORDS_RE.sub(r"\1\2", text))


def _iso2022jp_ms(data: bytes) -> str:
    """ISO-2022-JP as Microsoft writes it (CP50220): JIS X 0208 rows with the NEC and IBM
    extensions (①, ㈱, 髙). Python has no such codec: each two-byte JIS run is shifted to
    Shift_JIS and read as CP932, which holds the same extensions."""
    out = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        if data[index] == 0x1B and index + 2 < len(data):
            sequence = data[index + 1 : index + 3]
            if sequence in (b"$B", b"$@"):
                mode = "jis"
            elif sequence == b"(I":
                mode = "kana"
            elif sequence in (b"(B", b"(J"):
                mode = "ascii"
            else:
                raise UnicodeDecodeError("iso2022_jp", data, index, index + 3, "escape")
            index += 3
            continue
        byte = data[index]
        if mode == "jis" and byte not in (0x0A, 0x0D):
            if index + 1 >= len(data):
                raise UnicodeDecodeError("iso2022_jp", data, index, index + 1, "truncated")
            row, cell = byte, data[index + 1]
            first = (row + 1) // 2 + 0x70
            first = first + 0x40 if first >= 0xA0 else first
            if row % 2:
                second = cell + 0x1F
                second = second + 1 if second >= 0x7F else second
            else:
                second = cell + 0x7E
            out += bytes((first, second))
            index += 2
            continue
        out.append(byte + 0x80 if mode == "kana" else byte)
        index += 1
    return out.decode("cp932")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes of a text part to str: the declared charset, its real-world supersets, UTF-8,
    CP932, and finally the declared charset with replacement characters."""
    declared = (charset or "us-ascii").strip().strip('"').lower()
    candidates = [*_CHARSET_FALLBACKS.get(declared, (declared,)), "utf-8", "cp932"]
    for candidate in candidates:
        try:
            if candidate == "x-iso2022jp-ms":
                return _iso2022jp_ms(data)
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    try:
        return data.decode(declared, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset())


class _HtmlToText(HTMLParser):
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    )
    _SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("・")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML mail body (Outlook's included)."""
    parser = _HtmlToText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything left is not worth a lost mail
        return unescape(re.sub(r"<[^>]+>", " ", html))
    lines = [
        " ".join(line.replace("\xa0", " ").split()) for line in "".join(parser.parts).split("\n")
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _safe_filename(name: str, fallback: str) -> str:
    """A file name that cannot leave its folder: no path parts, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if not name:
        return fallback
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "message/rfc822": ".eml",
}


def _walk(message: Message) -> tuple[list[str], list[str], list[MailAttachment]]:
    """Text bodies, HTML bodies and attachments, in document order. message/rfc822 parts
    (forwarded mail, bounced originals) are attachments, not bodies."""
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[MailAttachment] = []

    def visit(part: Message) -> None:
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            for sub in part.get_payload():
                assert isinstance(sub, Message)  # a multipart's payload is its parts
                visit(sub)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            payload = first.as_bytes() if isinstance(first, Message) else b""
            attachments.append(
                MailAttachment(
                    filename=_safe_filename(filename or "", f"message{len(attachments) + 1}.eml"),
                    content_type=content_type,
                    content=payload,
                )
            )
            return
        is_body = disposition != "attachment" and not filename
        if is_body and content_type == "text/plain":
            texts.append(_part_text(part))
            return
        if is_body and content_type == "text/html":
            htmls.append(_part_text(part))
            return
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            return
        content_id = _header(part, "Content-ID").strip("<> ") or None
        number = len(attachments) + 1
        fallback = f"attachment{number}{_EXTENSIONS.get(content_type, '.bin')}"
        attachments.append(
            MailAttachment(
                filename=_safe_filename(filename or "", fallback),
                content_type=content_type,
                content=data,
                inline=disposition == "inline" or bool(content_id and not filename),
                content_id=content_id,
            )
        )

    visit(message)
    return texts, htmls, attachments


def auto_reason(message: Message) -> str | None:
    """Why a mail is machine-made and must never be answered (RFC 3834, RFC 3464, Exchange),
    or None for a mail written by a person."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto_submitted:{auto_submitted.split(';')[0].strip()}"
    # Exchange puts this on its own out-of-office and automatic replies; "All" / "OOF" /
    # "AutoReply" mark mail that must not trigger another automatic answer.
    suppress = _header(message, "X-Auto-Response-Suppress").lower()
    if suppress and any(value in suppress for value in _AUTO_SUPPRESS_VALUES):
        return f"x_auto_response_suppress:{suppress}"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence:{precedence}"
    if message.get_content_type() == "multipart/report":
        return f"report:{message.get_param('report-type') or 'unknown'}"
    for part in message.walk():
        if part.get_content_type() in (
            "message/delivery-status",
            "message/disposition-notification",
        ):
            return f"report:{part.get_content_type().split('/')[1]}"
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "x_autoreply"
    if _header(message, "Return-Path").strip() == "<>":
        return "null_return_path"
    sender = parseaddr(_header(message, "From"))[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "mailer_daemon"
    return None


def severity_from(*, subject: str, text: str) -> str | None:
    """The severity the sender named: a `重大度:` / `Severity:` line in the body first,
    then a bracketed word in the subject; None when the mail does not say."""
    for match in _SEVERITY_LINE_RE.finditer(text):
        value = match.group(1).strip().strip("[]【】()（）").strip().lower()
        value = value.split()[0] if value.split() and value.split()[0] in _SEVERITY_WORDS else value
        if value in _SEVERITY_WORDS:
            return _SEVERITY_WORDS[value]
        for word in ("重大でない", "重大", "高"):
            if value.startswith(word):
                return _SEVERITY_WORDS[word]
    subject_match = _SEVERITY_SUBJECT_RE.search(subject)
    if subject_match:
        word = (subject_match.group(1) or subject_match.group(2)).lower().replace(" ", "")
        return _SEVERITY_WORDS.get(word) or _SEVERITY_WORDS.get(word.replace("-", "_"))
    return None


def ticket_number_from(subject: str) -> str | None:
    match = TICKET_NUMBER_RE.search(subject)
    return f"CS-{match.group(1)}-{match.group(2)}" if match else None


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything above the quoted history. The full mail is kept
    in InboundMail.raw, so nothing is lost by showing less."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index > 0 and any(pattern.match(stripped) for pattern in _QUOTE_START_RES):
            head = "\n".join(lines[:index]).rstrip()
            if head.strip():
                return _drop_trailing_quote(head)
            break
    return _drop_trailing_quote(text.rstrip())


def _drop_trailing_quote(text: str) -> str:
    lines = text.splitlines()
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    result = "\n".join(lines).rstrip()
    return result if result.strip() else text


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value)


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a mail without a Message-ID, so a second delivery is still found."""
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def parse(raw: bytes) -> ParsedMail:
    """Everything the desk needs from one RFC 5322 message."""
    message = message_from_bytes(raw)
    ids = _message_ids(_header(message, "Message-ID"))
    message_id = ids[0] if ids else synthetic_message_id(raw)
    from_header = _header(message, "From")
    try:
        addresses = message["From"].addresses if message["From"] is not None else ()
        from_name = addresses[0].display_name if addresses else ""
        from_address = addresses[0].addr_spec if addresses else ""
    except Exception:  # a broken From header still yields its address
        from_name, from_address = parseaddr(from_header)
    to = [address for _name, address in getaddresses([_header(message, "To")]) if address]
    subject = _header(message, "Subject")
    texts, htmls, attachments = _walk(message)
    html = "\n".join(htmls) if htmls else None
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return ParsedMail(
        message_id=message_id[:998],
        from_address=_unescaped(from_address).strip().lower(),
        from_name=_unescaped(from_name),
        to=to,
        subject=subject,
        text=text,
        html=html,
        in_reply_to=_message_ids(_header(message, "In-Reply-To")),
        references=_message_ids(_header(message, "References")),
        attachments=attachments,
        auto_reason=auto_reason(message),
        severity=severity_from(subject=subject, text=text),
        ticket_number=ticket_number_from(subject),
    )
