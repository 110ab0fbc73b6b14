"""The fake Microsoft on loopback, started per test, with the settings pointing at it."""

from __future__ import annotations

import pytest

from tests.microsoft.fake import FakeMicrosoft


@pytest.fixture
def fake_microsoft(settings):
    fake = FakeMicrosoft().start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    yield fake
    fake.stop()


@pytest.fixture
def agent_client(agent):
    from django.test import Client

    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def signer(fake_microsoft, settings, tmp_path):
    """Signed Partner Center events, from a test PKI the settings trust."""
    from microsoft import signature
    from tests.microsoft.fake import WebhookSigner

    ca_file = tmp_path / "roots.pem"
    signer = WebhookSigner(fake_microsoft, str(ca_file))
    settings.PARTNER_CENTER_WEBHOOK_CA_FILE = str(ca_file)
    settings.PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS = [f"{fake_microsoft.url}/cert/"]
    signature.cache_clear()
    yield signer
    signature.cache_clear()
