"""How a deadline is shown outside Python: the JSON of the SLA preview (the API and the
`sla_preview` command answer the same body)."""

from __future__ import annotations

import datetime
from typing import Any

from sla import calendars, deadlines
from sla.services import steps_as_json


def _jst(moment: datetime.datetime | None) -> str | None:
    # DOMAIN.md point 1: shown in JST, ISO 8601 with its offset.
    return moment.astimezone(calendars.TOKYO).isoformat() if moment is not None else None


def preview_payload(deadline: deadlines.Deadline) -> dict[str, Any]:
    """`{"plan", "severity", "submitted_at", "received_at", "first_response_due",
    "explanation"}`; `first_response_due` is null when there is no commitment (確約なし)."""
    return {
        "plan": deadline.plan,
        "severity": deadline.severity,
        "submitted_at": _jst(deadline.submitted_at),
        "received_at": _jst(deadline.received_at),
        "first_response_due": _jst(deadline.first_response_due),
        "explanation": steps_as_json(deadline),
    }
