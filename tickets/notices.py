"""In-app notifications an agent gets about its tickets: assigned to me, taken from me, the
customer replied on my ticket. (My ticket at risk is written by the deadline sweeps,
tickets.escalation, with the same kind names the list reads.) Written in the transaction of
the change, like every notification; the title is written in every language and shown in the
reader's language by `title_for`."""

from __future__ import annotations

from django.utils.translation import get_language, gettext, gettext_lazy

from notifications.models import Notification
from notifications.services import notification_create
from tickets.models import Ticket

ASSIGNED = "assigned"
TAKEN = "ticket_taken"
CUSTOMER_REPLIED = "customer_replied"
AT_RISK = "at_risk"
TARGET_AT_RISK = "sla_at_risk"

# kind → the title with the ticket's number, in the reader's language.
_TITLES = {
    ASSIGNED: gettext_lazy("%(number)s があなたの担当になりました"),
    TAKEN: gettext_lazy("%(number)s の担当があなたから外れました"),
    CUSTOMER_REPLIED: gettext_lazy("%(number)s にお客様から返信がありました"),
    AT_RISK: gettext_lazy("%(number)s の初回応答期限が近づいています"),
    TARGET_AT_RISK: gettext_lazy("%(number)s の社内目標の期限が近づいています"),
}


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _notify(*, recipient, kind: str, ticket: Ticket, body: str = "") -> None:
    notification_create(
        recipient=recipient,
        title=lambda: gettext(str(_TITLES[kind])) % {"number": ticket.number},
        kind=kind,
        body=body or ticket.subject,
        ticket=ticket,
    )


def notify_assignment(*, ticket: Ticket, previous, assignee, actor) -> None:
    """The new assignee is told unless it took the ticket itself; the previous one is told it
    was taken unless it gave the ticket away itself."""
    actor_id = actor.pk if _is_user(actor) else None
    previous_id = previous.pk if previous is not None else None
    new_id = assignee.pk if assignee is not None else None
    if previous_id == new_id:
        return
    if assignee is not None and new_id != actor_id:
        _notify(recipient=assignee, kind=ASSIGNED, ticket=ticket)
    if previous is not None and previous_id != actor_id:
        by = actor.get_username() if _is_user(actor) else ""
        _notify(recipient=previous, kind=TAKEN, ticket=ticket, body=f"{ticket.subject} ({by})")


def notify_customer_replied(*, ticket: Ticket, body: str) -> None:
    """The assignee is told the customer wrote on its ticket (an excerpt of what they wrote)."""
    if ticket.assignee_id is None:
        return
    excerpt = " ".join(body.split())[:200]
    _notify(recipient=ticket.assignee, kind=CUSTOMER_REPLIED, ticket=ticket, body=excerpt)


def title_for(notification: Notification) -> str:
    """The notification's title in the active language: as written in it, or for a row
    written before titles were kept in every language, from its kind where that says it."""
    if notification.titles:
        return notification.title_in(get_language())
    template = _TITLES.get(notification.kind)
    ticket = notification.ticket
    if template is None or ticket is None:
        return notification.title
    return str(template) % {"number": ticket.number}
