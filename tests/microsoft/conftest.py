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
