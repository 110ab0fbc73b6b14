"""What the reseller API shows and accepts of tickets and their public messages."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Contact, Customer, Subscription
from helpdesk.api import IdRelatedField
from sla.api.serializers import ExplanationStepSerializer
from sla.deadlines import SlaState
from sla.models import Severity
from tickets.clocks import first_response_margin, first_response_state
from tickets.models import Attachment, Category, Message, Ticket
from tickets.targets import target_states


def _local_iso(moment: datetime.datetime | None) -> str | None:
    """What DRF's DateTimeField writes: ISO 8601 in the current time zone (JST)."""
    if moment is None:
        return None
    value = timezone.localtime(moment).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SubscriptionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product_sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")


class ClockSerializer(serializers.Serializer):
    """One SLA clock: `due` (JST, null when nothing is owed), its `state`, since when it is
    paused (internal targets only: the terms' first response never pauses) and when its breach
    was recorded."""

    due = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=[state.value for state in SlaState])
    paused_since = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    terms = serializers.BooleanField(
        help_text="true for the terms' first response (Art. 3.3); false for internal targets"
    )


class SlaSerializer(serializers.Serializer):
    first_response = ClockSerializer(help_text="The terms' first response (Art. 3.3).")
    next_reply = ClockSerializer(help_text="Internal target (社内目標), not the terms.")
    resolution = ClockSerializer(help_text="Internal target (社内目標), not the terms.")


def sla_object(ticket: Ticket, now) -> dict:
    """The ticket's clocks, the terms' first response first (`tickets.clocks` decides)."""
    result = {
        "first_response": {
            "due": _local_iso(ticket.first_response_due),
            "state": first_response_state(ticket=ticket, now=now).value,
            "paused_since": None,
            "breached_at": _local_iso(ticket.breached_at),
            "terms": True,
        }
    }
    for target, (clock, state) in target_states(ticket=ticket, now=now).items():
        result[str(target)] = {
            "due": _local_iso(clock.due) if clock is not None else None,
            "state": state.value,
            "paused_since": _local_iso(clock.paused_since) if clock is not None else None,
            "breached_at": _local_iso(clock.breached_at) if clock is not None else None,
            "terms": False,
        }
    return result


class TicketSerializer(serializers.ModelSerializer):
    customer = NamedRefSerializer(read_only=True)
    subscription = SubscriptionRefSerializer(read_only=True)
    requester = NamedRefSerializer(read_only=True)
    sla_state = serializers.SerializerMethodField(
        help_text=(
            "no_commitment (確約なし) | running | at_risk | met | breached | stopped "
            "(resolved or closed before the deadline without a response)"
        )
    )
    sla_margin_seconds = serializers.SerializerMethodField(
        help_text="Deadline minus the first response (or now while unanswered); negative = late."
    )
    sla_explanation = ExplanationStepSerializer(many=True, read_only=True)
    sla = serializers.SerializerMethodField(
        help_text="Every SLA clock: the terms' first response, then the internal targets."
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "status",
            "severity",
            "category",
            "subject",
            "description",
            "customer",
            "subscription",
            "requester",
            "channel",
            "plan",
            "submitted_at",
            "received_at",
            "first_response_due",
            "first_responded_at",
            "sla_state",
            "sla_margin_seconds",
            "breached_at",
            "escalation_level",
            "sla_explanation",
            "sla",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, ticket: Ticket) -> dict:
        """The fields above, built directly: DRF's field-by-field machinery costs more than the
        database on a page of 50 (a test asserts both give the same JSON)."""
        now = self._now()
        customer, subscription, requester = ticket.customer, ticket.subscription, ticket.requester
        margin = first_response_margin(ticket=ticket, now=now)
        return {
            "number": ticket.number,
            "status": ticket.status,
            "severity": ticket.severity,
            "category": ticket.category,
            "subject": ticket.subject,
            "description": ticket.description,
            "customer": {"id": customer.pk, "name": customer.name},
            "subscription": {
                "id": subscription.pk,
                "product_sku": subscription.product.sku,
                "product_name": subscription.product.name,
            },
            "requester": {"id": requester.pk, "name": requester.name},
            "channel": ticket.channel,
            "plan": ticket.plan,
            "submitted_at": _local_iso(ticket.submitted_at),
            "received_at": _local_iso(ticket.received_at),
            "first_response_due": _local_iso(ticket.first_response_due),
            "first_responded_at": _local_iso(ticket.first_responded_at),
            "sla_state": first_response_state(ticket=ticket, now=now).value,
            "sla_margin_seconds": None if margin is None else int(margin.total_seconds()),
            "breached_at": _local_iso(ticket.breached_at),
            "escalation_level": ticket.escalation_level,
            "sla_explanation": [
                {"code": step["code"], "ja": step["ja"], "en": step["en"]}
                for step in ticket.sla_explanation or []
            ],
            "sla": sla_object(ticket, now),
            "resolved_at": _local_iso(ticket.resolved_at),
            "closed_at": _local_iso(ticket.closed_at),
            "created_at": _local_iso(ticket.created_at),
            "updated_at": _local_iso(ticket.updated_at),
        }

    def _now(self):
        # One instant for the whole response, so every row is judged at the same moment.
        now = self.context.get("now")
        if now is None:
            now = timezone.now()
            # The context is the view's own dict (DRF types it read-only): shared by every row.
            cast(dict[str, Any], self.context)["now"] = now
        return now

    @extend_schema_field(serializers.ChoiceField(choices=[state.value for state in SlaState]))
    def get_sla_state(self, ticket: Ticket) -> str:
        return first_response_state(ticket=ticket, now=self._now()).value

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket: Ticket) -> dict:
        return sla_object(ticket, self._now())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_sla_margin_seconds(self, ticket: Ticket) -> int | None:
        margin = first_response_margin(ticket=ticket, now=self._now())
        return None if margin is None else int(margin.total_seconds())


class TicketCreateSerializer(serializers.Serializer):
    """Input of `POST /tickets/`: the references must be the caller's (else "does_not_exist")."""

    customer = IdRelatedField(queryset=Customer.objects.none())
    subscription = IdRelatedField(queryset=Subscription.objects.none())
    requester = IdRelatedField(
        queryset=Contact.objects.none(),
        help_text="A global admin (全体管理者) of the customer or its reseller.",
    )
    severity = serializers.ChoiceField(choices=Severity.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    subject = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=20000)

    def __init__(self, *args, customers=None, subscriptions=None, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        scoped = {"customer": customers, "subscription": subscriptions, "requester": contacts}
        for name, queryset in scoped.items():
            if queryset is not None:
                field = self.fields[name]
                assert isinstance(field, IdRelatedField)  # declared above
                field.scope_to(queryset)


class TicketUpdateSerializer(serializers.Serializer):
    """Input of `PATCH /tickets/{number}/`. `status` accepts only "closed": the reseller asks
    to close, and the workflow (`tickets.services.ticket_close`) decides whether it may."""

    subject = serializers.CharField(max_length=255, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    severity_reason = serializers.CharField(
        max_length=2000, required=False, help_text="Required with `severity`."
    )
    status = serializers.ChoiceField(choices=[("closed", "closed")], required=False)

    def validate(self, attrs: dict) -> dict:
        if "severity" in attrs and not attrs.get("severity_reason", "").strip():
            raise serializers.ValidationError({"severity_reason": ["required"]}, code="required")
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["empty"]}, code="empty")
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Absolute URL: GET it with the same credentials to download the file."
    )

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "url"]

    def get_url(self, attachment: Attachment) -> str:
        path = reverse(
            "v1:ticket-attachment",
            kwargs={"number": self.context["ticket_number"], "attachment_id": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "kind", "direction", "author_name", "body", "created_at", "attachments"]
        read_only_fields = fields

    def get_author_name(self, message: Message) -> str:
        if message.author_contact is not None:
            return message.author_contact.name
        if message.author_user is not None:
            return message.author_user.get_full_name() or "サポート"
        return "サポート"


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=50000)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=10
    )
