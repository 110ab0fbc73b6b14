"""The admin's history pages (django-simple-history), made safe and readable for the desk.

- An object's history lists who changed what, newest first: objects and users by name (not
  raw ids), times in JST, choices by their label, in the user's language.
- Personal data (a contact's email and phone) is masked there as on every other screen
  (Art. 14), unless the admin says the user revealed it with a purpose (`history_unmasked`).
- No old version is opened as a form and none is restored ("Revert"): a restore would write
  a ticket, message or contact past the services that keep the workflow, its events,
  webhooks and mail (issue 10, "the admin is no back door").
- Proxy models (the held-mail list) read the history of the model they stand for."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.permissions import mask_email, mask_phone

HISTORY_KINDS = {"+": _("作成"), "~": _("変更"), "-": _("削除")}
PAGE_SIZE = 100

if TYPE_CHECKING:
    from django.template.response import _TemplateForResponseT


@dataclass
class HistoryRow:
    when: str
    who: str
    kind: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def jst(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S JST")


class DeskHistoryAdmin(SimpleHistoryAdmin):
    """The base of every admin page with a history (see the module's docstring)."""

    object_history_template: ClassVar[_TemplateForResponseT | None] = (
        "admin/desk_object_history.html"
    )
    # Field name → how the history shows it masked (Art. 14).
    history_masked_fields: dict[str, Callable[[str], str]] = {}

    def history_unmasked(self, request: HttpRequest, obj: models.Model) -> bool:
        """Whether `request.user` may read `obj`'s personal data unmasked here."""
        return False

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id, version_id, extra_context=None
    ) -> HttpResponse:
        raise PermissionDenied

    def history_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        model = self.model._meta.concrete_model
        assert model is not None
        # Who may not read the model learns nothing of which objects exist.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        history = model.history
        records = history.filter(**{model._meta.pk.attname: obj.pk}).select_related("history_user")
        records = records.order_by("-history_date", "-history_id")
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("p"))
        rows = self._rows(request, obj, model, list(page.object_list), records)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("変更履歴: %(object)s") % {"object": obj},
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "module_name": capfirst(str(opts.verbose_name_plural)),
            "rows": rows,
            "page": page,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        template = self.object_history_template or "admin/desk_object_history.html"
        return TemplateResponse(request, template, context)

    # --- one row per record, against the record before it --------------------------------------

    def _rows(self, request, obj, model, records: list, all_records) -> list[HistoryRow]:
        older = None
        if records:
            last = records[-1]
            older = (
                all_records.filter(history_date__lte=last.history_date)
                .exclude(history_id=last.history_id)
                .first()
            )
        pairs = [
            (record, records[index + 1] if index + 1 < len(records) else older)
            for index, record in enumerate(records)
        ]
        diffs = [
            record.diff_against(previous, foreign_keys_are_objs=False).changes
            if previous is not None
            else []
            for record, previous in pairs
        ]
        names = self._related_names(model, diffs)
        unmasked = self.history_unmasked(request, obj)
        rows = []
        for (record, _previous), changes in zip(pairs, diffs, strict=True):
            rows.append(
                HistoryRow(
                    when=jst(record.history_date),
                    who=str(record.history_user) if record.history_user else gettext("システム"),
                    kind=str(HISTORY_KINDS.get(record.history_type, record.history_type)),
                    changes=[
                        (
                            str(model._meta.get_field(change.field).verbose_name),
                            self._value(model, change.field, change.old, names, unmasked),
                            self._value(model, change.field, change.new, names, unmasked),
                        )
                        for change in changes
                    ],
                )
            )
        return rows

    def _related_names(self, model, diffs) -> dict[tuple[Any, Any], str]:
        """The names of every related object a page of changes refers to: one query per
        related model."""
        wanted: dict[Any, set] = {}
        for changes in diffs:
            for change in changes:
                model_field = model._meta.get_field(change.field)
                if model_field.is_relation and model_field.many_to_one:
                    related = model_field.related_model
                    wanted.setdefault(related, set()).update(
                        value for value in (change.old, change.new) if value is not None
                    )
        names: dict[tuple[Any, Any], str] = {}
        for related, ids in wanted.items():
            for pk, instance in related._default_manager.in_bulk(list(ids)).items():
                names[(related, pk)] = str(instance)
        return names

    def _value(self, model, name: str, value: Any, names, unmasked: bool) -> str:
        if value is None or value == "":
            return "—"
        model_field = model._meta.get_field(name)
        if name in self.history_masked_fields and not unmasked:
            return self.history_masked_fields[name](str(value))
        if model_field.is_relation and model_field.many_to_one:
            related = model_field.related_model
            return names.get((related, value), gettext("（削除済み）"))
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, datetime.datetime):
            return jst(value)
        if isinstance(value, bool):
            return gettext("はい") if value else gettext("いいえ")
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return str(value)


PERSONAL_DATA_MASKS: dict[str, Callable[[str], str]] = {"email": mask_email, "phone": mask_phone}
