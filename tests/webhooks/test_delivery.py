"""The signed POST: what a receiver gets, what it can verify, and how failures are retried by
the outbox dispatcher."""

from __future__ import annotations

import json
import socket
import time

import pytest

from notifications import delivery as channels
from notifications.models import OutboxMessage
from notifications.tasks import outbox_dispatch
from tests.factories import TicketFactory
from tests.webhooks.conftest import SECRET
from webhooks.delivery import deliver, signature, signature_verify, url_problem
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(webhook_a, customer_a, admin_contact_a, subscription_a) -> OutboxMessage:
    """A ticket opened for reseller A: its `ticket.created` delivery waits in the outbox."""
    TicketFactory(customer=customer_a, subscription=subscription_a, requester=admin_contact_a)
    return OutboxMessage.objects.get(channel="webhook", payload__body__event="ticket.created")


def test_the_webhook_deliverer_is_installed():
    assert channels.DELIVERERS["webhook"] is deliver


def test_post_is_signed_and_verifiable(queued, receiver, local_targets):
    # when the deliverer sends the queued event
    deliver(queued.payload)

    # then the receiver got the JSON body with a signature it can verify with the secret
    [request] = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-helpdesk-event"] == "ticket.created"
    assert headers["x-helpdesk-delivery"] == queued.payload["delivery"]
    assert signature_verify(
        secret=SECRET,
        timestamp=headers["x-helpdesk-timestamp"],
        body=request.body,
        header=headers["x-helpdesk-signature"],
    )
    assert headers["x-helpdesk-signature"].startswith("sha256=")
    assert json.loads(request.body) == queued.payload["body"]
    recorded = WebhookDelivery.objects.get(uuid=queued.payload["delivery"])
    assert (recorded.outcome, recorded.response_status, recorded.attempts) == ("delivered", 200, 1)
    assert recorded.delivered_at is not None


def test_signature_refuses_tampering_and_old_timestamps():
    body = b'{"event":"ticket.created"}'
    now = 1_780_000_000
    header = signature(secret=SECRET, timestamp=now, body=body)

    assert signature_verify(secret=SECRET, timestamp=str(now), body=body, header=header, now=now)
    assert not signature_verify(
        secret=SECRET, timestamp=str(now), body=body + b" ", header=header, now=now
    )
    assert not signature_verify(
        secret="another-secret-xxxxxxxxxxxxxx",
        timestamp=str(now),
        body=body,
        header=header,
        now=now,
    )
    assert not signature_verify(
        secret=SECRET, timestamp=str(now), body=body, header=header, now=now + 301
    )
    assert not signature_verify(secret=SECRET, timestamp="soon", body=body, header=header)


@pytest.mark.parametrize(
    ("status", "location"), [(500, ""), (410, ""), (302, "https://x.example/")]
)
def test_a_non_2xx_answer_raises_for_a_retry(queued, receiver, local_targets, status, location):
    receiver.status, receiver.location = status, location

    with pytest.raises(channels.DeliveryError, match=f"HTTP {status}"):
        deliver(queued.payload)

    assert len(receiver.requests) == 1  # the redirect is not followed
    recorded = WebhookDelivery.objects.get(uuid=queued.payload["delivery"])
    assert (recorded.outcome, recorded.response_status, recorded.attempts) == (
        "failed_attempt",
        status,
        1,
    )


def test_a_switched_off_webhook_is_skipped_without_a_request(
    queued, receiver, webhook_a, local_targets
):
    webhook_a.is_active = False
    webhook_a.save()

    deliver(queued.payload)

    assert receiver.requests == []
    assert WebhookDelivery.objects.get(uuid=queued.payload["delivery"]).outcome == "skipped"


def test_private_addresses_are_refused_unless_allowed(queued, receiver, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    with pytest.raises(channels.DeliveryError, match="private_address"):
        deliver(queued.payload)

    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/in", "https_required"),
        ("https://10.0.0.5/in", "private_address"),
        ("https://169.254.169.254/latest/meta-data", "private_address"),
        ("https://[::1]/in", "private_address"),
        ("https://localhost/in", "private_address"),
        ("https://user:pw@hooks.example.com/in", "credentials_in_url"),
        ("https://hooks.example.com:99999/in", "invalid_url"),
        ("https://hooks.example.com/in", None),
    ],
)
def test_url_rules(url, problem, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    assert url_problem(url) == problem


def test_dispatcher_retries_with_backoff_then_delivers(queued, receiver, local_targets):
    # given a receiver that is down
    receiver.status = 503

    # when the dispatcher runs
    assert outbox_dispatch() == 0

    # then the message waits for a retry with backoff
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("pending", 1)
    assert queued.next_attempt_at is not None
    assert "HTTP 503" in queued.last_error

    # when the receiver is back and the retry is due
    receiver.status = 200
    OutboxMessage.objects.filter(pk=queued.pk).update(next_attempt_at=queued.created_at)
    assert outbox_dispatch() == 1

    # then it is sent, and the delivery shows two attempts, the last one delivered
    queued.refresh_from_db()
    assert queued.status == "sent"
    recorded = WebhookDelivery.objects.get(uuid=queued.payload["delivery"])
    assert (recorded.outcome, recorded.attempts, recorded.response_status) == ("delivered", 2, 200)
    assert len(receiver.requests) == 2
    # the same delivery id on every attempt: receivers deduplicate on it
    assert {r.headers["X-Helpdesk-Delivery"] for r in receiver.requests} == {str(recorded.uuid)}
    assert abs(int(receiver.requests[1].headers["X-Helpdesk-Timestamp"]) - time.time()) < 60


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_dns_rebinding_reaches_nothing(scheme, queued, receiver, webhook_a, settings, monkeypatch):
    """The name resolves to a public address for the check and to 127.0.0.1 for the
    connection: the address actually connected to is refused, and the receiver gets nothing."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    webhook_a.url = f"{scheme}://hooks.rebind.test:{port}/hooks"
    webhook_a.save()
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding_dns(host, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real_getaddrinfo(host, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)

    with pytest.raises(channels.DeliveryError, match="private_address"):
        deliver(queued.payload)

    assert receiver.requests == []
    attempt = WebhookDelivery.objects.get(uuid=queued.payload["delivery"])
    assert (attempt.outcome, attempt.last_error) == ("failed_attempt", "private_address")
