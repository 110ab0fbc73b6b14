from django import forms

from replies.models import ReplyTemplate


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["name", "language", "body", "requests_information", "position", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
