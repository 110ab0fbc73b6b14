"""The agents' held list at /mail/held/: desk staff only, a constant number of queries."""

from __future__ import annotations

import pytest

from accounts.models import Profile
from mail import services
from tests.factories import UserFactory
from tests.mail.conftest import sample

pytestmark = pytest.mark.django_db

URL = "/mail/held/"


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def held(number: int) -> None:
    raw = (
        f"From: stranger{number}@example.com\r\nMessage-ID: <held{number}@example.com>\r\n"
        f"Subject: =?UTF-8?B?5Y+X5LuY?= {number}\r\n\r\nhi\r\n"
    ).encode()
    services.inbound_receive(raw=raw)


def test_anonymous_users_log_in_first(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reseller_api_users_and_subcontractors_are_refused(client, reseller_a_user, world):
    held(1)
    subcontractor = UserFactory(username="sub", roles=["subcontractor_agent"])
    Profile.objects.create(user=subcontractor)

    for user in (reseller_a_user, subcontractor):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert b"stranger1@example.com" not in response.content


def test_agents_see_held_mail_newest_first(client, agent, world, django_assert_max_num_queries):
    for number in range(5):
        held(number)
    services.inbound_receive(raw=sample("iso2022jp_plain.eml"))  # opens a ticket: not held
    client.force_login(agent)

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
    mails = list(response.context["mails"])
    assert [mail.from_address for mail in mails] == [
        f"stranger{number}@example.com" for number in (4, 3, 2, 1, 0)
    ]
    content = response.content.decode()
    assert "受付 3" in content
    assert "unknown_sender" in content
    assert "yamada@customer-a.example.jp" not in content
