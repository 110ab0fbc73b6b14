"""Writes of the agent workspace: the personal-data reveal log (Art. 14)."""

from __future__ import annotations

from django.db import transaction

from contracts.models import Contact
from tickets.exceptions import ReasonRequired
from tickets.models import Ticket
from workspace.models import ContactReveal, RevealPurpose


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
