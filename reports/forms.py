from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.periods import Period, PeriodInvalid, custom_period, parse_month, parse_quarter
from reports.selectors import GROUP_LABELS


class ReportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("期間"),
        choices=[("month", _("月")), ("quarter", _("四半期")), ("custom", _("期間指定"))],
        initial="month",
    )
    month = forms.CharField(label=_("月 (YYYY-MM)"), required=False, max_length=7)
    quarter = forms.CharField(label=_("四半期 (YYYY-Qn)"), required=False, max_length=7)
    date_from = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label=_("グループ"),
        choices=[("", _("（全体のみ）")), *GROUP_LABELS.items()],
        required=False,
    )

    def __init__(self, *args, groups=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["group_by"].choices = [
                ("", _("（全体のみ）")),
                *[(g, GROUP_LABELS[g]) for g in groups],
            ]
        today = timezone.localdate()
        self.fields["month"].initial = f"{today:%Y-%m}"
        self.fields["quarter"].initial = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    def clean(self):
        data = super().clean()
        kind = data.get("period") or "month"
        try:
            if kind == "month":
                data["range"] = parse_month(data.get("month") or self.fields["month"].initial)
            elif kind == "quarter":
                data["range"] = parse_quarter(data.get("quarter") or self.fields["quarter"].initial)
            else:
                if not data.get("date_from") or not data.get("date_to"):
                    raise PeriodInvalid("dates required")
                data["range"] = custom_period(data["date_from"], data["date_to"])
        except PeriodInvalid as error:
            raise forms.ValidationError(
                _("期間が正しくありません（%(detail)s）。"), params={"detail": str(error)}
            ) from error
        return data

    @property
    def range(self) -> Period:
        return self.cleaned_data["range"]
