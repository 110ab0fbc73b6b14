"""Customers, contacts and subscriptions of the caller's reseller: thin views over
`contracts.api.selectors` (scoping) and `contracts.services` (writes)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from contracts import services
from contracts.api import selectors
from contracts.api.serializers import ContactSerializer, CustomerSerializer, SubscriptionSerializer
from contracts.models import Contact, Subscription
from helpdesk.api import CanWriteContacts, IdFilter, IsApiCaller, caller_reseller_id
from workspace.selectors import contacts_revealed_ids


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's customers (a reseller's own tenant included) with the contract in force."""

    serializer_class = CustomerSerializer
    permission_classes = [IsApiCaller]

    def get_queryset(self):
        return selectors.customers_visible_to(self.request.user).order_by("name", "id")


class ByCustomerFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", help_text="Customer id.")


class ContactFilter(ByCustomerFilter):
    class Meta:
        model = Contact
        fields = ["customer"]


class SubscriptionFilter(ByCustomerFilter):
    status = filters.ChoiceFilter(choices=Subscription.Status.choices)

    class Meta:
        model = Subscription
        fields = ["customer", "status"]


@extend_schema_view(
    create=extend_schema(
        description="Register a person. An address already registered for another active "
        "contact, by any reseller, answers 400 contact_email_taken."
    ),
    partial_update=extend_schema(
        description="Change name, email, phone or is_global_admin. A masked value sent back "
        "(as a desk user reads it) leaves the real one unchanged; a new address drops the "
        "desk's verification of a global admin."
    ),
    update=extend_schema(description="Replace name, email, phone and is_global_admin."),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People of the caller's customers (and of the reseller). Only a global admin may ask
    for support (Art. 3.2), once its address is in the customer's domains or the desk
    verified it (`global_admin_verification`, DOMAIN.md §12)."""

    serializer_class = ContactSerializer
    permission_classes = [IsApiCaller, CanWriteContacts]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ContactFilter

    def get_queryset(self):
        return selectors.contacts_visible_to(self.request.user).order_by("name", "id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            # Schema generation (no caller): nothing is revealed.
            context["revealed_contact_ids"] = frozenset()
            return context
        # Art. 14: desk users read contact data masked unless revealed in the workspace.
        context["revealed_contact_ids"] = (
            None
            if caller_reseller_id(user) is not None
            else contacts_revealed_ids(user=user, now=timezone.now())
        )
        return context

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("context", self.get_serializer_context())
        customers = selectors.customers_visible_to(self.request.user).prefetch_related(None)
        return ContactSerializer(*args, customers=customers, **kwargs)

    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reseller_id = caller_reseller_id(request.user)
        if data.get("customer") is None and reseller_id is None:
            # A desk user must say whose person this is.
            raise serializers.ValidationError({"customer": ["required"]}, code="required")
        contact = services.contact_create(
            name=data["name"],
            email=data["email"],
            phone=data.get("phone", ""),
            is_global_admin=data.get("is_global_admin", False),
            customer=data.get("customer"),
            reseller_id=reseller_id,
            actor=request.user,
        )
        return Response(
            ContactSerializer(contact, context=serializer.context).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        contact = self.get_object()
        serializer = self.get_serializer(contact, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {
            name: value
            for name, value in serializer.validated_data.items()
            if name in ("name", "email", "phone", "is_global_admin")
        }
        contact = services.contact_update(contact=contact, actor=request.user, **changes)
        return Response(ContactSerializer(contact, context=serializer.context).data)


class SubscriptionViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's customers' subscriptions: service runs from availability (Art. 5.1) until
    it ends for one of the reasons of Art. 7."""

    serializer_class = SubscriptionSerializer
    permission_classes = [IsApiCaller]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SubscriptionFilter

    def get_queryset(self):
        return selectors.subscriptions_visible_to(self.request.user).order_by("customer_id", "id")
