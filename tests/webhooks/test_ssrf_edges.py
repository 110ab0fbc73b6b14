"""Webhook targets outside the public internet that the private/loopback checks miss: the
shared address space (100.64.0.0/10, where some clouds serve instance metadata) and NAT64 or
IPv4-compatible spellings of loopback."""

from __future__ import annotations

import pytest

from webhooks.delivery import url_problem


@pytest.mark.parametrize(
    "url",
    [
        "https://100.100.100.200/latest/meta-data",
        "https://100.64.0.1/in",
        "https://[64:ff9b::7f00:1]/in",
        "https://[::127.0.0.1]/in",
        "https://[::ffff:127.0.0.1]/in",
    ],
)
def test_non_global_addresses_are_refused(url, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    assert url_problem(url) == "private_address"


def test_a_public_address_is_accepted(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    assert url_problem("https://203.0.114.10/in") is None
