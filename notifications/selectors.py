"""Reads of notifications: a user's own list, newest first."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import ticket_scope
from notifications.models import Notification
from tickets.models import Ticket


def _visible(user) -> Q:
    """A notification about a ticket the user may no longer see (a subcontractor's ticket
    taken back, Art. 12) says nothing of it any more: the rule of `ticket_scope`."""
    scope = ticket_scope(user)
    if scope is None:
        return Q()
    return Q(ticket__isnull=True) | Q(ticket__in=Ticket.objects.filter(scope).values("pk"))


def notifications_for(*, user) -> QuerySet[Notification]:
    """The user's notifications with their ticket joined (one query per page)."""
    return Notification.objects.filter(_visible(user), recipient=user).select_related("ticket")


def notifications_unread_count(*, user) -> int:
    """Served by the partial index `notification_unread`."""
    return Notification.objects.filter(_visible(user), recipient=user, read_at__isnull=True).count()
