"""Reads of the email channel: which ticket a mail belongs to, who sent it, the thread's
Message-IDs, and the agents' held list."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db.models import Q, QuerySet

from contracts.models import Contact, Customer, Product, Subscription
from mail import parsing
from mail.models import InboundMail
from tickets.models import Message, Ticket

_CUSTOMER_LINE_RE = re.compile(
    r"^\s*(?:テナント|顧客|ドメイン|tenant|customer|domain)\s*(?:id)?\s*[:：]\s*(\S+)", re.I | re.M
)
# How many Message-IDs an outgoing References header carries: the first and the newest
# (RFC 5322 §3.6.4 allows trimming; clients thread on the first and the last).
REFERENCES_MAX = 20


def inbound_by_message_id(*, message_id: str) -> InboundMail | None:
    return InboundMail.objects.filter(message_id=message_id).first()


def held_mails() -> QuerySet[InboundMail]:
    """The agents' held list: mail nobody may lose, newest first; raw bytes left unloaded."""
    return (
        InboundMail.objects.filter(status=InboundMail.Status.HELD)
        .defer("raw")
        .order_by("-received_at", "-id")
    )


def _ticket_from_own_message_id(message_id: str) -> str | None:
    """Our outgoing Message-IDs carry the ticket number: a reply to a mail whose row was
    lost or trimmed from References still finds its ticket."""
    domain = settings.MAIL_MESSAGE_ID_DOMAIN.lower()
    if not message_id.lower().endswith(f"@{domain}>"):
        return None
    return parsing.ticket_number_from(message_id)


def ticket_for_mail(*, subject_number: str | None, thread_ids: list[str]) -> Ticket | None:
    """The ticket a mail answers: the number in its subject, else the Message-IDs it replies
    to (our outgoing mail, the customer's earlier mail) in a constant number of queries."""
    if subject_number:
        ticket = Ticket.objects.filter(number=subject_number).first()
        if ticket is not None:
            return ticket
    if not thread_ids:
        return None
    by_message = dict(
        Message.objects.filter(email_message_id__in=thread_ids).values_list(
            "email_message_id", "ticket_id"
        )
    )
    by_inbound = dict(
        InboundMail.objects.filter(message_id__in=thread_ids, ticket__isnull=False).values_list(
            "message_id", "ticket_id"
        )
    )
    for message_id in thread_ids:
        ticket_id = by_message.get(message_id) or by_inbound.get(message_id)
        if ticket_id is not None:
            return Ticket.objects.get(pk=ticket_id)
    for message_id in thread_ids:
        number = _ticket_from_own_message_id(message_id)
        if number:
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None:
                return ticket
    return None


def contacts_by_email(*, address: str) -> list[Contact]:
    """Active contacts with this address, global admins first (one address may belong to a
    person of a customer and of its reseller)."""
    if not address:
        return []
    return list(
        Contact.objects.filter(email__iexact=address, is_active=True)
        .select_related("customer", "reseller")
        .order_by("-is_global_admin", "id")
    )


def customer_for_contact(*, contact: Contact, text: str) -> Customer | None:
    """The customer a mail is about: the contact's own; for a reseller's global admin the
    tenant named in a `テナント:` / `Tenant:` line (primary domain or tenant ID), else the
    reseller's own tenant (Art. 6.2: a reseller files on its customer's behalf)."""
    if contact.customer_id is not None:
        return contact.customer
    customers = Customer.objects.filter(reseller_id=contact.party_reseller_id)
    for match in _CUSTOMER_LINE_RE.finditer(text):
        value = match.group(1).strip().rstrip(".,、。")
        query = Q(primary_domain__iexact=value)
        if re.fullmatch(r"[0-9a-fA-F-]{36}", value):
            query |= Q(tenant_id=value)
        customer = customers.filter(query).first()
        if customer is not None:
            return customer
    return customers.filter(is_reseller_tenant=True).first()


def subscription_for_mail(*, customer: Customer, at: datetime.datetime) -> Subscription | None:
    """The customer's active subscription with support, full scope first (Art. 3.1, 5, 7)."""
    candidates = list(
        Subscription.objects.filter(
            customer=customer,
            status=Subscription.Status.ACTIVE,
            available_at__lte=at,
            product__support_included=True,
        )
        .exclude(product__support_scope=Product.SupportScope.NONE)
        .select_related("product")
        .order_by("id")
    )
    candidates.sort(key=lambda sub: sub.product.support_scope != Product.SupportScope.FULL)
    return candidates[0] if candidates else None


def thread_message_ids(*, ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's mail thread, oldest first: the mail that opened it,
    then the messages that carry one (customer mail threaded in, our replies), trimmed to the
    first and the newest (REFERENCES_MAX)."""
    opening = (
        InboundMail.objects.filter(ticket=ticket, status=InboundMail.Status.TICKET_OPENED)
        .order_by("received_at", "id")
        .values_list("message_id", flat=True)
    )
    messages = (
        Message.objects.filter(ticket=ticket, email_message_id__isnull=False)
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
    )
    ordered = list(
        dict.fromkeys(
            [*opening, *(message_id for message_id in messages if message_id is not None)]
        )
    )
    if len(ordered) > REFERENCES_MAX:
        ordered = [ordered[0], *ordered[-(REFERENCES_MAX - 1) :]]
    return ordered


def last_customer_message_id(*, ticket: Ticket) -> str | None:
    """The newest Message-ID the customer sent on this ticket (what a reply answers)."""
    message = (
        Message.objects.filter(
            ticket=ticket, kind=Message.Kind.CUSTOMER, email_message_id__isnull=False
        )
        .order_by("-created_at", "-id")
        .values_list("email_message_id", flat=True)
        .first()
    )
    if message:
        return message
    return (
        InboundMail.objects.filter(ticket=ticket, status=InboundMail.Status.TICKET_OPENED)
        .order_by("received_at")
        .values_list("message_id", flat=True)
        .first()
    )
