"""The fake Microsoft on loopback, started per test, with the settings pointing at it."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Organisation, Profile
from microsoft import signature
from tests.factories import OrganisationFactory, UserFactory
from tests.microsoft.fake import FakeMicrosoft, WebhookSigner


@pytest.fixture
def fake_microsoft(settings):
    fake = FakeMicrosoft().start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    yield fake
    fake.stop()


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def signer(fake_microsoft, settings, tmp_path):
    """Signed Partner Center events, from a test PKI the settings trust."""
    ca_file = tmp_path / "roots.pem"
    signer = WebhookSigner(fake_microsoft, str(ca_file))
    settings.PARTNER_CENTER_WEBHOOK_CA_FILE = str(ca_file)
    settings.PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS = [f"{fake_microsoft.url}/cert/"]
    signature.cache_clear()
    yield signer
    signature.cache_clear()


@pytest.fixture
def subcontractor(db):
    user = UserFactory(username="sub-agent", roles=["subcontractor_agent"])
    Profile.objects.create(
        user=user,
        organisation=OrganisationFactory(name="再委託先A", kind=Organisation.Kind.SUBCONTRACTOR),
    )
    return user
