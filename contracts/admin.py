"""Admin of resellers, customers, contacts, products, subscriptions and support contracts."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from simple_history.admin import SimpleHistoryAdmin

from contracts.exceptions import ContractOverlap
from contracts.models import Contact, Customer, Product, Reseller, Subscription, SupportContract
from contracts.services import contract_overlaps


@admin.register(Reseller)
class ResellerAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "name")


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "reseller",
        "tenant_id",
        "primary_domain",
        "delegated_access",
        "is_reseller_tenant",
    )
    list_filter = ("delegated_access", "has_azure_tenant", "is_reseller_tenant", "reseller")
    search_fields = ("name", "primary_domain", "tenant_id", "reseller__name", "reseller__code")
    list_select_related = ("reseller",)
    autocomplete_fields = ("reseller",)


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "email", "customer", "reseller", "is_global_admin", "is_active")
    list_filter = ("is_global_admin", "is_active")
    search_fields = ("name", "email", "customer__name", "reseller__name")
    list_select_related = ("customer", "reseller")
    autocomplete_fields = ("customer", "reseller")


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ("sku", "name", "family", "support_included", "support_scope")
    list_filter = ("family", "support_included", "support_scope")
    search_fields = ("sku", "name")


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ("product", "customer", "quantity", "status", "available_at", "end_reason")
    list_filter = ("status", "end_reason", "product__family")
    search_fields = ("customer__name", "product__name", "product__sku")
    list_select_related = ("customer", "product")
    autocomplete_fields = ("customer", "product")


class SupportContractForm(ModelForm):
    class Meta:
        model = SupportContract
        fields = ["reseller", "customer", "plan", "starts_on", "ends_on", "status"]

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and cleaned.get("reseller") not in (None, customer.reseller):
            raise ValidationError({"customer": "顧客はこのリセラーの顧客ではありません。"})
        candidate = SupportContract(
            pk=self.instance.pk,
            reseller=cleaned.get("reseller"),
            customer=customer,
            status=cleaned.get("status"),
            starts_on=cleaned.get("starts_on"),
            ends_on=cleaned.get("ends_on"),
        )
        if cleaned.get("reseller") and cleaned.get("starts_on") and contract_overlaps(candidate):
            raise ValidationError(ContractOverlap.message_ja)
        return cleaned


@admin.register(SupportContract)
class SupportContractAdmin(SimpleHistoryAdmin):
    form = SupportContractForm
    list_display = ("reseller", "customer", "plan", "starts_on", "ends_on", "status")
    list_filter = ("plan", "status")
    search_fields = ("reseller__name", "reseller__code", "customer__name")
    list_select_related = ("reseller", "customer")
    autocomplete_fields = ("reseller", "customer")
