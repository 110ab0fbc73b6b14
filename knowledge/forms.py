from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Product
from knowledge.models import Article, ArticleLink
from knowledge.services import LinkInput
from tickets.models import Category

_LANGUAGES = set(ArticleLink.Language.values)


class ArticleForm(forms.ModelForm):
    product_families = forms.MultipleChoiceField(
        label=_("製品ファミリー"),
        choices=Product.Family.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("カテゴリ（サポート範囲）"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    links = forms.CharField(
        label=_("参考資料（1 行に 1 件: 言語 | 表題 | URL）"),
        help_text=_("例: en | Set up multifactor authentication | https://learn.microsoft.com/…"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "body",
            "title_en",
            "body_en",
            "product_families",
            "categories",
            "visibility",
            "status",
            "review_on",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12}),
            "body_en": forms.Textarea(attrs={"rows": 6}),
            "review_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["links"] = "\n".join(
                f"{link.language} | {link.title} | {link.url}" for link in self.instance.links.all()
            )

    def clean_links(self) -> list[LinkInput]:
        url_field = forms.URLField(assume_scheme="https")
        result = []
        for number, line in enumerate(self.cleaned_data["links"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or parts[0] not in _LANGUAGES or not parts[1]:
                raise forms.ValidationError(
                    _(
                        "%(number)s 行目: 「言語 | 表題 | URL」の形で入力してください"
                        "（言語は ja か en）。"
                    ),
                    params={"number": number},
                )
            try:
                url = url_field.clean(parts[2])
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    _("%(number)s 行目: URL が正しくありません。"), params={"number": number}
                ) from error
            result.append(LinkInput(title=parts[1], url=url, language=parts[0]))
        return result


class ArticleSearchForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=200)
