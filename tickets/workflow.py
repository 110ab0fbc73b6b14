"""The ticket workflow as a table: which status may follow which."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("新規")
    IN_PROGRESS = "in_progress", _("対応中")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("お客様回答待ち")
    WAITING_ON_MICROSOFT = "waiting_on_microsoft", _("Microsoft 回答待ち")
    RESOLVED = "resolved", _("解決済み")
    CLOSED = "closed", _("クローズ")
    REFUSED = "refused", _("お断り")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_MICROSOFT}
)

# Art. 3.4: waiting_on_customer when the desk asks for information or logs;
# Art. 3.5: refused at reception or when an investigation is stopped midway.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.IN_PROGRESS,
            Status.WAITING_ON_CUSTOMER,
            Status.WAITING_ON_MICROSOFT,
            Status.RESOLVED,
            Status.CLOSED,
            Status.REFUSED,
        }
    ),
    Status.IN_PROGRESS: frozenset(
        {
            Status.WAITING_ON_CUSTOMER,
            Status.WAITING_ON_MICROSOFT,
            Status.RESOLVED,
            Status.CLOSED,
            Status.REFUSED,
        }
    ),
    Status.WAITING_ON_CUSTOMER: frozenset(
        {
            Status.IN_PROGRESS,
            Status.WAITING_ON_MICROSOFT,
            Status.RESOLVED,
            Status.CLOSED,
            Status.REFUSED,
        }
    ),
    Status.WAITING_ON_MICROSOFT: frozenset(
        {
            Status.IN_PROGRESS,
            Status.WAITING_ON_CUSTOMER,
            Status.RESOLVED,
            Status.CLOSED,
            Status.REFUSED,
        }
    ),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),  # reopen or close
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),  # reopen
    Status.REFUSED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),  # reopen or close
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def allowed_targets(current: str) -> frozenset[str]:
    return TRANSITIONS.get(current, frozenset())
