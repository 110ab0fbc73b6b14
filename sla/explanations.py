"""A deadline's explanation as the reader reads it. The steps are stored in both languages
(`sla.deadlines.Step`, one dict per step on the ticket); the workspace's templates, the admin
and anything else that shows them pick the active language here."""

from __future__ import annotations

from django.utils.translation import get_language


def explanation_lines(steps: list[dict[str, str]] | None) -> list[str]:
    """The steps in the active language (Japanese unless English)."""
    key = "en" if (get_language() or "ja").startswith("en") else "ja"
    return [step.get(key) or step.get("ja", "") for step in steps or []]
