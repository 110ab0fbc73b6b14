"""The webhook POST: `deliver(payload)` is the outbox deliverer of channel "webhook"
(installed in `notifications.delivery.DELIVERERS` by `WebhooksConfig.ready`).

Each request is signed with HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret:

    X-Helpdesk-Timestamp: 1779692400
    X-Helpdesk-Signature: sha256=<hex>
    X-Helpdesk-Event: ticket.status_changed
    X-Helpdesk-Delivery: <uuid>   (the same on every retry: receivers deduplicate on it)

A receiver recomputes the signature and refuses timestamps older than a few minutes
(`signature_verify`). Any answer other than 2xx, a timeout or a network error raises
`DeliveryError`, and the dispatcher retries with backoff; redirects are not followed.

Private networks are refused twice: by name before the request (`url_problem`, a clear error),
and by the address the socket actually connected to, so a host name that resolves to a public
address for the check and to 127.0.0.1 for the connection (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from notifications.delivery import DeliveryError
from webhooks.models import Webhook, WebhookDelivery
from webhooks.services import delivery_record_attempt

logger = logging.getLogger(__name__)
Outcome = WebhookDelivery.Outcome
SIGNATURE_TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_verify(
    *, secret: str, timestamp: str, body: bytes, header: str, now: float | None = None
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (replays of an
    old request are refused)."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - moment) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=moment, body=body), header)


def _address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        # Shared address space (100.64.0.0/10) is neither private nor global: some clouds
        # serve instance metadata there (100.100.100.200).
        or not ip.is_global
    )


def url_problem(url: str, *, resolve: bool = False) -> str | None:
    """Why a reseller's URL may not receive webhooks, or None. Plain http and addresses inside
    private networks (the desk's own servers, cloud metadata) only where settings allow."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "invalid_url"
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        return "https_required"
    if not host:
        return "invalid_url"
    if parts.username or parts.password:
        return "credentials_in_url"
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return None
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            return "private_address"
        if not resolve:
            return None
        try:
            addresses = [info[4][0] for info in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError):
            return "unresolvable_host"
    if any(_address_refused(address) for address in addresses):
        return "private_address"
    return None


class PrivateAddressRefused(OSError):
    """The connection reached an address inside a private network."""


def _connect_checked(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
    """socket.create_connection, then the peer's address checked: the address connected to is
    the one that counts, whatever the name resolved to a moment earlier."""
    sock = socket.create_connection(address, *args, **kwargs)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        peer = str(sock.getpeername()[0])
        if _address_refused(peer.split("%", 1)[0]):
            sock.close()
            raise PrivateAddressRefused(f"private_address: {peer}")
    return sock


class _CheckedConnect:
    """Mixin for http.client connections: every socket goes through `_connect_checked`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked


class _CheckedHTTPConnection(_CheckedConnect, http.client.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnect, http.client.HTTPSConnection):
    pass


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Direct connections only (no proxy from the environment), no redirects, and every
# connection's address checked.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect(), _CheckedHTTPHandler(), _CheckedHTTPSHandler()
)


def deliver(payload: dict[str, Any]) -> None:
    """POST one delivery. Returns when the receiver answered 2xx (or when the webhook was
    switched off or removed meanwhile: nothing to send); raises DeliveryError otherwise."""
    delivery_uuid = str(payload["delivery"])
    webhook = Webhook.objects.filter(pk=payload["webhook_id"]).first()
    if webhook is None or not webhook.is_active:
        delivery_record_attempt(
            delivery_uuid=delivery_uuid, outcome=Outcome.SKIPPED, error="webhook_inactive"
        )
        return
    problem = url_problem(webhook.url, resolve=True)
    if problem is None and not webhook.secret_readable:
        logger.error(
            "webhook %s: its secret cannot be decrypted with the configured keys", webhook.pk
        )
        problem = "secret_unreadable"
    if problem is not None:
        delivery_record_attempt(
            delivery_uuid=delivery_uuid, outcome=Outcome.FAILED_ATTEMPT, error=problem
        )
        raise DeliveryError(f"webhook {webhook.pk}: {problem}")
    body = json.dumps(payload["body"], ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "CSP-Helpdesk-Webhook/1.0",
            "X-Helpdesk-Event": str(payload["body"].get("event", "")),
            "X-Helpdesk-Delivery": delivery_uuid,
            "X-Helpdesk-Timestamp": str(timestamp),
            "X-Helpdesk-Signature": signature(
                secret=webhook.secret, timestamp=timestamp, body=body
            ),
        },
    )
    status: int | None = None
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError, ValueError) as error:
        refused = isinstance(getattr(error, "reason", error), PrivateAddressRefused)
        delivery_record_attempt(
            delivery_uuid=delivery_uuid,
            outcome=Outcome.FAILED_ATTEMPT,
            error="private_address" if refused else f"{type(error).__name__}: {error}",
        )
        raise DeliveryError(f"webhook {webhook.pk}: {error}") from error
    if 200 <= status < 300:
        delivery_record_attempt(
            delivery_uuid=delivery_uuid, outcome=Outcome.DELIVERED, response_status=status
        )
        return
    delivery_record_attempt(
        delivery_uuid=delivery_uuid,
        outcome=Outcome.FAILED_ATTEMPT,
        response_status=status,
        error=f"HTTP {status}",
    )
    raise DeliveryError(f"webhook {webhook.pk}: HTTP {status}")
