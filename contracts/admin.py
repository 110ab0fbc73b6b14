"""Admin of resellers, customers, contacts, products, subscriptions and support contracts.

Contacts are written through `contracts.services`, as the API writes them: one address per
active contact, masked values never stored, a desk verification recorded with who and how."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.permissions import mask_email, mask_phone
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
from helpdesk.admin_history import PERSONAL_DATA_MASKS, DeskHistoryAdmin
from helpdesk.exceptions import DomainError
from workspace.forms import RevealForm
from workspace.selectors import contact_revealed, contacts_revealed_ids
from workspace.services import contact_reveal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@admin.register(Reseller)
class ResellerAdmin(DeskHistoryAdmin):
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
class CustomerAdmin(DeskHistoryAdmin):
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
class ContactAdmin(DeskHistoryAdmin):
    """A contact's email and phone are masked on every page of the admin (list, change page,
    history, and wherever its name appears: `Contact.__str__`) until the user reveals them
    with a purpose of Art. 14.2 and a reason, logged as in the workspace (ContactReveal);
    a reveal lasts WORKSPACE_REVEAL_MINUTES. A masked contact's email and phone cannot be
    edited (the form never carries them)."""

    form = ContactForm
    history_masked_fields = PERSONAL_DATA_MASKS
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

    # --- masking and the purpose-logged reveal (Art. 14) ---------------------------------------

    def _revealed(self, request: HttpRequest, contact: Contact | None) -> bool:
        if contact is None or contact.pk is None:
            return True  # a new contact: what is typed is the typist's own
        revealed = contact_revealed(user=request.user, contact=contact, now=timezone.now())
        return permissions.personal_data_unmasked(request.user, revealed=revealed)

    def history_unmasked(self, request: HttpRequest, obj) -> bool:
        return self._revealed(request, obj)

    def get_list_display(self, request: HttpRequest):
        revealed = contacts_revealed_ids(user=request.user, now=timezone.now())

        @admin.display(description=_("メールアドレス"), ordering="email")
        def email(contact: Contact) -> str:
            return contact.email if contact.pk in revealed else mask_email(contact.email)

        @admin.display(description=_("電話番号"))
        def phone(contact: Contact) -> str:
            return contact.phone if contact.pk in revealed else mask_phone(contact.phone)

        return (
            "name",
            email,
            phone,
            "customer",
            "reseller",
            "is_global_admin",
            "verification",
            "is_active",
        )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A contact's party never changes (Art. 3.2 ties a person to one tenant).
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        fields = (*fields, "customer", "reseller")
        if not self._revealed(request, obj):
            fields = (*fields, "email", "phone", "masked_email", "masked_phone")
        return fields

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self._revealed(request, obj):
            fields = [
                {"email": "masked_email", "phone": "masked_phone"}.get(name, name)
                for name in fields
                if name not in ("masked_email", "masked_phone")
            ]
        return fields

    @admin.display(description=_("メールアドレス"))
    def masked_email(self, contact: Contact) -> str:
        url = reverse("admin:contracts_contact_reveal", args=[contact.pk])
        return format_html(
            '{} <a href="{}">{}</a>', mask_email(contact.email), url, _("表示する（目的を記録）")
        )

    @admin.display(description=_("電話番号"))
    def masked_phone(self, contact: Contact) -> str:
        return mask_phone(contact.phone)

    def get_urls(self):
        return [
            path(
                "<int:contact_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="contracts_contact_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request: HttpRequest, contact_id: int) -> HttpResponse:
        """Show a contact's email and phone for a purpose of Art. 14.2 and a reason; the
        reveal is logged (who, whom, when, why) and lasts WORKSPACE_REVEAL_MINUTES."""
        contact = self.get_object(request, str(contact_id))
        if contact is None:
            raise Http404
        if not self.has_view_or_change_permission(request, contact):
            raise PermissionDenied
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            contact_reveal(
                user=request.user,
                contact=contact,
                purpose=form.cleaned_data["purpose"],
                reason=form.cleaned_data["reason"],
            )
            self.message_user(request, _("連絡先を表示しました。この操作は記録されています。"))
            return redirect("admin:contracts_contact_change", contact.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("連絡先を表示する: %(name)s") % {"name": contact.name},
            "opts": self.model._meta,
            "contact": contact,
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/contracts/contact/reveal.html",
            context,
            status=400 if form.errors else 200,
        )

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
class ProductAdmin(DeskHistoryAdmin):
    list_display = ("sku", "name", "family", "support_included", "support_scope")
    list_filter = ("family", "support_included", "support_scope")
    search_fields = ("sku", "name")


@admin.register(Subscription)
class SubscriptionAdmin(DeskHistoryAdmin):
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
class SupportContractAdmin(DeskHistoryAdmin):
    form = SupportContractForm
    list_display = ("reseller", "customer", "plan", "starts_on", "ends_on", "status")
    list_filter = ("plan", "status")
    search_fields = ("reseller__name", "reseller__code", "customer__name")
    list_select_related = ("reseller", "customer")
    autocomplete_fields = ("reseller", "customer")
