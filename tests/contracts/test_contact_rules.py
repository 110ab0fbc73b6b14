"""DOMAIN.md §12 on every path that writes contacts: the admin, the demo seed and the
migration that brought existing data under the rules; and the pure verification rule."""

from __future__ import annotations

import datetime
import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from contracts import verification
from contracts.models import Contact
from contracts.selectors import contact_global_admin_verification
from tests.factories import ContactFactory, CustomerFactory, UserFactory

# --- the rule, pure -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "is_admin", "verified_at", "expected"),
    [
        ("it@sakura.example.jp", True, None, "domain"),
        ("IT@Sakura.Example.JP", True, None, "domain"),
        ("it@sub.sakura.example.jp", True, None, "unverified"),
        ("it@sakura.example.jp.attacker.example", True, None, "unverified"),
        ("sakura.example.jp@attacker.example", True, None, "unverified"),
        ("cio@freemail.example", True, "2026-01-01", "desk"),
        ("cio@freemail.example", False, None, None),
        ("not an address", True, None, "unverified"),
    ],
)
def test_global_admin_verification(email, is_admin, verified_at, expected):
    domains = verification.tenant_domains(
        primary_domain="sakura.onmicrosoft.com", domains=["Sakura.example.jp."]
    )

    assert (
        verification.global_admin_verification(
            email=email, is_global_admin=is_admin, verified_at=verified_at, domains=domains
        )
        == expected
    )


# --- the admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_refuses_an_address_another_contact_has(admin_client):
    taken = ContactFactory()
    customer = CustomerFactory()
    before = Contact.objects.count()

    response = admin_client.post(
        "/admin/contracts/contact/add/",
        {
            "customer": customer.pk,
            "name": "二重登録",
            "email": taken.email.upper(),
            "phone": "",
            "is_global_admin": "on",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "このメールアドレスは別の担当者として登録済みのため" in str(errors["email"])
    assert Contact.objects.count() == before


@pytest.mark.django_db
def test_a_desk_user_verifies_a_global_admin_in_the_admin(client):
    supervisor = UserFactory(username="sv", roles=["supervisor"], is_staff=True)
    client.force_login(supervisor)
    contact = ContactFactory(email="cio@freemail.example")
    assert contact_global_admin_verification(contact=contact) == "unverified"
    url = f"/admin/contracts/contact/{contact.pk}/change/"
    data = {
        "customer": contact.customer_id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "is_global_admin": "on",
        "is_active": "on",
        "verify_method": "phone_callback",
        "verify_note": "",
    }

    # without a record of the call nothing is verified
    refused = client.post(url, data)
    contact.refresh_from_db()
    assert refused.status_code == 200
    assert contact.global_admin_verified_at is None

    response = client.post(url, {**data, "verify_note": "03-… に折り返し、ご本人と確認"})

    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact_global_admin_verification(contact=contact) == "desk"
    assert (contact.global_admin_verified_by, contact.global_admin_verification_method) == (
        supervisor,
        "phone_callback",
    )
    assert contact.history.first().history_user == supervisor
    page = client.get(url).content.decode()
    assert "デスクが確認済み" in page


@pytest.mark.django_db
def test_customer_domains_are_typed_one_per_line_in_the_admin(admin_client):
    customer = CustomerFactory()
    url = f"/admin/contracts/customer/{customer.pk}/change/"
    data = {
        "reseller": customer.reseller_id,
        "name": customer.name,
        "tenant_id": str(customer.tenant_id),
        "primary_domain": customer.primary_domain,
        "domains": "Sakura.example.jp\nsakura-shoji.co.jp\n",
        "delegated_access": "active",
        "gdap_roles": "[]",
    }

    bad = admin_client.post(url, {**data, "domains": "sakura..jp"})
    response = admin_client.post(url, data)

    assert bad.status_code == 200
    assert "ドメインとして正しくありません: sakura..jp" in bad.content.decode()
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.domains == ["sakura.example.jp", "sakura-shoji.co.jp"]


# --- the demo seed ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_demo_global_admin_may_ask():
    call_command("seed_demo", stdout=StringIO())

    admins = Contact.objects.filter(is_global_admin=True)
    assert admins.count() == 6
    assert {
        contact.email: contact_global_admin_verification(contact=contact) for contact in admins
    } == {
        "admin@demo-a.example.jp": "desk",
        "admin@demo-b.example.jp": "desk",
        "admin@sakura-shoji.onmicrosoft.com": "domain",
        "admin@fuji-seiko.onmicrosoft.com": "domain",
        "admin@minato-logi.onmicrosoft.com": "domain",
        "admin@hokuto-sekkei.onmicrosoft.com": "domain",
    }
    desk = Contact.objects.get(email="admin@demo-a.example.jp")
    assert desk.global_admin_verified_by is not None
    assert desk.global_admin_verified_by.username == "admin"


# --- the migration ------------------------------------------------------------------------------


@pytest.mark.postgres  # drops the rules 0005 added, inside the test's transaction
@pytest.mark.backend_neutral  # the migration's rule
@pytest.mark.django_db
def test_the_migration_deactivates_shared_addresses_and_unrecorded_verifications(settings):
    """contracts/0004's rule on data as it stood before 0005 made shared addresses impossible.
    Migrating back to 0004 and forward again rendered the migration state of every app twice
    (17 s of CPU); the rule's function runs here on the current models instead, with the
    rules 0005 added (the unique index on active addresses, the check that a verification
    names its method) dropped inside the test's transaction, so the data only the old schema
    allowed can be written; they come back with the rollback."""
    from django.apps import apps

    if connection.vendor != "postgresql":
        pytest.skip("drops a check constraint, which SQLite cannot (CI runs it on PostgreSQL)")
    migration = importlib.import_module(
        "contracts.migrations.0004_contacts_fit_the_verification_rules"
    )
    with connection.cursor() as cursor:
        # DDL first: PostgreSQL refuses to alter a table with pending deferred checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX contact_email_unique_active")
        cursor.execute(
            "ALTER TABLE contracts_contact DROP CONSTRAINT contact_verification_has_method"
        )
    customer_a = CustomerFactory(name="A1", primary_domain="a.jp")
    customer_b = CustomerFactory(name="B1", primary_domain="b.jp")
    original = Contact.objects.create(customer=customer_b, name="本人", email="cio@b.jp")
    claim = Contact.objects.create(customer=customer_a, name="なりすまし", email="CIO@b.jp")
    alone = Contact.objects.create(
        customer=customer_a,
        name="単独",
        email="it@a.jp",
        global_admin_verified_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )

    # A migration's historical models send no signals: no history row but the migration's own.
    settings.SIMPLE_HISTORY_ENABLED = False
    migration.forwards(apps, None)

    # neither claim of the shared address is guessed right: both wait for the desk
    assert dict(Contact.objects.values_list("pk", "is_active")) == {
        original.pk: False,
        claim.pk: False,
        alone.pk: True,
    }
    latest = Contact.history.filter(id=claim.pk).latest("history_date")
    assert (latest.is_active, latest.history_change_reason) == (
        False,
        "DOMAIN.md §12: address shared by several active contacts",
    )
    # a verification nobody recorded is not one
    assert Contact.objects.get(pk=alone.pk).global_admin_verified_at is None
