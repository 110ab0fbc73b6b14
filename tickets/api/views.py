"""Tickets and their public messages for resellers (and agents' browser sessions): thin views
over `tickets.services` (writes) and `tickets.api.selectors` (scoped reads)."""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts import permissions
from contracts.api import selectors as contract_selectors
from helpdesk.api import IsApiCaller, SafeJSONParser
from tickets import services
from tickets.api import services as api_services
from tickets.api.filters import TicketFilter
from tickets.api.selectors import tickets_for_api
from tickets.api.serializers import (
    MessageCreateSerializer,
    MessageSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from tickets.downloads import attachment_response
from tickets.models import Channel
from tickets.selectors import attachments_public, messages_public

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A retried POST with the same key returns the first ticket (200) instead of "
    "a duplicate. 1–100 visible ASCII characters.",
)


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not (1 <= len(key) <= 100) or not all(33 <= ord(char) <= 126 for char in key):
        raise serializers.ValidationError({"Idempotency-Key": ["invalid"]}, code="invalid")
    return key


class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets of the caller's reseller. Another reseller's ticket answers 404."""

    serializer_class = TicketSerializer
    permission_classes = [IsApiCaller]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = TicketFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return tickets_for_api(user=self.request.user)

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, 200: TicketSerializer, 400: OpenApiTypes.OBJECT},
        parameters=[IDEMPOTENCY_KEY],
        description="Open a ticket on the API channel. The terms' intake rules answer 400 "
        "with their code (requester_not_global_admin, subscription_not_active, "
        "product_not_supported, out_of_scope, no_active_contract).",
        examples=[
            OpenApiExample(
                "重大: mail down for most users",
                request_only=True,
                value={
                    "customer": 12,
                    "subscription": 34,
                    "requester": 56,
                    "severity": "critical",
                    "category": "cloud_outage",
                    "subject": "大多数のユーザーでメールの送受信ができない",
                    "description": "本日 9:10 頃から社内のほぼ全員が Outlook で送受信できません。",
                },
            ),
            OpenApiExample(
                "Refused: the requester is not a global admin (Art. 3.2)",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "requester_not_global_admin",
                    "message": "依頼者はこの顧客またはそのリセラーの Microsoft 365 全体管理者では"
                    "ありません（約款 第3条3.2）。",
                    "message_ja": "依頼者はこの顧客またはそのリセラーの Microsoft 365 全体管理者"
                    "ではありません（約款 第3条3.2）。",
                    "message_en": "The requester is not a Microsoft 365 global administrator of "
                    "this customer or its reseller (terms Art. 3.2).",
                    "fields": {"requester": ["requester_not_global_admin"]},
                },
            ),
        ],
    )
    def create(self, request, *args, **kwargs) -> Response:
        user = request.user
        if not permissions.may_open_tickets(user):
            # Intake is the distributor's (as in the workspace): a subcontractor works only the
            # tickets handed to its organisation (Art. 12), and would not see a new one.
            raise exceptions.PermissionDenied
        key = _idempotency_key(request)
        serializer = TicketCreateSerializer(
            data=request.data,
            customers=contract_selectors.customers_visible_to(user).prefetch_related(None),
            subscriptions=contract_selectors.subscriptions_visible_to(user),
            contacts=contract_selectors.contacts_visible_to(user),
        )
        serializer.is_valid(raise_exception=True)
        arguments = {**serializer.validated_data, "channel": Channel.API, "actor": user}
        if key is None:
            ticket, created = services.ticket_open(**arguments), True
        else:
            ticket, created = services.ticket_open_idempotent(idempotency_key=key, **arguments)
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(
            TicketSerializer(ticket, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer},
        description="Change the subject, the severity (with `severity_reason`; before the first "
        "response the deadline is recomputed, DOMAIN.md §9), or ask to close "
        '(`"status": "closed"`, through the workflow: a resolved ticket is confirmed closed, '
        "an open one withdrawn; a closed one answers 409 invalid_transition).",
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        ticket = self.get_object()
        serializer = TicketUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        with transaction.atomic():
            if "subject" in data:
                ticket = services.ticket_update_subject(
                    ticket=ticket, subject=data["subject"], actor=user
                )
            if "severity" in data:
                ticket = services.ticket_change_severity(
                    ticket=ticket,
                    severity=data["severity"],
                    reason=data["severity_reason"],
                    actor=user,
                )
            if data.get("status") == "closed":
                ticket = services.ticket_close(ticket=ticket, actor=user)
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data)


class TicketMessageListCreateView(generics.ListCreateAPIView):
    """The public thread of a ticket: replies to the customer and the customer's own messages,
    never internal notes. POST adds the customer side's message (JSON, or multipart with
    `attachments`); answering a ticket waiting on the customer moves it back to in_progress."""

    serializer_class = MessageSerializer
    permission_classes = [IsApiCaller]
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def get_ticket(self):
        return get_object_or_404(
            tickets_for_api(user=self.request.user), number=self.kwargs["number"]
        )

    def get_queryset(self):
        return messages_public(ticket=self.get_ticket())

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "ticket_number": self.kwargs["number"]}

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def post(self, request, *args, **kwargs) -> Response:
        ticket = self.get_ticket()
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        uploads = [
            services.AttachmentUpload(
                filename=upload.name,
                content_type=getattr(upload, "content_type", None) or "application/octet-stream",
                content=upload,
            )
            for upload in serializer.validated_data.get("attachments", [])
        ]
        message = api_services.message_add_from_api(
            ticket=ticket,
            body=serializer.validated_data["body"],
            attachments=uploads,
            actor=request.user,
            from_desk=permissions.access_of(request.user).is_desk,
        )
        message = messages_public(ticket=ticket).get(pk=message.pk)
        data = MessageSerializer(message, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class TicketAttachmentDownloadView(generics.GenericAPIView):
    """A file of the ticket's public thread (what `messages/` lists), as sent. Attachments of
    internal notes, and of another reseller's tickets, answer 404."""

    permission_classes = [IsApiCaller]
    # A file, or the one JSON error shape: never a 406 for an Accept header the file suits.
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force: bool = False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "*/*"): OpenApiTypes.BINARY},
        description="Download one attachment: `Content-Disposition: attachment`, except PNG, "
        "JPEG and GIF images (inline); the type is the one read from the file's content.",
    )
    def get(self, request, number: str, attachment_id: int) -> FileResponse:
        ticket = get_object_or_404(tickets_for_api(user=request.user), number=number)
        attachment = get_object_or_404(attachments_public(ticket=ticket), pk=attachment_id)
        return attachment_response(attachment)
