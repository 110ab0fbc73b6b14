"""`GET /api/v1/sla/preview/`: when would a ticket be received and answered (Art. 3.3)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.models import Plan
from helpdesk.api import IsApiCaller
from sla import services
from sla.api.serializers import SlaPreviewQuerySerializer, SlaPreviewSerializer, preview_payload
from sla.models import Severity


class SlaPreviewView(APIView):
    permission_classes = [IsApiCaller]

    @extend_schema(
        parameters=[
            OpenApiParameter("plan", OpenApiTypes.STR, enum=Plan.values, required=True),
            OpenApiParameter("severity", OpenApiTypes.STR, enum=Severity.values, required=True),
            OpenApiParameter(
                "submitted_at",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 with offset, e.g. 2026-05-02T12:00:00+09:00",
            ),
        ],
        responses={200: SlaPreviewSerializer},
        examples=[
            OpenApiExample(
                "Golden Week, business_hours, critical",
                value={
                    "plan": "business_hours",
                    "severity": "critical",
                    "submitted_at": "2026-05-02T12:00:00+09:00",
                    "received_at": "2026-05-02T12:00:00+09:00",
                    "first_response_due": "2026-05-02T13:00:00+09:00",
                    "explanation": [{"code": "…", "ja": "…", "en": "…"}],
                },
                response_only=True,
            )
        ],
        description="The reception time and first-response deadline the terms give a ticket "
        "submitted at `submitted_at`, with the explanation in Japanese and English. "
        "`first_response_due` is null when there is no commitment (確約なし).",
    )
    def get(self, request: Request) -> Response:
        query = SlaPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        _, deadline = services.deadline_for(
            submitted_at=query.validated_data["submitted_at"],
            plan=query.validated_data["plan"],
            severity=query.validated_data["severity"],
        )
        return Response(preview_payload(deadline))
