"""What a reseller sends and sees of its webhooks. The secret is write-only: answers show
only its last characters (`secret_hint`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Ticket
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent


class WebhookSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        min_length=24,
        max_length=200,
        help_text="Shared key of the HMAC-SHA256 signature (24+ characters). Never shown back.",
    )
    secret_hint = serializers.CharField(read_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.choices),
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "secret", "secret_hint", "events", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_events(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def validate_secret(self, value: str) -> str:
        if value != value.strip() or not value.isprintable():
            raise serializers.ValidationError("invalid", code="invalid")
        return value


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    ticket: serializers.SlugRelatedField[Ticket] = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )
    status = serializers.SerializerMethodField(
        help_text="pending (queued or retrying), sent, failed (retries exhausted), skipped "
        "(webhook switched off before sending)"
    )
    next_attempt_at = serializers.DateTimeField(source="outbox.next_attempt_at", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "ticket",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "last_attempt_at",
            "delivered_at",
            "next_attempt_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["pending", "sent", "failed", "skipped"]))
    def get_status(self, delivery: WebhookDelivery) -> str:
        if delivery.outcome == WebhookDelivery.Outcome.SKIPPED:
            return "skipped"
        if delivery.outbox is None:
            return "pending"
        return delivery.outbox.status
