"""Every /api/ answer that is an error has the one JSON shape, whatever produced it: an unknown
URL with any method, a CSRF failure of a browser session, a body over the size limit, a NUL
byte; and `message_en` is English, `message_ja` Japanese, in either active language."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.api.conftest import CsrfSessionClient

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "message_ja", "message_en", "fields"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff60]")
METHODS = ["get", "post", "put", "patch", "delete", "options", "head"]


def assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.request["REQUEST_METHOD"] == "HEAD":
        return {}
    body = response.json()
    assert set(body) == SHAPE
    assert body["code"] == code
    assert not JAPANESE.search(body["message_en"]), body["message_en"]
    assert JAPANESE.search(body["message_ja"]), body["message_ja"]
    return body


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", ["/api/v2/nothing/", "/api/v1/tickets/CS-2026-000001/nope/"])
def test_unknown_urls_answer_the_json_404_to_every_method(client_a, method, path):
    assert_shape(getattr(client_a, method)(path), 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_the_schema_and_swagger_ui_answer_other_methods_in_the_shape(anon_client, method, path):
    # their own answers are YAML and HTML; an error is still the JSON shape (never a 500)
    assert_shape(getattr(anon_client, method)(path), 405, "method_not_allowed")


@pytest.mark.parametrize("method", METHODS)
def test_unknown_urls_answer_the_json_404_to_a_browser_session_too(agent, method):
    # A browser session posting to an unknown URL without a CSRF token: still the JSON 404
    # (nothing is there to protect), not Django's HTML CSRF page.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    assert_shape(getattr(browser, method)("/api/v1/nothing/"), 404, "not_found")


def test_a_session_call_without_the_csrf_token_is_the_json_403(agent, world_a):
    # given an agent's browser session that sends no CSRF token
    browser = CsrfSessionClient(agent)
    browser.csrf_token = "wrong-token-0123456789abcdef0123"

    # when it writes through the API
    response = browser.post(
        f"/api/v1/tickets/{world_a.ticket.number}/messages/", {"body": "x"}, format="json"
    )

    # then the answer is the one shape with a stable code, and nothing was written
    body = assert_shape(response, 403, "csrf_failed")
    assert body["fields"] == {}
    assert world_a.ticket.messages.count() == 0


def test_django_csrf_failure_view_answers_the_shape_under_the_api(rf):
    # settings.CSRF_FAILURE_VIEW: Django's own check (the middleware) answers in the shape too,
    # should a view under /api/ ever not be exempt from it.
    from helpdesk.api import csrf_failure

    response = csrf_failure(rf.post("/api/v1/tickets/"), reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "csrf_failed"


def test_csrf_failure_outside_the_api_stays_the_html_page(client):
    # the workspace's forms keep Django's page
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x"])
def test_a_body_over_the_limit_is_413(client_a, world_a, settings, content_type):
    # given a limit of 64 KiB for JSON and for uploads together
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 64 * 1024

    # when a client sends more than that (the body is refused by its Content-Length, unread)
    response = client_a.generic(
        "POST",
        f"/api/v1/tickets/{world_a.ticket.number}/messages/",
        b"x" * (200 * 1024),
        content_type=content_type,
    )

    # then 413 in the shape, naming the limit, and nothing was written
    body = assert_shape(response, 413, "request_too_large")
    limit = 64 * 1024 * (2 if content_type.startswith("multipart") else 1)
    assert body["fields"] == {"limit_bytes": [str(limit)]}
    assert world_a.ticket.messages.count() == 0


def test_a_body_just_under_the_limit_is_read(client_a, world_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

    response = client_a.post(
        f"/api/v1/tickets/{world_a.ticket.number}/messages/",
        {"body": "あ" * 1000},
        format="json",
    )

    assert response.status_code == 201, response.content


def test_a_nul_byte_in_the_url_answers_the_shape(client_a):
    assert_shape(client_a.get("/api/v1/tickets/?search=%00"), 400, "invalid_characters")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_validation_messages_keep_each_language(client_a, world_a, language):
    # given a ticket body with a missing field and a wrong choice
    response = client_a.post(
        "/api/v1/tickets/",
        {"customer": world_a.customer.pk, "severity": "urgent"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    # then message_en is English and message_ja Japanese whichever language was asked for,
    # and each names the fields
    body = assert_shape(response, 400, "invalid")
    assert "severity" in body["message_en"] and "severity" in body["message_ja"]
    assert "subject" in body["message_en"] and "subject" in body["message_ja"]
    assert body["message"] == body[f"message_{language}"]
    assert "This field is required" not in body["message_ja"]
    assert body["fields"]["severity"] == ["invalid_choice"]
