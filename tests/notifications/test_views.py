"""A user's in-app notifications: the list and marking read (login, CSRF, own only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(agent, supervisor):
    mine = [
        notification_create(recipient=agent, kind="breached", title=f"通知 {i}")[0]
        for i in range(3)
    ]
    theirs = notification_create(recipient=supervisor, kind="escalated", title="他人の通知")[0]
    return mine, theirs


def test_the_list_needs_a_login(client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_only_my_notifications_in_constant_queries(
    client, agent, notes, django_assert_max_num_queries
):
    client.force_login(agent)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert [n.title for n in response.context["page"].object_list] == ["通知 2", "通知 1", "通知 0"]
    assert response.context["unread"] == 3
    assert "他人の通知" not in body


def test_marking_read_is_a_post_and_keeps_the_others_unread(client, agent, notes):
    mine, _ = notes
    client.force_login(agent)

    response = client.post(reverse("notifications:read", args=[mine[0].pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    assert list(
        Notification.objects.filter(recipient=agent, read_at__isnull=False).values_list(
            "pk", flat=True
        )
    ) == [mine[0].pk]


def test_someone_elses_notification_is_not_found_and_stays_unread(client, agent, notes):
    _, theirs = notes
    client.force_login(agent)

    response = client.post(reverse("notifications:read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_get_does_not_mark_read(client, agent, notes):
    mine, _ = notes
    client.force_login(agent)

    response = client.get(reverse("notifications:read", args=[mine[0].pk]))

    assert response.status_code == 405
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_marking_read_needs_the_csrf_token(agent, notes):
    from django.test import Client

    mine, _ = notes
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(reverse("notifications:read", args=[mine[0].pk]))

    assert response.status_code == 403
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_mark_all_read_touches_only_mine_and_goes_back_to_a_safe_page(client, agent, notes):
    client.force_login(agent)

    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example.com/"})

    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.filter(recipient=agent, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_admin_lists_notifications_and_retries_outbox_messages(admin_client):
    from notifications.models import OutboxMessage

    message = OutboxMessage.objects.create(
        channel="email", dedup_key="k", payload={}, status="failed", attempts=10
    )

    assert (
        admin_client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
    )
    assert (
        admin_client.get(reverse("admin:notifications_outboxmessage_changelist")).status_code == 200
    )
    response = admin_client.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {"action": "retry_now", "_selected_action": [message.pk]},
    )

    message.refresh_from_db()
    assert response.status_code == 302
    assert (message.status, message.attempts) == ("pending", 0)
