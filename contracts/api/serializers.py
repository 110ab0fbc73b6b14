"""What the reseller API shows of customers, contacts and subscriptions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import (
    Contact,
    Customer,
    Product,
    Subscription,
    SupportContract,
    VerificationMethod,
)
from contracts.selectors import contact_global_admin_verification
from contracts.verification import GlobalAdminVerification
from helpdesk.api import IdRelatedField
from workspace.selectors import mask_email, mask_phone


class SupportContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupportContract
        fields = ["plan", "status", "starts_on", "ends_on"]


class CustomerSerializer(serializers.ModelSerializer):
    contract = serializers.SerializerMethodField(
        help_text="The support contract in force today (the customer's own, else its reseller's)."
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "tenant_id",
            "primary_domain",
            "domains",
            "is_reseller_tenant",
            "delegated_access",
            "contract",
        ]

    @extend_schema_field(SupportContractSerializer(allow_null=True))
    def get_contract(self, customer: Customer) -> dict | None:
        # Prefetched by contracts.api.selectors.customers_visible_to: no query per row.
        own = getattr(customer, "contracts_own", [])
        inherited = getattr(customer.reseller, "contracts_reseller", [])
        contract = own[0] if own else (inherited[0] if inherited else None)
        return SupportContractSerializer(contract).data if contract is not None else None


class MaskableEmailField(serializers.EmailField):
    """An address, or the masked form a desk user was shown (`t•••@example.jp`): sent back
    unchanged it is let through, and `contracts.services` keeps the real value (Art. 14)."""

    def run_validators(self, value: str) -> None:
        if "•" not in value:
            super().run_validators(value)


class ContactSerializer(serializers.ModelSerializer):
    email = MaskableEmailField(max_length=254)
    global_admin_verification = serializers.SerializerMethodField(
        help_text=(
            "For a global admin, whether its address is known to be theirs (DOMAIN.md §12): "
            "`domain` (in one of the customer's domains), `desk` (verified by the support "
            "desk by a call-back), or `unverified` (may not ask: requester_not_verified); "
            "null for a contact that is not a global admin."
        )
    )
    global_admin_verification_method = serializers.SerializerMethodField(
        help_text="How the desk verified the address (with `global_admin_verification` = desk)."
    )
    customer = IdRelatedField(
        queryset=Customer.objects.none(),
        required=False,
        allow_null=True,
        help_text="The customer this person belongs to; omit for a person of the reseller itself.",
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "email",
            "phone",
            "is_global_admin",
            "global_admin_verification",
            "global_admin_verified_at",
            "global_admin_verification_method",
            "is_active",
        ]
        read_only_fields = ["id", "is_active", "global_admin_verified_at"]

    def __init__(self, *args, customers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if customers is not None:
            customer_field = self.fields["customer"]
            assert isinstance(customer_field, IdRelatedField)  # declared above
            customer_field.scope_to(customers)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # The party of a contact never changes (Art. 3.2 ties a person to one tenant).
            self.fields["customer"].read_only = True

    @extend_schema_field(
        serializers.ChoiceField(choices=GlobalAdminVerification.choices, allow_null=True)
    )
    def get_global_admin_verification(self, contact: Contact) -> str | None:
        return contact_global_admin_verification(contact=contact)

    @extend_schema_field(
        serializers.ChoiceField(choices=VerificationMethod.choices, allow_null=True)
    )
    def get_global_admin_verification_method(self, contact: Contact) -> str | None:
        return contact.global_admin_verification_method or None

    def to_representation(self, contact: Contact) -> dict:
        """Art. 14: a desk user reads email and phone masked, as on the ticket page, unless it
        revealed this contact in the workspace; the view names those in the context (None for
        a reseller, whose own data it is)."""
        data = super().to_representation(contact)
        revealed = self.context.get("revealed_contact_ids")
        if revealed is not None and contact.pk not in revealed:
            data["email"] = mask_email(data.get("email") or "")
            data["phone"] = mask_phone(data.get("phone") or "")
        return data

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("blank", code="blank")
        return value.strip()


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "name", "family", "support_scope"]


class SubscriptionSerializer(serializers.ModelSerializer):
    product = ProductSerializer(read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "customer",
            "product",
            "quantity",
            "status",
            "available_at",
            "ended_at",
            "end_reason",
        ]
