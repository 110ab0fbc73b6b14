"""`GET /api/v1/reports/sla/?month=YYYY-MM`: a reseller's month, its own tickets only, with
the figures of the desk's reports page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import IsApiCaller
from reports.api.serializers import SlaReportQuerySerializer, SlaReportSerializer
from reports.selectors import Figures, figures_dict, sla_report
from tickets.models import RefusalReason
from tickets.selectors import tickets_visible_to


def _figures(figures: Figures) -> dict[str, Any]:
    values = figures_dict(figures)
    refused = {reason: values.pop(f"refused_{reason}") for reason in RefusalReason.values}
    key = figures.key if figures.key != "__total__" else None
    return {
        "key": None if key is None else str(key),
        "label": figures.label,
        **values,
        "refused": refused,
    }


class SlaReportView(APIView):
    permission_classes = [IsApiCaller]

    @extend_schema(
        parameters=[SlaReportQuerySerializer],
        responses={200: SlaReportSerializer},
        description="The month's SLA and workload figures over the caller's tickets (a "
        "reseller: its own), as on the desk's reports page: tickets received; the terms' "
        "first response met / breached / no commitment / stopped / pending with the on-time "
        "share of those with a commitment (judged in the month its deadline falls); median "
        "and 90th percentile first-response time in business and wall minutes; backlog at "
        "month end by age; reopen rate; refusals by reason (Art. 3.5); satisfaction surveys "
        "(Art. 14.2.2). Optionally grouped by customer, plan, severity or channel.",
    )
    def get(self, request: Request) -> Response:
        query = SlaReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["month"]
        report = sla_report(
            tickets=tickets_visible_to(request.user),
            period=period,
            now=timezone.now(),
            group_by=query.validated_data.get("group_by"),
        )
        return Response(
            {
                "month": period.label,
                "start": timezone.localtime(period.start).isoformat(),
                "end": timezone.localtime(period.end).isoformat(),
                "group_by": report.group_by,
                "total": _figures(report.total),
                "rows": [_figures(row) for row in report.rows],
            }
        )
