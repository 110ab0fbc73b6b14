"""Webhook secrets are encrypted at rest: the database holds a Fernet token whose key comes
from the environment (SECRET_KEY and FIELD_ENCRYPTION_SALT), so a copy of the database alone
cannot forge a reseller's webhook signatures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.delivery import DeliveryError
from notifications.models import OutboxMessage
from tests.api.conftest import token_client
from tests.factories import TicketFactory
from tests.webhooks.conftest import SECRET
from webhooks.delivery import deliver
from webhooks.models import Webhook, WebhookDelivery

SELECT_RAW = "SELECT secret FROM webhooks_webhook WHERE id = %s"


def _raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(SELECT_RAW, [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_registered_secret_is_stored_encrypted(reseller_a_user):
    response = token_client(reseller_a_user).post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/in", "secret": SECRET, "events": ["ticket.created"]},
        format="json",
    )
    assert response.status_code == 201, response.content

    webhook = Webhook.objects.get(pk=response.json()["id"])
    stored = _raw_secret(webhook.pk)
    assert SECRET not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert webhook.secret == SECRET
    assert response.json()["secret_hint"] == f"…{SECRET[-4:]}"


@pytest.fixture
def rotated_key(settings):
    """DJANGO_SECRET_KEY replaced; the derived keys are cached on the field, as in a process
    that started with the new key they are not."""
    field = Webhook._meta.get_field("secret")

    def forget_keys() -> None:
        for cached in ("keys", "f"):
            field.__dict__.pop(cached, None)

    def rotate(*, keep_old: bool) -> None:
        old_key = settings.SECRET_KEY
        settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789abcdefghij"
        settings.SECRET_KEY_FALLBACKS = [old_key] if keep_old else []
        forget_keys()

    yield rotate
    forget_keys()


@pytest.mark.django_db
def test_a_new_secret_key_with_the_old_one_as_fallback_still_opens_it(reseller_a, rotated_key):
    webhook = Webhook.objects.create(
        reseller=reseller_a, url="https://h.example.com/", secret=SECRET
    )

    rotated_key(keep_old=True)

    webhook = Webhook.objects.get(pk=webhook.pk)
    assert webhook.secret == SECRET
    assert webhook.secret_readable


@pytest.mark.django_db
def test_a_secret_the_keys_cannot_open_never_signs_a_delivery(
    webhook_a, customer_a, admin_contact_a, subscription_a, receiver, local_targets, rotated_key
):
    TicketFactory(customer=customer_a, subscription=subscription_a, requester=admin_contact_a)
    queued = OutboxMessage.objects.get(channel="webhook", payload__body__event="ticket.created")

    # When the key changed and the old one was not kept
    rotated_key(keep_old=False)

    # Then the delivery fails, saying why, and the receiver gets nothing
    assert not Webhook.objects.get(pk=webhook_a.pk).secret_readable
    with pytest.raises(DeliveryError, match="secret_unreadable"):
        deliver(queued.payload)
    assert receiver.requests == []
    attempt = WebhookDelivery.objects.get(uuid=queued.payload["delivery"])
    assert attempt.last_error == "secret_unreadable"


@pytest.mark.backend_neutral  # the migration's rule; real migrations run on PostgreSQL in CI
@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_before_it():
    executor = MigrationExecutor(connection)
    executor.migrate([("webhooks", "0001_initial")])
    try:
        # Given a webhook stored in plain text by the previous schema
        old_apps = executor.loader.project_state([("webhooks", "0001_initial")]).apps
        Reseller = old_apps.get_model("contracts", "Reseller")
        OldWebhook = old_apps.get_model("webhooks", "Webhook")
        reseller = Reseller.objects.create(code="plain-1", name="旧リセラー")
        old = OldWebhook.objects.create(
            reseller=reseller, url="https://h.example.com/", secret=SECRET
        )
        assert _raw_secret(old.pk) == SECRET
    finally:
        # When the migration runs
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    # Then the row holds a token, and the model reads the secret
    assert _raw_secret(old.pk).startswith("gAAAAA")
    assert Webhook.objects.get(pk=old.pk).secret == SECRET
