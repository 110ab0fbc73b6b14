"""The client modules against the fake: paging, retries with Retry-After, tokens, shapes."""

from __future__ import annotations

import datetime
import uuid

import pytest

from microsoft.graph import GraphClient, duration_days
from microsoft.http import (
    MicrosoftAuthError,
    MicrosoftConfig,
    MicrosoftRequestError,
    MicrosoftResponseError,
    MicrosoftUnavailable,
    Transport,
    retry_after_seconds,
)
from microsoft.partner_center import PartnerCenterClient, RefreshTokenSource
from microsoft.shapes import MalformedItem
from tests.microsoft.fake import customer_item, subscription_item


def _transport(waits: list[float] | None = None) -> Transport:
    record = waits.append if waits is not None else (lambda seconds: None)
    return Transport(MicrosoftConfig.from_settings(), sleep=record)


def _customers(fake, count: int) -> list[str]:
    ids = [str(uuid.UUID(int=n + 1)) for n in range(count)]
    fake.state.customers = [
        customer_item(tenant, f"顧客{n}", f"c{n}.onmicrosoft.com", partner_id="1234567")
        for n, tenant in enumerate(ids)
    ]
    return ids


def test_customers_follow_continuation_links_across_pages(fake_microsoft):
    ids = _customers(fake_microsoft, 5)
    client = PartnerCenterClient(_transport())

    pages = list(client.customers())

    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [str(c.tenant_id) for page in pages for c in page.items] == ids
    calls = fake_microsoft.requests_to("/pc/v1/customers")
    assert [headers.get("ms-continuationtoken") for _, _, headers in calls] == [None, "2", "4"]
    # One app-only token for the whole listing.
    assert len(fake_microsoft.requests_to("/login/")) == 1


def test_a_429_is_retried_after_the_wait_microsoft_asks_capped_by_the_setting(fake_microsoft):
    _customers(fake_microsoft, 1)
    fake_microsoft.fail("/pc/v1/customers", 429, times=2, headers={"Retry-After": "7"})
    waits: list[float] = []

    pages = list(PartnerCenterClient(_transport(waits)).customers())

    assert len(pages[0].items) == 1
    # Microsoft asked for 7 s; the test settings cap every wait at 0.01 s.
    assert waits == [0.01, 0.01]
    assert len(fake_microsoft.requests_to("/pc/v1/customers")) == 3


def test_server_errors_outlasting_the_retries_are_unavailable(fake_microsoft, settings):
    settings.MICROSOFT_MAX_RETRIES = 2
    fake_microsoft.fail("/pc/v1/customers", 503, times=5)

    with pytest.raises(MicrosoftUnavailable):
        list(PartnerCenterClient(_transport()).customers())
    assert len(fake_microsoft.requests_to("/pc/v1/customers")) == 3


def test_an_expired_access_token_is_replaced_once(fake_microsoft):
    _customers(fake_microsoft, 1)
    client = PartnerCenterClient(_transport())
    list(client.customers())
    fake_microsoft.expire_tokens()

    assert len(next(client.customers()).items) == 1
    assert len(fake_microsoft.requests_to("/login/")) == 2


def test_wrong_client_secret_is_an_auth_error(fake_microsoft, settings):
    settings.MICROSOFT_CLIENT_SECRET = "wrong"
    with pytest.raises(MicrosoftAuthError) as raised:
        list(PartnerCenterClient(_transport()).customers())
    assert raised.value.error == "invalid_client"


def test_malformed_items_are_rejected_and_the_rest_kept(fake_microsoft):
    ids = _customers(fake_microsoft, 3)
    fake_microsoft.state.customers[1]["companyProfile"]["tenantId"] = "not-a-guid"
    fake_microsoft.state.subscriptions[ids[0]] = [
        subscription_item("s1", "CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard"),
        {**subscription_item("s2", "X", "Y"), "quantity": "many"},
        {"id": "s3"},
    ]
    client = PartnerCenterClient(_transport())

    listings = list(client.customers())
    subscriptions = client.subscriptions(uuid.UUID(ids[0]))

    assert [str(c.tenant_id) for page in listings for c in page.items] == [ids[0], ids[2]]
    rejected = [r for page in listings for r in page.rejected]
    assert [(r.kind, r.key) for r in rejected] == [("customer", "not-a-guid")]
    assert [s.id for s in subscriptions.items] == ["s1"]
    assert [(r.key, r.reason) for r in subscriptions.rejected] == [
        ("s2", "quantity is not a number"),
        ("s3", "offerId missing"),
    ]
    first = subscriptions.items[0]
    assert first.creation_date == datetime.datetime(
        2025, 4, 1, 2, 3, 4, 123456, tzinfo=datetime.UTC
    )
    assert first.status == "active"


def test_a_continuation_link_to_another_host_is_not_followed(fake_microsoft):
    fake_microsoft.state.relationships = [{"id": str(n)} for n in range(1)]
    client = GraphClient(_transport())
    original = fake_microsoft._graph

    def hostile(handler, parts, headers):
        fake_microsoft._send(
            handler, 200, {"value": [], "@odata.nextLink": "https://evil.example/steal"}
        )

    fake_microsoft._graph = hostile
    try:
        with pytest.raises(MicrosoftResponseError):
            client.delegated_admin_relationships()
    finally:
        fake_microsoft._graph = original


def test_refresh_tokens_rotate_and_a_refused_one_is_an_auth_error(fake_microsoft):
    stored = {"token": fake_microsoft.issue_refresh_token()}
    fake_microsoft.state.support_topics = [
        {"id": "32444671", "name": "Exchange", "description": ""}
    ]
    transport = _transport()

    def save(answer):
        stored["token"] = answer.refresh_token

    first = stored["token"]
    source = RefreshTokenSource(transport, load=lambda: stored["token"], save=save)
    topics = PartnerCenterClient(transport, user_tokens=source).support_topics()

    assert [t.name for t in topics.items] == ["Exchange"]
    assert stored["token"] != first
    # The old refresh token no longer works at Microsoft's.
    stale = RefreshTokenSource(transport, load=lambda: first, save=save)
    with pytest.raises(MicrosoftAuthError) as raised:
        PartnerCenterClient(transport, user_tokens=stale).support_topics()
    assert raised.value.error == "invalid_grant"


def test_unknown_service_request_is_a_request_error(fake_microsoft):
    stored = {"token": fake_microsoft.issue_refresh_token()}
    transport = _transport()
    source = RefreshTokenSource(
        transport, load=lambda: stored["token"], save=lambda a: stored.update(token=a.refresh_token)
    )
    with pytest.raises(MicrosoftRequestError) as raised:
        PartnerCenterClient(transport, user_tokens=source).service_request("999")
    assert raised.value.status == 404


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("soon", None),
        (None, None),
        ("Wed, 25 Nov 2026 00:00:10 GMT", 10.0),
    ],
)
def test_retry_after_reads_seconds_and_dates(header, seconds):
    now = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)
    assert retry_after_seconds(header, now=now) == seconds


@pytest.mark.parametrize(
    ("value", "days"), [("P180D", 180), ("PT0S", 0), ("P0D", 0), ("P1DT24H", 2)]
)
def test_durations(value, days):
    assert duration_days(value) == days


def test_a_bad_duration_is_malformed():
    with pytest.raises(MalformedItem):
        duration_days("six months")
