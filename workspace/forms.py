"""Forms of the agent workspace: they read and validate input only; the services decide.

A `DomainError` raised by a service is put back on the form (`domain_error_to_form`), so the
agent sees the terms' message next to the field and keeps what was typed."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.models import Contact, Plan
from contracts.selectors import contact_global_admin_verification
from contracts.verification import GlobalAdminVerification
from helpdesk.exceptions import DomainError
from sla.deadlines import SlaState
from sla.models import Severity
from tickets.models import Category, Channel, Message, RefusalReason, Status
from tickets.services import AttachmentUpload
from workspace.models import RevealPurpose
from workspace.templatetags.workspace import SLA_LABELS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_EMPTY: list[tuple[Any, StrOrPromise]] = [("", "—")]


def _choices_set(form: forms.BaseForm, name: str, choices: list[tuple[Any, StrOrPromise]]) -> None:
    """Fill a choice field's options once the form knows the caller (its own rows)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    field.choices = choices


def domain_error_to_form(form: forms.Form, error: DomainError) -> None:
    """Attach the error to the fields it names that the form has, else to the whole form."""
    placed = False
    for name in error.fields:
        if name in form.fields:
            form.add_error(name, error.message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class QueueFilterForm(forms.Form):
    search = forms.CharField(
        label=_("検索"),
        required=False,
        max_length=200,
        help_text=_(
            "チケット番号（一部でも可）・件名・本文・Microsoft ケース番号・テナント ID・"
            "依頼者のメールアドレスまたは電話番号（完全一致）。すべての状態が対象です。"
        ),
    )
    severity = forms.ChoiceField(label=_("重大度"), required=False, choices=_EMPTY)
    plan = forms.ChoiceField(label=_("サポートの種類"), required=False, choices=_EMPTY)
    reseller = forms.TypedChoiceField(
        label=_("リセラー"), required=False, coerce=int, empty_value=None, choices=_EMPTY
    )
    customer = forms.CharField(label=_("顧客"), required=False, max_length=200)
    channel = forms.ChoiceField(label=_("受付チャネル"), required=False, choices=_EMPTY)
    assignee = forms.ChoiceField(
        label=pgettext_lazy("assignee", "担当者"), required=False, choices=_EMPTY
    )
    status = forms.ChoiceField(label=_("状態"), required=False, choices=_EMPTY)
    # Which clock (the terms' first response, or an internal target) and its state.
    sla_target = forms.ChoiceField(
        label=_("SLA の対象"),
        required=False,
        choices=[
            ("first_response", _("初回応答（約款）")),
            ("next_reply", _("次回返信（社内目標）")),
            ("resolution", _("解決（社内目標）")),
        ],
    )
    sla_state = forms.ChoiceField(label=_("SLA の状態"), required=False, choices=_EMPTY)
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=[("", _("キューの順（期限順）")), ("updated", _("最終更新順"))],
    )

    def __init__(self, *args, resellers=(), agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices_set(self, "severity", _EMPTY + list(Severity.choices))
        _choices_set(self, "plan", _EMPTY + list(Plan.choices))
        _choices_set(self, "reseller", _EMPTY + [(r.pk, r.name) for r in resellers])
        _choices_set(self, "channel", _EMPTY + list(Channel.choices))
        _choices_set(
            self,
            "assignee",
            _EMPTY + [("none", _("未割当"))] + [(str(u.pk), u.get_username()) for u in agents],
        )
        _choices_set(self, "status", _EMPTY + list(Status.choices))
        _choices_set(
            self, "sla_state", _EMPTY + [(state.value, SLA_LABELS[state]) for state in SlaState]
        )


def _uploads(files) -> list[AttachmentUpload]:
    return [
        AttachmentUpload(
            filename=upload.name,
            content_type=upload.content_type or "application/octet-stream",
            content=upload,
        )
        for upload in files
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回答"), widget=forms.Textarea(attrs={"rows": 6}))
    requests_information = forms.BooleanField(
        label=_("情報・ログを依頼する（お客様回答待ちにする, 第3条3.4）"), required=False
    )
    resolve = forms.BooleanField(
        label=_("この回答で解決済みにする"),
        required=False,
        help_text=_(
            "満足度アンケートの対象のお客様には、回答の末尾にアンケートのリンクが付きます"
            "（第14条14.2.2）。"
        ),
    )
    attachments = MultipleFileField(label=_("添付ファイル"), required=False)
    # The ticket's version when the page was loaded (workspace.collision): a reply written on
    # an older version is held until the agent has seen what changed.
    seen_version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("resolve") and cleaned.get("requests_information"):
            self.add_error("resolve", _("情報・ログを依頼する回答では、解決済みにはできません。"))
        return cleaned

    def uploads(self) -> list[AttachmentUpload]:
        return _uploads(self.cleaned_data.get("attachments") or [])


class NoteForm(forms.Form):
    body = forms.CharField(label=_("社内メモ"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("添付ファイル"), required=False)

    def uploads(self) -> list[AttachmentUpload]:
        return _uploads(self.cleaned_data.get("attachments") or [])


class PhoneCallForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("電話の方向"), choices=Message.Direction.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(label=_("通話内容"), widget=forms.Textarea(attrs={"rows": 4}))


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("新しい重大度"), choices=Severity.choices)
    reason = forms.CharField(
        label=_("変更理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=pgettext_lazy("assignee", "担当者"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=_EMPTY,
    )

    def __init__(self, *args, agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices_set(
            self,
            "assignee",
            [("", _("（未割当にする）"))] + [(u.pk, u.get_username()) for u in agents],
        )


class MicrosoftForm(forms.Form):
    """Wait on Microsoft with a case or service request number; when Partner Center is
    connected (`topics` given), or with a new service request created from the ticket."""

    mode = forms.ChoiceField(
        label=_("方法"),
        choices=[
            ("link", _("既存のサービス リクエスト（ケース番号）を関連付ける")),
            ("create", _("Partner Center でサービス リクエストを作成する")),
        ],
        initial="link",
        widget=forms.RadioSelect,
    )
    case_number = forms.CharField(label=_("Microsoft ケース番号"), max_length=40, required=False)
    title = forms.CharField(label=_("件名（Microsoft 向け）"), max_length=255, required=False)
    description = forms.CharField(
        label=_("詳細（Microsoft 向け）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("顧客名・テナント ID・チケット番号は自動で先頭に付きます。"),
    )
    support_topic = forms.ChoiceField(label=_("サポート トピック"), required=False, choices=_EMPTY)

    def __init__(self, *args, topics=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if topics is None:
            for name in ("mode", "title", "description", "support_topic"):
                del self.fields[name]
            self.fields["case_number"].required = True
        else:
            _choices_set(self, "support_topic", _EMPTY + [(t.topic_id, t.name) for t in topics])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        mode = cleaned.get("mode", "link")
        required = (
            ("title", "description", "support_topic") if mode == "create" else ("case_number",)
        )
        for name in required:
            if not (cleaned.get(name) or "").strip():
                self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("お断り理由"), choices=RefusalReason.choices)
    note = forms.CharField(
        label=_("依頼者へのメッセージ"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("依頼者に回答として送信されます（第3条3.5）。"),
    )


class MergeForm(forms.Form):
    """Merge this ticket (the duplicate) into the ticket numbered `original`."""

    original = forms.CharField(
        label=_("統合先のチケット番号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "CS-2026-000001", "autocomplete": "off"}),
    )


class LinkForm(forms.Form):
    """Link this ticket to (or unlink it from) the ticket numbered `other`."""

    other = forms.CharField(
        label=_("関連チケットの番号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "CS-2026-000001", "autocomplete": "off"}),
    )


class RevealForm(forms.Form):
    purpose = forms.ChoiceField(label=_("利用目的"), choices=RevealPurpose.choices)
    reason = forms.CharField(label=_("理由"), max_length=500)


class CustomerSearchForm(forms.Form):
    search = forms.CharField(
        label=_("リセラー・顧客・担当者を検索"),
        max_length=200,
        help_text=_(
            "顧客名・ドメイン・テナント ID・リセラー名・担当者の氏名またはメールアドレス、"
            "または発信者の電話番号"
        ),
    )


def _requester_label(contact: Contact) -> str:
    """The name, and why the terms would refuse this person (Art. 3.2, DOMAIN.md §12)."""
    if not contact.is_global_admin:
        return _("%(name)s — 全体管理者ではありません") % {"name": contact.name}
    verification = contact_global_admin_verification(contact=contact)
    if verification == GlobalAdminVerification.UNVERIFIED:
        return _("%(name)s — 全体管理者の確認が済んでいません") % {"name": contact.name}
    return contact.name


class PhoneIntakeForm(forms.Form):
    """A ticket taken on the phone (channel 'phone'); the eligibility rules run in the
    service and come back as field errors."""

    requester = forms.TypedChoiceField(label=_("依頼者"), coerce=int)
    subscription = forms.TypedChoiceField(label=_("サブスクリプション"), coerce=int)
    # No default: the agent chooses with the definitions beside the form (Art. 3.3); a
    # preselected 重大 would open 1-hour clocks by accident.
    severity = forms.ChoiceField(
        label=_("重大度"), choices=[("", _("— 選択してください —")), *Severity.choices]
    )
    category = forms.ChoiceField(label=_("カテゴリ"), choices=Category.choices)
    subject = forms.CharField(label=_("件名"), max_length=255)
    description = forms.CharField(label=_("詳細"), widget=forms.Textarea(attrs={"rows": 6}))
    submitted_at = forms.DateTimeField(
        label=_("申込日時（通話開始）"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("空欄なら現在時刻。未来の日時は指定できません。"),
    )

    def __init__(self, *args, contacts=(), subscriptions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices_set(self, "requester", _EMPTY + [(c.pk, _requester_label(c)) for c in contacts])
        _choices_set(
            self,
            "subscription",
            _EMPTY
            + [(s.pk, f"{s.product.name} ({s.get_status_display()})") for s in subscriptions],
        )

    def clean_submitted_at(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("submitted_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("申込日時に未来の日時は指定できません。"))
        return value


class RefusedCallForm(forms.Form):
    """A call the terms refuse (Art. 3.5), kept on record: who called, about what, and why."""

    caller_name = forms.CharField(label=_("発信者の氏名"), max_length=200)
    caller_phone = forms.CharField(label=_("発信者の電話番号"), max_length=40, required=False)
    requester = forms.TypedChoiceField(
        label=pgettext_lazy("one contact", "登録済みの担当者"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    subscription = forms.TypedChoiceField(
        label=_("サブスクリプション"), coerce=int, required=False, empty_value=None
    )
    category = forms.ChoiceField(label=_("カテゴリ"), required=False, choices=_EMPTY)
    reason = forms.ChoiceField(label=_("お断り理由（第3条3.5）"), choices=RefusalReason.choices)
    code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=60)
    summary = forms.CharField(
        label=_("お問い合わせの内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, contacts=(), subscriptions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices_set(self, "requester", _EMPTY + [(c.pk, c.name) for c in contacts])
        _choices_set(self, "subscription", _EMPTY + [(s.pk, s.product.name) for s in subscriptions])
        _choices_set(self, "category", _EMPTY + list(Category.choices))


BULK_ACTIONS = [
    ("take", _("自分の担当にする")),
    ("assign", _("担当者を割り当てる")),
    ("in_progress", _("対応中にする")),
    ("resolved", _("解決済みにする")),
    ("closed", _("クローズする")),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("一括操作"), choices=BULK_ACTIONS)
    assignee = forms.TypedChoiceField(
        label=_("担当者"), required=False, coerce=int, empty_value=None
    )
    numbers = forms.CharField(widget=forms.MultipleHiddenInput, required=False)

    def __init__(self, *args, agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices_set(
            self, "assignee", [("", "—")] + [(user.pk, user.get_username()) for user in agents]
        )
