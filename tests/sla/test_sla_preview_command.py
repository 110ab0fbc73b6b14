"""`sla_preview`: the API's preview JSON from the command line; a mistake is one line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _preview(*args: str) -> dict:
    out = StringIO()
    call_command("sla_preview", *args, stdout=out)
    return json.loads(out.getvalue())


def test_business_hours_high_on_golden_week_saturday():
    payload = _preview(
        "--plan", "business_hours", "--severity", "high", "--at", "2026-05-02T12:00+09:00"
    )

    assert payload == {
        "plan": "business_hours",
        "severity": "high",
        "submitted_at": "2026-05-02T12:00:00+09:00",
        "received_at": "2026-05-07T09:00:00+09:00",
        "first_response_due": None,
        "explanation": [
            {
                "code": "submitted",
                "ja": "送信 2026-05-02(土) 12:00 JST",
                "en": "submitted Sat 2026-05-02 12:00 JST",
            },
            {
                "code": "reception_business_hours",
                "ja": "高・平日9時～17時契約: 受付時間 営業時間内",
                "en": "High severity, weekdays 9:00–17:00 contract: reception in business hours",
            },
            {
                "code": "closed",
                "ja": "5/2–5/6 休業 (土, 憲法記念日, みどりの日, こどもの日, 振替休日)",
                "en": "closed 5/2–5/6 (Sat, Constitution Day, Greenery Day, Children's Day, "
                "Substitute Holiday)",
            },
            {"code": "received", "ja": "受付日時 5/7(木) 09:00", "en": "received Thu 5/7 09:00"},
            {
                "code": "no_commitment",
                "ja": "高・平日9時～17時契約: 初回応答 確約なし",
                "en": "High severity, weekdays 9:00–17:00 contract: no commitment",
            },
        ],
    }


def test_input_in_utc_is_shown_in_jst():
    payload = _preview("--plan", "24x365", "--severity", "high", "--at", "2026-05-02T03:00:00Z")

    assert (payload["submitted_at"], payload["received_at"], payload["first_response_due"]) == (
        "2026-05-02T12:00:00+09:00",
        "2026-05-02T12:00:00+09:00",
        "2026-05-07T17:00:00+09:00",
    )


def test_input_in_another_offset_critical_is_one_hour():
    # 20:30 at -05:00 is Saturday 10:30 JST: 重大 is received around the clock.
    payload = _preview(
        "--plan", "business_hours", "--severity", "critical", "--at", "2026-05-01T20:30:00-05:00"
    )

    assert (payload["received_at"], payload["first_response_due"]) == (
        "2026-05-02T10:30:00+09:00",
        "2026-05-02T11:30:00+09:00",
    )


def test_the_boundary_second_of_business_hours():
    open_ = _preview(
        "--plan",
        "business_hours",
        "--severity",
        "non_critical",
        "--at",
        "2026-05-07T16:59:59+09:00",
    )
    closed = _preview(
        "--plan",
        "business_hours",
        "--severity",
        "non_critical",
        "--at",
        "2026-05-07T17:00:00+09:00",
    )

    assert open_["received_at"] == "2026-05-07T16:59:59+09:00"
    assert closed["received_at"] == "2026-05-08T09:00:00+09:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--plan", "gold", "--severity", "high", "--at", "2026-05-02T12:00+09:00"],
            "--plan: 'gold' は business_hours / 24x365 のいずれかです",
        ),
        (
            ["--severity", "high", "--at", "2026-05-02T12:00+09:00"],
            "--plan: '' は business_hours / 24x365 のいずれかです",
        ),
        (
            ["--plan", "24x365", "--severity", "urgent", "--at", "2026-05-02T12:00+09:00"],
            "--severity: 'urgent' は critical / high / non_critical のいずれかです",
        ),
        (
            ["--plan", "24x365", "--severity", "high"],
            "--at: 送信日時を指定してください (e.g. 2026-05-02T12:00+09:00)",
        ),
        (
            ["--plan", "24x365", "--severity", "high", "--at", "2026-05-02T12:00"],
            "--at: '2026-05-02T12:00' に UTC からのオフセットがありません "
            "(e.g. 2026-05-02T12:00+09:00)",
        ),
        (
            ["--plan", "24x365", "--severity", "high", "--at", "yesterday"],
            "--at: 'yesterday' は ISO 8601 の日時ではありません (e.g. 2026-05-02T12:00+09:00)",
        ),
        (
            ["--plan", "24x365", "--severity", "high", "--at", "2099-01-01T00:00+09:00"],
            "--at: 2099-01-01 is outside the business calendar (2015–2040); "
            "extend the calendar's years",
        ),
    ],
    ids=["plan", "missing-plan", "severity", "missing-at", "naive", "garbage", "out-of-range"],
)
def test_bad_arguments_are_one_line(args, message):
    with pytest.raises(CommandError) as raised:
        call_command("sla_preview", *args, stdout=StringIO())

    assert str(raised.value) == message
