"""The SLA preview as JSON: one shape for `GET /api/v1/sla/preview/` and for
`manage.py sla_preview` (which calls `preview_payload`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from contracts.models import Plan
from sla.deadlines import Deadline
from sla.models import Severity


def _jst_iso(moment: datetime.datetime | None, deadline: Deadline) -> str | None:
    # The calendar's zone is Asia/Tokyo: times are shown in JST with their offset.
    return None if moment is None else moment.astimezone(deadline.calendar.tz).isoformat()


def preview_payload(deadline: Deadline) -> dict[str, Any]:
    """`{"plan", "severity", "submitted_at", "received_at", "first_response_due",
    "explanation"}`: ISO 8601 in JST with offset; `first_response_due` is null when there is
    no commitment (確約なし); `explanation` is the steps as `{code, ja, en}`."""
    return {
        "plan": deadline.plan,
        "severity": deadline.severity,
        "submitted_at": _jst_iso(deadline.submitted_at, deadline),
        "received_at": _jst_iso(deadline.received_at, deadline),
        "first_response_due": _jst_iso(deadline.first_response_due, deadline),
        "explanation": [{"code": s.code, "ja": s.ja, "en": s.en} for s in deadline.steps],
    }


class OffsetDateTimeField(serializers.Field):
    """An ISO 8601 instant that must carry its UTC offset (a naive time is ambiguous)."""

    default_error_messages = {
        "invalid": (
            "ISO 8601 の日時（オフセット付き、例: 2026-05-02T12:00:00+09:00）を指定してください。"
        ),
        "naive": "UTC オフセット（+09:00 や Z）を付けてください。",
    }

    def to_internal_value(self, data: Any) -> datetime.datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = parse_datetime(data.strip())
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            self.fail("invalid")
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail("naive")
        try:
            return moment.astimezone(datetime.UTC)
        except (ValueError, OverflowError):
            self.fail("invalid")

    def to_representation(self, value: datetime.datetime) -> str:
        return value.isoformat()


class SlaPreviewQuerySerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=Plan.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    submitted_at = OffsetDateTimeField(
        help_text="ISO 8601 with offset, e.g. 2026-05-02T12:00:00+09:00"
    )


class ExplanationStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    ja = serializers.CharField()
    en = serializers.CharField()


class SlaPreviewSerializer(serializers.Serializer):
    """Documentation of `preview_payload`'s shape."""

    plan = serializers.ChoiceField(choices=Plan.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    submitted_at = serializers.CharField()
    received_at = serializers.CharField()
    first_response_due = serializers.CharField(allow_null=True)
    explanation = ExplanationStepSerializer(many=True)
