"""Merging a duplicate into its original, and linking related tickets.

A merge moves the duplicate's whole thread (messages with their attachments) onto the
original, adds an internal note there with what the duplicate said, closes the duplicate as
merged (`merged_into` points to the original) and records an event on both tickets; the
duplicate's MERGED event makes the mail channel tell the requester (mail.services). Who may
merge or link is `accounts.permissions.may_merge_tickets`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import permissions
from helpdesk.history import history_user_set
from search import services as search_services
from tickets.events import event_record
from tickets.exceptions import LinkRefused, MergeRefused, OtherTicketNotFound
from tickets.models import Message, Status, Ticket, TicketEvent, TicketLink
from tickets.selectors import tickets_visible_to
from tickets.services import message_add, ticket_transition

Kind = TicketEvent.Kind


def _refuse(message_ja: str, message_en: str, field: str = "original") -> MergeRefused:
    return MergeRefused(message_ja, message_en, fields={field: [MergeRefused.code]})


def _check_allowed(actor, duplicate: Ticket, original: Ticket, field: str) -> None:
    if actor is not None and not permissions.may_merge_tickets(actor, duplicate, original):
        raise OtherTicketNotFound(fields={field: [OtherTicketNotFound.code]})


@transaction.atomic
def ticket_merge(
    *, duplicate: Ticket, original: Ticket, actor=None, now: datetime.datetime | None = None
) -> Ticket:
    """Merge `duplicate` into `original` and return the duplicate, closed as merged. Refused
    (MergeRefused) into itself, into a merged ticket, or when the duplicate is merged already;
    a ticket the actor may not see is "not found" (OtherTicketNotFound)."""
    now = now or timezone.now()
    if duplicate.pk == original.pk:
        raise _refuse(
            "チケットを自分自身に統合することはできません。", "A ticket cannot merge into itself."
        )
    _check_allowed(actor, duplicate, original, "original")
    # Both rows locked in one order, so two merges of the same pair wait for each other.
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, original.pk])
        .order_by("pk")
    }
    duplicate, original = locked[duplicate.pk], locked[original.pk]
    if duplicate.customer_id != original.customer_id:
        # One customer's thread never moves into another's ticket (another reseller's, maybe:
        # Art. 14), nor do its later mails.
        raise _refuse(
            "別の顧客のチケットには統合できません。",
            "A ticket can only merge into a ticket of the same customer.",
        )
    if original.merged_into_id is not None:
        raise _refuse(
            "統合先のチケットはすでに別のチケットに統合されています。",
            "The original has itself been merged into another ticket.",
        )
    if duplicate.merged_into_id is not None:
        raise _refuse(
            "このチケットはすでに統合されています。", "This ticket has already been merged."
        )

    moved = list(
        Message.objects.filter(ticket=duplicate).order_by("id").values_list("id", flat=True)
    )
    Message.objects.filter(pk__in=moved).update(ticket=original)
    # What the duplicate said, kept on the original where the desk reads it. Not its number:
    # a subcontractor assigned the original reads the notes and may not see the duplicate
    # (the merge event names it to those who may).
    message_add(
        ticket=original,
        kind=Message.Kind.INTERNAL_NOTE,
        body=f"{duplicate.subject}\n\n{duplicate.description}",
        author_user=actor,
        actor=actor,
        now=now,
        move_status=False,
    )
    # Tickets merged into the duplicate before follow it to the original.
    Ticket.objects.filter(merged_into=duplicate).update(merged_into=original)

    if duplicate.status != Status.CLOSED:
        duplicate = ticket_transition(
            ticket=duplicate,
            to=Status.CLOSED,
            actor=actor,
            now=now,
            note=original.number,
            changes={"merged_into": original},
        )
    else:
        duplicate.merged_into = original
        history_user_set(duplicate, actor if getattr(actor, "is_authenticated", False) else None)
        duplicate.save()
    event_record(
        ticket=duplicate,
        kind=Kind.MERGED,
        actor=actor,
        data={"into": original.number, "into_id": original.pk, "messages": moved},
        dedup_key="merged",
    )
    event_record(
        ticket=original,
        kind=Kind.MERGE_RECEIVED,
        actor=actor,
        data={"from": duplicate.number, "from_id": duplicate.pk, "messages": moved},
    )
    search_services.search_document_rebuild(ticket=original)
    search_services.search_document_rebuild(ticket=duplicate)
    return duplicate


def ticket_find_other(*, user, number: str, field: str) -> Ticket:
    """The ticket numbered `number` that `user` may see, or OtherTicketNotFound."""
    ticket = tickets_visible_to(user).filter(number=number.strip().upper()).first()
    if ticket is None:
        raise OtherTicketNotFound(fields={field: [OtherTicketNotFound.code]})
    return ticket


def _pair(ticket: Ticket, other: Ticket) -> tuple[int, int]:
    return (min(ticket.pk, other.pk), max(ticket.pk, other.pk))


@transaction.atomic
def ticket_link(*, ticket: Ticket, other: Ticket, actor=None) -> TicketLink:
    """Mark two tickets as related (shown on both pages); linking them again changes nothing."""
    if ticket.pk == other.pk:
        raise LinkRefused(
            "チケットを自分自身に関連付けることはできません。",
            "A ticket cannot be linked to itself.",
            fields={"other": [LinkRefused.code]},
        )
    _check_allowed(actor, ticket, other, "other")
    low, high = _pair(ticket, other)
    link, created = TicketLink.objects.get_or_create(
        from_ticket_id=low,
        to_ticket_id=high,
        defaults={"created_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    if created:
        for one, two in ((ticket, other), (other, ticket)):
            event_record(ticket=one, kind=Kind.LINKED, actor=actor, data={"other": two.number})
    return link


@transaction.atomic
def ticket_unlink(*, ticket: Ticket, other: Ticket, actor=None) -> bool:
    _check_allowed(actor, ticket, other, "other")
    low, high = _pair(ticket, other)
    deleted, _rows = TicketLink.objects.filter(from_ticket_id=low, to_ticket_id=high).delete()
    if deleted:
        for one, two in ((ticket, other), (other, ticket)):
            event_record(ticket=one, kind=Kind.UNLINKED, actor=actor, data={"other": two.number})
    return bool(deleted)


def tickets_linked(*, user, ticket: Ticket) -> list[Ticket]:
    """The tickets linked to `ticket` that `user` may see, in one query."""
    ids = TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket)).values_list(
        "from_ticket_id", "to_ticket_id"
    )
    others = {a if b == ticket.pk else b for a, b in ids}
    if not others:
        return []
    return list(tickets_visible_to(user).filter(pk__in=others).order_by("-submitted_at", "-id"))


def tickets_merged_into(*, user, ticket: Ticket) -> list[Ticket]:
    """The duplicates merged into `ticket` that `user` may see."""
    return list(tickets_visible_to(user).filter(merged_into=ticket).order_by("submitted_at", "id"))


def tickets_visible_merged_into(*, user, ticket: Ticket) -> Ticket | None:
    """The original `ticket` was merged into, when `user` may see it."""
    if ticket.merged_into_id is None:
        return None
    return tickets_visible_to(user).filter(pk=ticket.merged_into_id).first()
