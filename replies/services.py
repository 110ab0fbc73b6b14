"""Writes of reply templates (the history row names the editor)."""

from __future__ import annotations

from django.db import transaction

from replies.models import ReplyTemplate


@transaction.atomic
def template_save(*, template: ReplyTemplate, actor, shared: bool) -> ReplyTemplate:
    """Save a shared template (supervisors) or the actor's own."""
    template.owner = None if shared else actor
    template._history_user = actor
    template.save()
    return template
