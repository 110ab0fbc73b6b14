from __future__ import annotations

from rest_framework import serializers

from reports.periods import PeriodInvalid, parse_month
from reports.selectors import RESELLER_GROUPS


class SlaReportQuerySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (Japan time), e.g. 2026-11")
    group_by = serializers.ChoiceField(choices=RESELLER_GROUPS, required=False)

    def validate_month(self, value: str):
        try:
            return parse_month(value)
        except PeriodInvalid as error:
            raise serializers.ValidationError("invalid_month", code="invalid_month") from error


class SlaFiguresSerializer(serializers.Serializer):
    """The same figures as the reports page and its exports, under their column keys."""

    key = serializers.CharField(allow_null=True)
    # A field named as the CSV column; the metaclass takes it off the class, so it does not
    # shadow Field.label at run time (the stubs cannot know that).
    label = serializers.CharField()  # type: ignore[assignment]
    received = serializers.IntegerField()
    first_response_met = serializers.IntegerField()
    first_response_breached = serializers.IntegerField()
    first_response_no_commitment = serializers.IntegerField()
    first_response_stopped = serializers.IntegerField()
    first_response_pending = serializers.IntegerField()
    first_response_on_time_percent = serializers.FloatField(allow_null=True)
    first_response_business_minutes_median = serializers.FloatField(allow_null=True)
    first_response_business_minutes_p90 = serializers.FloatField(allow_null=True)
    first_response_wall_minutes_median = serializers.FloatField(allow_null=True)
    first_response_wall_minutes_p90 = serializers.FloatField(allow_null=True)
    # The internal targets (next reply, resolution): judged in the month their due falls.
    next_reply_met = serializers.IntegerField()
    next_reply_breached = serializers.IntegerField()
    next_reply_on_time_percent = serializers.FloatField(allow_null=True)
    next_reply_business_minutes_median = serializers.FloatField(allow_null=True)
    next_reply_business_minutes_p90 = serializers.FloatField(allow_null=True)
    next_reply_wall_minutes_median = serializers.FloatField(allow_null=True)
    next_reply_wall_minutes_p90 = serializers.FloatField(allow_null=True)
    resolution_met = serializers.IntegerField()
    resolution_breached = serializers.IntegerField()
    resolution_on_time_percent = serializers.FloatField(allow_null=True)
    resolution_business_minutes_median = serializers.FloatField(allow_null=True)
    resolution_business_minutes_p90 = serializers.FloatField(allow_null=True)
    resolution_wall_minutes_median = serializers.FloatField(allow_null=True)
    resolution_wall_minutes_p90 = serializers.FloatField(allow_null=True)
    waiting_on_customer_minutes = serializers.FloatField()
    waiting_on_microsoft_minutes = serializers.FloatField()
    backlog_under_1d = serializers.IntegerField()
    backlog_1d_3d = serializers.IntegerField()
    backlog_3d_7d = serializers.IntegerField()
    backlog_7d_30d = serializers.IntegerField()
    backlog_over_30d = serializers.IntegerField()
    backlog_total = serializers.IntegerField()
    reopened = serializers.IntegerField()
    reopen_percent = serializers.FloatField(allow_null=True)
    refused = serializers.DictField(child=serializers.IntegerField())
    refused_total = serializers.IntegerField()
    surveys_sent = serializers.IntegerField()
    surveys_answered = serializers.IntegerField()
    survey_average = serializers.FloatField(allow_null=True)


class SlaReportSerializer(serializers.Serializer):
    month = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    group_by = serializers.CharField(allow_null=True)
    total = SlaFiguresSerializer()
    rows = SlaFiguresSerializer(many=True)
