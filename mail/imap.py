"""The desk's IMAP mailbox through the standard library: LOGIN with a password, or
AUTHENTICATE XOAUTH2 with an OAuth 2.0 access token (Exchange Online takes no basic auth).
Settings and secrets come from the environment (helpdesk/settings.py, IMAP_*)."""

from __future__ import annotations

import datetime
import imaplib
import re
import shlex
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings


class MailboxError(Exception):
    """The mailbox could not be reached or refused a command (transient: retry later)."""


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str = ""
    oauth2_token: str = ""
    oauth2_token_command: str = ""
    use_ssl: bool = True
    starttls: bool = False
    folder: str = "INBOX"
    processed_folder: str = ""
    timeout: int = 30

    @classmethod
    def from_settings(cls) -> MailboxConfig:
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            oauth2_token=settings.IMAP_OAUTH2_TOKEN,
            oauth2_token_command=settings.IMAP_OAUTH2_TOKEN_COMMAND,
            use_ssl=settings.IMAP_SSL,
            starttls=settings.IMAP_STARTTLS,
            folder=settings.IMAP_FOLDER,
            processed_folder=settings.IMAP_PROCESSED_FOLDER,
            timeout=settings.IMAP_TIMEOUT,
        )

    @property
    def configured(self) -> bool:
        return bool(self.host and self.user)

    def __repr__(self) -> str:  # never print a secret in a log or a traceback
        return f"MailboxConfig(host={self.host!r}, port={self.port}, user={self.user!r})"


def xoauth2_string(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google / Microsoft): user, bearer token."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauth2_token(config: MailboxConfig) -> str:
    """A fresh access token: from the token command when set (tokens live an hour), else
    the static token."""
    if config.oauth2_token_command:
        try:
            result = subprocess.run(
                shlex.split(config.oauth2_token_command),
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise MailboxError(
                f"IMAP_OAUTH2_TOKEN_COMMAND failed: {type(error).__name__}"
            ) from error
        return result.stdout.strip()
    return config.oauth2_token


@dataclass(frozen=True)
class FetchedMail:
    uid: bytes
    raw: bytes
    delivered_at: datetime.datetime | None


_INTERNALDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')


class Mailbox:
    """One IMAP session on the desk's folder; use as a context manager."""

    def __init__(self, config: MailboxConfig) -> None:
        self.config = config
        self.connection: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> None:
        config = self.config
        try:
            if config.use_ssl:
                connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    config.host,
                    config.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=config.timeout,
                )
            else:
                connection = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
                if config.starttls:
                    connection.starttls(ssl_context=ssl.create_default_context())
            self.connection = connection
            if config.oauth2_token or config.oauth2_token_command:
                token = oauth2_token(config)
                connection.authenticate(
                    "XOAUTH2", lambda _challenge: xoauth2_string(config.user, token)
                )
            else:
                connection.login(config.user, config.password)
            status, _data = connection.select(self._quote(config.folder))
            if status != "OK":
                raise MailboxError(f"cannot select folder {config.folder!r}")
        except (imaplib.IMAP4.error, OSError) as error:
            self.close()
            raise MailboxError(f"IMAP {config.host}:{config.port}: {error}") from error

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            if self.connection.state == "SELECTED":
                self.connection.close()
            self.connection.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
        self.connection = None

    @staticmethod
    def _quote(folder: str) -> str:
        return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def _command(self, *args) -> list:
        assert self.connection is not None
        try:
            status, data = self.connection.uid(*args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxError(f"IMAP UID {args[0]}: {error}") from error
        if status != "OK":
            raise MailboxError(f"IMAP UID {args[0]}: {status} {data!r}")
        return data

    def unseen_uids(self, limit: int) -> list[bytes]:
        data = self._command("SEARCH", None, "UNSEEN")
        uids = data[0].split() if data and data[0] else []
        return uids[:limit]

    def fetch(self, uid: bytes) -> FetchedMail | None:
        """The full message without setting \\Seen (BODY.PEEK): it is marked only after the
        database has committed it."""
        data = self._command("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                meta, raw = item
                match = _INTERNALDATE_RE.search(meta)
                delivered_at = _internaldate_utc(match.group(1).decode()) if match else None
                return FetchedMail(uid=uid, raw=bytes(raw), delivered_at=delivered_at)
        return None

    def mark_done(self, uid: bytes) -> None:
        """\\Seen, and moved to the processed folder when one is configured."""
        self._command("STORE", uid, "+FLAGS", "(\\Seen)")
        folder = self.config.processed_folder
        if not folder:
            return
        assert self.connection is not None
        capabilities = getattr(self.connection, "capabilities", ())
        if "MOVE" in capabilities:
            self._command("MOVE", uid, self._quote(folder))
        else:
            self._command("COPY", uid, self._quote(folder))
            self._command("STORE", uid, "+FLAGS", "(\\Deleted)")
            self.connection.expunge()

    def unseen(self, limit: int) -> Iterator[FetchedMail]:
        for uid in self.unseen_uids(limit):
            fetched = self.fetch(uid)
            if fetched is not None:
                yield fetched


def _internaldate_utc(value: str) -> datetime.datetime | None:
    """IMAP INTERNALDATE ("25-Nov-2026 09:00:00 +0900") as an aware instant."""
    try:
        return datetime.datetime.strptime(value.strip(), "%d-%b-%Y %H:%M:%S %z").astimezone(
            datetime.UTC
        )
    except ValueError:
        return None
