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

Private networks are refused three times (the rules: `webhooks.targets`): at registration, by
name before the request (`url_problem`, a clear error), and by the address the socket actually
connected to, so a host name that resolves to a public address for the check and to 127.0.0.1
for the connection (DNS rebinding) reaches nothing.

What a reseller reads of a failed attempt (`last_error` in its delivery list) is the HTTP status
the receiver answered, or "connection_failed" for every network failure alike: refused, reset,
timed out, unreachable or a TLS failure read the same, so the list cannot be used to tell open
ports from closed or filtered ones. The detail goes to the server's log for the operators.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from notifications.delivery import DeliveryError
from webhooks.models import Webhook, WebhookDelivery
from webhooks.services import delivery_record_attempt
from webhooks.targets import address_refused, url_problem

__all__ = ["deliver", "signature", "signature_verify", "url_problem"]

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


class PrivateAddressRefused(OSError):
    """The connection reached an address inside a private network."""


def _connect_checked(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
    """socket.create_connection, then the peer's address checked: the address connected to is
    the one that counts, whatever the name resolved to a moment earlier."""
    sock = socket.create_connection(address, *args, **kwargs)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        peer = str(sock.getpeername()[0])
        if address_refused(peer):
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
    problem = url_problem(webhook.url, resolve_name=True)
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
        problem = "private_address" if refused else "connection_failed"
        logger.info("webhook %s: %s (%s: %s)", webhook.pk, problem, type(error).__name__, error)
        delivery_record_attempt(
            delivery_uuid=delivery_uuid, outcome=Outcome.FAILED_ATTEMPT, error=problem
        )
        raise DeliveryError(f"webhook {webhook.pk}: {problem}") from error
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
