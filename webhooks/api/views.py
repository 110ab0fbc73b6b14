"""A reseller's webhooks (register, list, change, remove) and their deliveries."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import generics, status, viewsets
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from helpdesk.api import IsResellerCaller, caller_reseller_id
from webhooks import selectors, services
from webhooks.api.serializers import WebhookDeliverySerializer, WebhookSerializer
from webhooks.models import Webhook


class WebhookViewSet(viewsets.ModelViewSet):
    """Webhooks of the caller's reseller: ticket events (created, first response, status
    change, breach, message) are POSTed to `url`, signed with HMAC-SHA256 (see the
    X-Helpdesk-Signature header), and retried with backoff."""

    serializer_class = WebhookSerializer
    permission_classes = [IsResellerCaller]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhooks_visible_to(self.request.user)

    def perform_create(self, serializer: BaseSerializer[Webhook]) -> None:
        reseller_id = caller_reseller_id(self.request.user)
        assert reseller_id is not None  # IsResellerCaller lets only a reseller's users in
        serializer.instance = services.webhook_create(
            reseller_id=reseller_id, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Webhook]) -> None:
        webhook = serializer.instance
        assert webhook is not None  # an update's serializer holds the webhook it changes
        serializer.instance = services.webhook_update(
            webhook=webhook, actor=self.request.user, **serializer.validated_data
        )

    def destroy(self, request, *args, **kwargs) -> Response:
        services.webhook_delete(webhook=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(generics.ListAPIView):
    """Deliveries of one of the caller's webhooks, newest first, with their status."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [IsResellerCaller]

    def get_queryset(self):
        webhook = get_object_or_404(
            selectors.webhooks_visible_to(self.request.user), pk=self.kwargs["webhook_id"]
        )
        return selectors.deliveries_of(webhook=webhook)
