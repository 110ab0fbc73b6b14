"""Outgoing mail text: an admin's MailTemplate row when there is one, else the file template
under templates/mail/ (Japanese first, with English below it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine
from django.utils import timezone
from django.utils.translation import override

from mail.models import MailTemplate


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


def _render(source: str, context: dict[str, Any], *, autoescape: bool) -> str:
    engine = Engine.get_default()
    if not autoescape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    return engine.from_string(source).render(Context(context, autoescape=autoescape))


def _file_source(name: str) -> str | None:
    from django.template import TemplateDoesNotExist

    try:
        return Engine.get_default().get_template(name).source
    except TemplateDoesNotExist:
        return None


def _sources(key: str, language: str) -> tuple[str, str, str | None]:
    """(subject, text, html) sources: the admin's row in the language, then in Japanese, then
    in English, then the files."""
    rows = {row.language: row for row in MailTemplate.objects.filter(key=key)}
    for candidate in (language, "ja", "en"):
        row = rows.get(candidate)
        if row is not None:
            return row.subject, row.text, row.html or None
    subject = _file_source(f"mail/{key}.subject.txt") or key
    text = _file_source(f"mail/{key}.txt") or ""
    return subject, text, _file_source(f"mail/{key}.html")


def mail_render(*, key: str, context: dict[str, Any], language: str = "ja") -> RenderedMail:
    subject_source, text_source, html_source = _sources(key, language)
    with override(language):
        subject = _render(subject_source, context, autoescape=False)
        text = _render(text_source, context, autoescape=False)
        html = _render(html_source, context, autoescape=True) if html_source else None
    # A header is one line: a template or a customer's subject must not add headers.
    subject = " ".join(subject.split())[:250]
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)


def format_jst(value: datetime.datetime | None) -> str:
    """An instant as Japanese readers expect it (JST, 24-hour); empty for no instant
    (the templates then say 確約なし, DOMAIN.md §7)."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return f"{local:%Y-%m-%d %H:%M} (JST)"
