"""Reads of notifications: a user's own list, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_for(*, user) -> QuerySet[Notification]:
    """The user's notifications with their ticket joined (one query per page)."""
    return Notification.objects.filter(recipient=user).select_related("ticket")


def notifications_unread_count(*, user) -> int:
    """Served by the partial index `notification_unread`."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
