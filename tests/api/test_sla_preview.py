"""`GET /api/v1/sla/preview/` (issue 3, "Preview"), and `preview_payload` shared with the
`sla_preview` command."""

from __future__ import annotations

import datetime

import pytest

from sla import services
from sla.api.serializers import preview_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla/preview/"


def test_golden_week_business_hours_high_has_no_commitment(client_a):
    response = client_a.get(
        URL,
        {"plan": "business_hours", "severity": "high", "submitted_at": "2026-05-02T12:00:00+09:00"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["plan"] == "business_hours"
    assert body["severity"] == "high"
    assert body["submitted_at"] == "2026-05-02T12:00:00+09:00"
    assert body["received_at"] == "2026-05-07T09:00:00+09:00"
    assert body["first_response_due"] is None
    assert all(set(step) == {"code", "ja", "en"} for step in body["explanation"])
    assert any("振替休日" in step["ja"] for step in body["explanation"])


def test_other_offsets_are_shown_in_jst(client_a):
    # Friday 2026-05-01 20:00 UTC is Saturday 05:00 JST
    response = client_a.get(
        URL, {"plan": "24x365", "severity": "critical", "submitted_at": "2026-05-01T20:00:00Z"}
    )

    assert response.json()["submitted_at"] == "2026-05-02T05:00:00+09:00"
    assert response.json()["first_response_due"] == "2026-05-02T06:00:00+09:00"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"plan", "severity", "submitted_at"}),
        (
            {"plan": "gold", "severity": "critical", "submitted_at": "2026-05-02T12:00:00+09:00"},
            {"plan"},
        ),
        (
            {"plan": "24x365", "severity": "critical", "submitted_at": "2026-05-02T12:00"},
            {"submitted_at"},
        ),
        ({"plan": "24x365", "severity": "critical", "submitted_at": "tomorrow"}, {"submitted_at"}),
        (
            {"plan": "24x365", "severity": "critical", "submitted_at": "1900-01-01T00:00:00+09:00"},
            {"submitted_at"},
        ),
        (
            {"plan": "24x365", "severity": "critical", "submitted_at": "9999-12-31T23:59:59-12:00"},
            {"submitted_at"},
        ),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(client_a, query, fields):
    response = client_a.get(URL, query)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields


def test_preview_payload_is_the_same_json_the_command_prints():
    _, deadline = services.deadline_for(
        submitted_at=datetime.datetime(2026, 5, 2, 3, 0, tzinfo=datetime.UTC),
        plan="24x365",
        severity="critical",
    )

    payload = preview_payload(deadline)

    assert list(payload) == [
        "plan",
        "severity",
        "submitted_at",
        "received_at",
        "first_response_due",
        "explanation",
    ]
    assert payload["received_at"] == "2026-05-02T12:00:00+09:00"
    assert payload["first_response_due"] == "2026-05-02T13:00:00+09:00"
