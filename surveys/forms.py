from django import forms
from django.utils.translation import gettext_lazy as _

RATING_CHOICES = [
    (5, _("5 — とても満足")),
    (4, _("4 — 満足")),
    (3, _("3 — ふつう")),
    (2, _("2 — 不満")),
    (1, _("1 — とても不満")),
]


class SurveyAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("今回のサポートの満足度"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("ご意見・ご感想（任意）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    opt_out = forms.BooleanField(label=_("今後、満足度アンケートを受け取らない"), required=False)
