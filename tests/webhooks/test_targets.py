"""Webhook targets: what a reseller may point the desk's POSTs at (webhooks/targets.py).

Addresses outside the public internet are refused however they are spelt (IPv6 embeddings of
a private IPv4 address included), at registration as at delivery; a failed delivery reads the
same whether the port was closed, silent or reset; only explicit settings relax the guard."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from notifications import delivery as channels
from notifications.models import OutboxMessage
from tests.api.conftest import token_client
from tests.factories import TicketFactory
from webhooks.delivery import deliver
from webhooks.models import Webhook, WebhookDelivery
from webhooks.targets import address_refused, embedded_ipv4, url_problem

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-very-long-shared-secret-0123456789"


@pytest.fixture
def guarded(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    "address",
    [
        # private, loopback, link-local (cloud metadata), shared address space
        "10.0.0.5",
        "127.0.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "::1",
        "fe80::1",
        "fc00::1",
        # IPv4-mapped, IPv4-compatible and SIIT-translated spellings of private IPv4
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "::ffff:0:a00:1",
        # 6to4 (2002::/16) carrying loopback, a private and the metadata address
        "2002:7f00:1::1",
        "2002:a00:5::1",
        "2002:a9fe:a9fe::1",
        # NAT64: the well-known prefix with private IPv4 inside, and the local-use prefix
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::5db8:d822",
        # Teredo (2001::/32)
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        # ISATAP interface identifiers in a public prefix, with loopback / private IPv4 inside
        "2606:4700:10::5efe:7f00:1",
        "2606:4700:10::200:5efe:a00:1",
    ],
)
def test_addresses_outside_the_public_internet_are_refused(address):
    assert address_refused(address) is True


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "2606:4700:10::6816:1",
        # a public IPv4 server through the network's NAT64 gateway (DNS64), 6to4 and mapped
        "64:ff9b::5db8:d822",
        "2002:5db8:d822::1",
        "::ffff:93.184.216.34",
    ],
)
def test_public_addresses_are_accepted(address):
    assert address_refused(address) is False


def test_embedded_addresses_are_found():
    found = embedded_ipv4(ipaddress.IPv6Address("2002:a00:5::5efe:7f00:1"))

    assert [str(ip) for ip in found] == ["10.0.0.5", "127.0.0.1"]


@pytest.mark.parametrize(
    "url",
    [
        "https://[2002:7f00:1::1]/in",
        "https://[2606:4700:10::5efe:a9fe:a9fe]/latest/meta-data",
        "https://[64:ff9b::a00:1]/in",
        "https://localhost./in",
    ],
)
def test_urls_with_embedded_private_addresses_are_refused(url, guarded):
    assert url_problem(url) == "private_address"


def _resolving(monkeypatch, name: str, address: str) -> None:
    """The desk's resolver answers `name` with `address` (DNS is the outside world here)."""
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == name:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("address", ["10.1.2.3", "2002:a00:1::1"])
def test_api_registration_resolves_the_name_and_refuses_a_private_target(
    reseller_a_user, guarded, monkeypatch, address
):
    # given a name that resolves inside the desk's network
    _resolving(monkeypatch, "hooks.internal.example.net", address)

    # when a reseller registers it
    response = token_client(reseller_a_user).post(
        "/api/v1/webhooks/",
        {
            "url": "https://hooks.internal.example.net/in",
            "secret": SECRET,
            "events": ["ticket.created"],
        },
        format="json",
    )

    # then it is refused, naming the field, and nothing is stored
    assert response.status_code == 400, response.content
    assert response.json()["fields"] == {"url": ["private_address"]}
    assert Webhook.objects.count() == 0


def test_api_registration_accepts_a_public_target(reseller_a_user, guarded, monkeypatch):
    _resolving(monkeypatch, "hooks.reseller-a.example.net", "93.184.216.34")

    response = token_client(reseller_a_user).post(
        "/api/v1/webhooks/",
        {
            "url": "https://hooks.reseller-a.example.net/in",
            "secret": SECRET,
            "events": ["ticket.created"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content


def test_admin_registration_refuses_a_private_target(client, reseller_a, guarded, monkeypatch):
    _resolving(monkeypatch, "hooks.internal.example.net", "192.168.10.20")
    admin = get_user_model().objects.create_superuser("root", "root@example.jp", "pw-123456789")
    client.force_login(admin)

    response = client.post(
        "/admin/webhooks/webhook/add/",
        {
            "reseller": reseller_a.pk,
            "url": "https://hooks.internal.example.net/in",
            "secret": SECRET,
            "events": ["ticket.created"],
            "is_active": "on",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "url" in response.context["adminform"].form.errors
    assert Webhook.objects.count() == 0


# --- what a failed delivery tells -----------------------------------------------------------


def _silent_server() -> tuple[socket.socket, int]:
    """Accepts connections and never answers (a filtering firewall looks the same: a timeout)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server, server.getsockname()[1]


def _resetting_server() -> tuple[socket.socket, int]:
    """Accepts and closes at once, before any HTTP answer."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_closed_silent_and_resetting_ports_read_the_same(
    reseller_a, customer_a, admin_contact_a, subscription_a, settings
):
    # given targets on loopback (allowed explicitly here) with a port closed, one that never
    # answers and one that drops the connection
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    silent, silent_port = _silent_server()
    resetting, resetting_port = _resetting_server()
    ports = {"closed": _closed_port(), "silent": silent_port, "reset": resetting_port}
    errors = {}
    try:
        for name, port in ports.items():
            webhook = Webhook.objects.create(
                reseller=reseller_a,
                url=f"http://127.0.0.1:{port}/hooks",
                secret=SECRET,
                events=["ticket.created"],
            )
            TicketFactory(
                customer=customer_a, subscription=subscription_a, requester=admin_contact_a
            )
            queued = OutboxMessage.objects.get(channel="webhook", payload__webhook_id=webhook.pk)
            # when each delivery is attempted
            with pytest.raises(channels.DeliveryError) as raised:
                deliver(queued.payload)
            errors[name] = (
                WebhookDelivery.objects.get(uuid=queued.payload["delivery"]).last_error,
                str(raised.value).split(": ", 1)[1],
            )
            webhook.delete()
    finally:
        silent.close()
        resetting.close()

    # then the reseller's delivery list and the outbox read the same for all three
    assert errors == {name: ("connection_failed", "connection_failed") for name in ports}


# --- settings --------------------------------------------------------------------------------


def _settings_in_a_fresh_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WEBHOOK_"))}
    clean.update(env)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.WEBHOOK_ALLOW_HTTP, settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_alone_never_relaxes_the_guard():
    assert _settings_in_a_fresh_process(DJANGO_DEBUG="1") == "False False"


def test_explicit_settings_relax_it_for_a_local_receiver():
    assert (
        _settings_in_a_fresh_process(
            DJANGO_DEBUG="1", WEBHOOK_ALLOW_HTTP="1", WEBHOOK_ALLOW_PRIVATE_NETWORKS="1"
        )
        == "True True"
    )
