"""One error shape for every 4xx, throttling per token, and no 5xx on odd input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "message_ja", "message_en", "fields"}


def test_malformed_json_is_400(client_a, world_a):
    response = client_a.post(
        "/api/v1/tickets/", data=b'{"subject": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "malformed_json"


def test_no_credentials_is_401_with_the_scheme(anon_client):
    response = anon_client.get("/api/v1/tickets/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_is_401(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    response = anon_client.get("/api/v1/tickets/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_unknown_api_url_is_a_json_404(client_a):
    response = client_a.get("/api/v2/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_method_not_allowed_is_405(client_a, world_a):
    response = client_a.delete(f"/api/v1/tickets/{world_a.ticket.number}/")

    assert response.status_code == 405
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "method_not_allowed"


def test_unsupported_media_type_is_415(client_a, world_a):
    response = client_a.post("/api/v1/tickets/", data="<xml/>", content_type="application/xml")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_throttled_per_token(client_a, client_b, world_a, settings):
    # given a rate of 3 requests a minute per token
    settings.API_THROTTLE_RATE = "3/minute"

    # when reseller A makes a fourth request
    statuses = [client_a.get("/api/v1/customers/").status_code for _ in range(4)]

    # then it is throttled in the one shape, and reseller B's token is not
    assert statuses == [200, 200, 200, 429]
    throttled = client_a.get("/api/v1/customers/")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert client_b.get("/api/v1/customers/").status_code == 200


def test_throttling_can_be_switched_off(client_a, world_a, settings):
    settings.API_THROTTLE_RATE = "none"

    assert {client_a.get("/api/v1/customers/").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"customer": "x", "subscription": [], "requester": {}, "severity": None},
        {"customer": 10**30, "subscription": -1, "requester": 0.5},
        {"subject": "\x00", "description": "a" * 30000},
    ],
)
def test_odd_ticket_bodies_answer_400(client_a, world_a, body):
    response = client_a.post("/api/v1/tickets/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == SHAPE


def test_nested_validation_errors_are_flattened(client_a, reseller_a):
    response = client_a.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/x", "secret": "s" * 30, "events": ["ticket.nope"]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"events.0": ["invalid_choice"]}
