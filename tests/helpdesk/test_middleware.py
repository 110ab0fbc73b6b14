"""A NUL byte in the URL answers 400 everywhere, never a database error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tickets/ticket/?status__exact=%00",
        "/admin/contracts/customer/?q=a%00b",
        "/?search=%00",
    ],
)
def test_nul_in_the_query_string_is_a_bad_request(admin_client, url):
    response = admin_client.get(url)

    assert response.status_code == 400


def test_nul_in_an_api_query_answers_the_error_shape(admin_client):
    response = admin_client.get("/api/v1/tickets/?search=%00")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_ordinary_queries_pass(admin_client):
    assert admin_client.get("/admin/tickets/ticket/?status__exact=new").status_code == 200
