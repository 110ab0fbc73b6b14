"""Forms of the email channel's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import VerificationMethod
from mail.services import RELEASE_METHODS


class ReleaseForm(forms.Form):
    """An agent's release of a mail held as sender_unauthenticated (DOMAIN.md §12)."""

    method = forms.ChoiceField(
        label=_("確認方法"),
        choices=[(m.value, m.label) for m in VerificationMethod if m in RELEASE_METHODS],
    )
    reason = forms.CharField(
        label=_("確認の記録"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("誰に、どの番号へ折り返し、何を確認したか（送信したのが本人であること）"),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("確認の記録を入力してください。"))
        return reason
