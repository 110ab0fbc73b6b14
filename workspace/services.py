"""Writes of the agent workspace: the personal-data reveal log (Art. 14), and when an agent
last opened a ticket (the queues' unread marker)."""

from __future__ import annotations

import datetime

from django.db import transaction

from contracts.models import Contact
from tickets.exceptions import ReasonRequired
from tickets.models import Ticket
from workspace.models import ContactReveal, RevealPurpose, TicketView


@transaction.atomic
def contact_reveal(
    *, user, contact: Contact, purpose: str, reason: str, ticket: Ticket | None = None
) -> ContactReveal:
    """Log that `user` unmasks `contact`'s email and phone, for one of the purposes of
    Art. 14.2 and a stated reason; no purpose or no reason, no reveal."""
    if purpose not in RevealPurpose.values:
        raise ReasonRequired(
            "利用目的を選択してください（第14条2項）。",
            "Choose the purpose of use (Art. 14.2).",
            fields={"purpose": [ReasonRequired.code]},
        )
    if not reason.strip():
        raise ReasonRequired(fields={"reason": [ReasonRequired.code]})
    return ContactReveal.objects.create(
        user=user, contact=contact, ticket=ticket, purpose=purpose, reason=reason.strip()
    )


def ticket_seen(*, user, ticket: Ticket, now: datetime.datetime) -> None:
    """`user` opened `ticket` now: it is read for them until it changes again."""
    # One statement whether or not a row exists (INSERT … ON CONFLICT DO UPDATE).
    TicketView.objects.bulk_create(
        [TicketView(user=user, ticket=ticket, seen_at=now)],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["seen_at"],
    )
