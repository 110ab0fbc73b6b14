"""Webhooks in the admin: the secret is entered, never displayed; deliveries are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_history import DeskHistoryAdmin
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("送信先 URL"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("署名用シークレット"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("変更する場合のみ入力（24文字以上）。現在の値は表示されません。"),
    )
    events = forms.MultipleChoiceField(
        label=_("イベント"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["reseller", "url", "secret", "events", "is_active"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if not secret:
            if self.instance.pk is None:
                raise forms.ValidationError(_("シークレットを入力してください。"))
            return self.instance.secret
        if len(secret) < 24:
            raise forms.ValidationError(_("24文字以上で入力してください。"))
        return secret


@admin.register(Webhook)
class WebhookAdmin(DeskHistoryAdmin):
    form = WebhookForm
    list_display = ["url", "reseller", "is_active", "secret_hint", "created_at"]
    list_filter = ["is_active", "reseller"]
    search_fields = ["url", "reseller__code", "reseller__name"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "uuid",
        "webhook",
        "event",
        "ticket",
        "outcome",
        "attempts",
        "response_status",
        "last_attempt_at",
        "delivered_at",
    ]
    list_filter = ["outcome", "event"]
    search_fields = ["uuid", "ticket__number", "webhook__url"]
    list_select_related = ["webhook", "ticket"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
