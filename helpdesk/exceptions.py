"""The one base of every domain error: a stable code, a message in Japanese and English, and
the fields it concerns. Services raise them; the API's exception handler and the UI's forms
turn them into HTTP 400/404/409 answers and form errors. Services never know HTTP."""

from __future__ import annotations

from django.utils.translation import get_language


class DomainError(Exception):
    code: str = "domain_error"
    status_code: int = 400
    message_ja: str = "処理できませんでした。"
    message_en: str = "The request could not be processed."

    def __init__(
        self,
        message_ja: str | None = None,
        message_en: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        if message_ja is not None:
            self.message_ja = message_ja
        if message_en is not None:
            self.message_en = message_en
        self.fields = fields or {}
        super().__init__(self.message_en)

    @property
    def message(self) -> str:
        """The message in the active language (Japanese unless English is active)."""
        return self.message_en if (get_language() or "ja").startswith("en") else self.message_ja

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "fields": self.fields,
        }
