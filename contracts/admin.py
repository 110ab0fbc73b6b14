"""Admin of resellers, customers, contacts, products, subscriptions and support contracts.

Contacts are written through `contracts.services`, as the API writes them: one address per
active contact, masked values never stored, a desk verification recorded with who and how."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from contracts import selectors, services, verification
from contracts.exceptions import ContractOverlap
from contracts.models import (
    Contact,
    Customer,
    Product,
    Reseller,
    Subscription,
    SupportContract,
    VerificationMethod,
)
from contracts.services import contract_overlaps
from helpdesk.exceptions import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@admin.register(Reseller)
class ResellerAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "name")


class DomainListField(forms.CharField):
    """A list of domains typed one per line (or separated by commas or spaces)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def clean(self, value) -> list[str]:
        text = super().clean(value) or ""
        domains: list[str] = []
        for item in text.replace(",", " ").split():
            domain = verification.domain_normalise(item)
            if domain is None:
                raise ValidationError(
                    _("ドメインとして正しくありません: %(value)s"), params={"value": item}
                )
            if domain not in domains:
                domains.append(domain)
        return domains


class CustomerForm(ModelForm):
    domains = DomainListField(
        label=_("その他のドメイン"), required=False, help_text=Customer.domains.field.help_text
    )

    class Meta:
        model = Customer
        fields = [
            "reseller",
            "name",
            "tenant_id",
            "primary_domain",
            "domains",
            "is_reseller_tenant",
            "delegated_access",
            "delegated_access_changed_at",
            "delegated_access_changed_by",
            "gdap_expires_on",
            "gdap_roles",
            "gdap_holder",
            "has_azure_tenant",
        ]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    form = CustomerForm
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


class ContactForm(ModelForm):
    """The contact's own fields, checked by the service's rules; and a desk verification of
    a global admin whose address is not in the customer's domains (DOMAIN.md §12)."""

    verify_method = forms.ChoiceField(
        label=_("全体管理者として確認する（確認方法）"),
        choices=[("", "---------"), *VerificationMethod.choices],
        required=False,
        help_text=_(
            "メールアドレスが顧客のドメインにない全体管理者は、登録済みの電話番号に折り返すなどして"
            "本人であることを確認するまで問い合わせできません。確認したら方法を選んで保存します。"
        ),
    )
    verify_note = forms.CharField(
        label=_("確認の記録"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("誰に、どの番号で、何を確認したか"),
    )

    class Meta:
        model = Contact
        fields = ["customer", "reseller", "name", "email", "phone", "is_global_admin", "is_active"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        email = cleaned.get("email")
        if email and cleaned.get("is_active", True):
            try:
                services.contact_email_check(email=email, exclude_pk=self.instance.pk)
            except DomainError as error:
                self.add_error("email", error.message)
        if cleaned.get("verify_method") and not cleaned.get("verify_note", "").strip():
            self.add_error("verify_note", _("確認の記録を入力してください。"))
        if cleaned.get("verify_method") and not cleaned.get("is_global_admin"):
            self.add_error("verify_method", _("全体管理者だけが確認の対象です。"))
        return cleaned


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    form = ContactForm
    list_display = (
        "name",
        "email",
        "customer",
        "reseller",
        "is_global_admin",
        "verification",
        "is_active",
    )
    list_filter = ("is_global_admin", "is_active")
    search_fields = ("name", "email", "customer__name", "reseller__name")
    autocomplete_fields = ("customer", "reseller")
    readonly_fields = (
        "verification",
        "global_admin_verified_at",
        "global_admin_verified_by",
        "global_admin_verification_method",
        "global_admin_verification_note",
    )

    def get_queryset(self, request: HttpRequest):
        return selectors.contacts_with_domains(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A contact's party never changes (Art. 3.2 ties a person to one tenant).
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "customer", "reseller") if obj is not None else fields

    @admin.display(description=_("全体管理者の確認"))
    def verification(self, contact: Contact) -> StrOrPromise:
        if contact.pk is None:
            return "—"
        state = selectors.contact_global_admin_verification(contact=contact)
        return verification.GlobalAdminVerification(state).label if state else "—"

    def save_model(self, request: HttpRequest, obj: Contact, form, change: bool) -> None:
        """Through the services, as the API writes contacts; the verification last."""
        data = form.cleaned_data
        if change:
            contact = services.contact_update(
                contact=obj,
                actor=request.user,
                **{name: data[name] for name in services.CONTACT_EDITABLE if name in data},
            )
        else:
            contact = services.contact_create(
                name=data["name"],
                email=data["email"],
                phone=data.get("phone", ""),
                is_global_admin=data.get("is_global_admin", False),
                customer=data.get("customer"),
                reseller_id=data["reseller"].pk if data.get("reseller") else None,
                actor=request.user,
            )
            if not data.get("is_active", True):
                contact = services.contact_update(
                    contact=contact, actor=request.user, is_active=False
                )
        if data.get("verify_method"):
            contact = services.contact_verify_global_admin(
                contact=contact,
                actor=request.user,
                method=data["verify_method"],
                note=data.get("verify_note", ""),
            )
        obj.pk = contact.pk
        obj.refresh_from_db()


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

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        customer = cleaned.get("customer")
        reseller = cleaned.get("reseller")
        if customer is not None and reseller not in (None, customer.reseller):
            raise ValidationError({"customer": "顧客はこのリセラーの顧客ではありません。"})
        starts_on = cleaned.get("starts_on")
        if reseller is None or starts_on is None:
            return cleaned  # the field errors say what is missing
        candidate = SupportContract(
            pk=self.instance.pk,
            reseller=reseller,
            customer=customer,
            status=cleaned.get("status", ""),
            starts_on=starts_on,
            ends_on=cleaned.get("ends_on"),
        )
        if contract_overlaps(candidate):
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
