"""Login lockout per account and per address (django-axes, accounts/lockout.py): the workspace
login and the admin login; the locked page says so in the request's language; the event is
logged; a success clears its account's failures; the cool-off ends the lockout."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password
LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def _login(
    username: str,
    password: str,
    address: str = "198.51.100.7",
    path="/accounts/login/",
    language="ja",
):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    fields = {"username": username, "password": password}
    if path.startswith("/admin/"):
        fields["next"] = "/admin/"
    return client.post(path, fields)


def _locked(response) -> bool:
    return response.status_code == 429 and b"data-lockout" in response.content


def _signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_the_account_locks_after_the_limit_even_with_the_right_password(agent, caplog):
    # given LIMIT - 1 wrong passwords: still the login form with its error
    for _ in range(LIMIT - 1):
        response = _login(agent.username, "wrong")
        assert response.status_code == 200 and not _locked(response)

    # when the LIMIT-th fails
    with caplog.at_level(logging.WARNING, logger="accounts.lockout"):
        response = _login(agent.username, "wrong")

    # then the account is locked, says so in Japanese, and the event is logged
    assert _locked(response)
    text = response.content.decode()
    assert "ログインを一時停止しています" in text and "15 分後" in text
    assert any(
        "login locked out" in record.getMessage() and "'agent'" in record.getMessage()
        for record in caplog.records
    )
    # and even the right password does not get in now
    assert _locked(_login(agent.username, PASSWORD))


def test_the_locked_page_speaks_english_when_asked(agent):
    for _ in range(LIMIT):
        response = _login(agent.username, "wrong", language="en")

    assert _locked(response)
    text = response.content.decode()
    assert "temporarily" in text.lower() and "15 minutes" in text
    assert "ログイン" not in text.split("<main", 1)[1]


def test_the_lock_ends_after_the_cool_off(agent):
    for _ in range(LIMIT):
        _login(agent.username, "wrong")
    assert _locked(_login(agent.username, PASSWORD))

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert _signed_in(_login(agent.username, PASSWORD))


def test_a_success_clears_the_accounts_failures(agent):
    # given one failure short of the limit, then a success
    for _ in range(LIMIT - 1):
        _login(agent.username, "wrong")
    assert _signed_in(_login(agent.username, PASSWORD))

    # then the count starts again: LIMIT - 1 more failures do not lock
    for _ in range(LIMIT - 1):
        response = _login(agent.username, "wrong")
    assert not _locked(response)
    assert _signed_in(_login(agent.username, PASSWORD))


def test_the_account_locks_whatever_address_the_guesses_come_from(agent):
    # given failures for one account, each from a different address
    for index in range(LIMIT):
        _login(agent.username, "wrong", address=f"203.0.113.{index + 1}")

    # then the account is locked from a new address too
    assert _locked(_login(agent.username, PASSWORD, address="192.0.2.200"))


def test_an_address_locks_whatever_accounts_it_guesses(agent, supervisor):
    # given one address trying many accounts
    for index in range(LIMIT):
        _login(f"guess-{index}", "wrong", address="203.0.113.66")

    # then that address is locked, for an account it never tried too
    assert _locked(_login(agent.username, PASSWORD, address="203.0.113.66"))
    # while another address logs the same person in
    assert _signed_in(_login(agent.username, PASSWORD, address="203.0.113.67"))


def test_someone_elses_success_from_the_same_address_does_not_clear_an_account(agent):
    # given an attacker with an account of its own, guessing the agent's password
    attacker = UserFactory(username="attacker")
    for _ in range(LIMIT - 1):
        _login(agent.username, "wrong", address="203.0.113.9")

    # when it logs into its own account between guesses
    assert _signed_in(_login(attacker.username, PASSWORD, address="203.0.113.10"))
    response = _login(agent.username, "wrong", address="203.0.113.11")

    # then the agent's account is locked all the same
    assert _locked(response)


def test_the_admin_login_is_guarded_too():
    admin = get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    for _ in range(LIMIT):
        response = _login(admin.username, "wrong", path="/admin/login/")

    assert _locked(response)
    assert _locked(_login(admin.username, PASSWORD, path="/admin/login/"))


def test_the_address_comes_from_the_trusted_proxy_header(settings, agent):
    # Behind one reverse proxy every request comes from the proxy: the client's address is the
    # one the proxy appended to X-Forwarded-For, not a value the client wrote before it.
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    request = RequestFactory().post(
        "/accounts/login/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.50",
    )

    assert get_client_ip_address(request) == "203.0.113.50"


def test_without_a_trusted_proxy_the_header_is_ignored(agent):
    # A client cannot choose its address by writing X-Forwarded-For itself.
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )

    assert get_client_ip_address(request) == "198.51.100.7"
