"""No reseller claims another's people (DOMAIN.md §12): an address is one active contact's,
whoever registers it; a global admin may ask only when its address is in the customer's
domains or a desk user verified it by a call-back; a masked value sent back never replaces
the real one."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.permissions import mask_email, mask_phone
from contracts import services
from contracts.models import Contact
from mail import services as mail_services
from notifications.models import OutboxMessage
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, UserFactory
from tests.mail.conftest import delivered
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"


def mail_from(address: str, *, subject: str = "至急") -> bytes:
    """An inquiry from `address` whose domain passed DMARC at the desk's server."""
    return delivered(
        (
            f"From: {address}\r\nTo: support@example.jp\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}.{address}>\r\n\r\n重大度: 重大\r\n全社でメール不通\r\n"
        ).encode()
    )


@pytest.fixture(autouse=True)
def _desk_server(settings):
    settings.MAIL_SENDER_AUTH = ["dmarc"]
    settings.MAIL_AUTHSERV_ID = ["mx.example.jp"]


# --- one address, one active contact ------------------------------------------------------------


def test_reseller_a_cannot_register_a_person_of_reseller_bs_customer(client_a, world_a, world_b):
    # given B's customer's global admin, registered by reseller B
    person_of_b = world_b.contact.email
    before = Contact.objects.count()

    # when reseller A registers the same address (in another case) under its own customer
    response = client_a.post(
        CONTACTS,
        {
            "customer": world_a.customer.pk,
            "name": "なりすまし",
            "email": person_of_b.upper(),
            "is_global_admin": True,
        },
        format="json",
    )

    # then it is refused with a code that says nothing of whose the address is
    body = response.json()
    assert response.status_code == 400
    assert (body["code"], body["fields"]) == (
        "contact_email_taken",
        {"email": ["contact_email_taken"]},
    )
    for text in (body["message_ja"], body["message_en"]):
        assert world_b.customer.name not in text
        assert world_b.customer.reseller.name not in text
        assert person_of_b not in text
    assert Contact.objects.count() == before


def test_an_address_cannot_be_moved_onto_another_contact(client_a, world_a, world_b):
    response = client_a.patch(
        f"{CONTACTS}{world_a.contact.pk}/", {"email": world_b.contact.email}, format="json"
    )

    world_a.contact.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["code"] == "contact_email_taken"
    assert world_a.contact.email != world_b.contact.email


def test_an_inactive_contacts_address_may_be_registered_again(client_a, world_a):
    old = ContactFactory(customer=world_a.customer, is_active=False)

    response = client_a.post(
        CONTACTS,
        {"customer": world_a.customer.pk, "name": "後任", "email": old.email},
        format="json",
    )

    assert response.status_code == 201


def test_the_database_keeps_one_active_contact_per_address(world_a):
    ContactFactory(customer=world_a.customer, email="dup@example.jp", is_active=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            customer=world_a.customer, name="x", email=world_a.contact.email.upper()
        )


def test_the_mail_of_a_person_of_b_never_opens_a_ticket_that_a_reads(client_a, world_a, world_b):
    # given reseller A registered, before B did, a global admin of its own customer with the
    # address of a person at B's customer (A's customer has no such domain)
    person = f"cio@{world_b.customer.primary_domain}"
    response = client_a.post(
        CONTACTS,
        {"customer": world_a.customer.pk, "name": "CIO", "email": person, "is_global_admin": True},
        format="json",
    )
    assert response.status_code == 201
    # then the API says the flag is not backed by anything
    assert response.json()["global_admin_verification"] == "unverified"

    # when that person writes to the desk (a genuine, authenticated mail)
    inbound = mail_services.inbound_receive(raw=mail_from(person))

    # then no ticket is opened for A to read: the mail is held for the desk
    assert (inbound.status, inbound.reason) == ("held", "requester_not_verified")
    assert not Ticket.objects.filter(requester__email=person).exists()
    # and the (authenticated) sender hears that the desk will call back to verify
    answer = OutboxMessage.objects.get(dedup_key=f"mail:held:{inbound.pk}")
    assert "ご本人であることの確認が済んでいません" in answer.payload["text"]
    assert "call you back at your registered number" in answer.payload["text"]
    assert client_a.get("/api/v1/tickets/").json()["count"] == 1


def test_an_unverified_global_admin_cannot_ask_through_the_api(client_a, world_a):
    stranger = ContactFactory(customer=world_a.customer, email="cio@elsewhere.example")

    response = client_a.post(
        "/api/v1/tickets/",
        {
            "customer": world_a.customer.pk,
            "subscription": world_a.subscription.pk,
            "requester": stranger.pk,
            "severity": "critical",
            "category": "standard_feature",
            "subject": "全社でメール不通",
            "description": "全社でメール不通",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "requester_not_verified"
    assert response.json()["fields"] == {"requester": ["requester_not_verified"]}


# --- verification: by domain or by a desk user --------------------------------------------------


def test_the_api_says_how_each_global_admin_is_verified(client_a, world_a, reseller_a):
    world_a.customer.domains = ["customer-a.example.jp"]
    world_a.customer.save()
    by_primary = world_a.contact
    by_further = ContactFactory(customer=world_a.customer, email="it@Customer-A.example.jp")
    unverified = ContactFactory(customer=world_a.customer, email="cio@gmail.example")
    desk_verified = ContactFactory(customer=world_a.customer, email="cfo@gmail.example")
    services.contact_verify_global_admin(
        contact=desk_verified,
        actor=UserFactory(username="sv", roles=["supervisor"]),
        method="phone_callback",
        note="登録番号に折り返し",
    )
    not_admin = ContactFactory(customer=world_a.customer, is_global_admin=False)
    reseller_admin = ContactFactory(customer=None, reseller=reseller_a, email="a@reseller-a.jp")

    rows = {row["id"]: row for row in client_a.get(CONTACTS).json()["results"]}

    assert {pk: rows[pk]["global_admin_verification"] for pk in rows} == {
        by_primary.pk: "domain",
        by_further.pk: "domain",
        unverified.pk: "unverified",
        desk_verified.pk: "desk",
        not_admin.pk: None,
        reseller_admin.pk: "desk",
    }
    assert rows[desk_verified.pk]["global_admin_verification_method"] == "phone_callback"
    assert rows[unverified.pk]["global_admin_verification_method"] is None


def test_a_resellers_own_admin_is_verified_by_the_resellers_own_tenant(client_a, reseller_a):
    CustomerFactory(reseller=reseller_a, is_reseller_tenant=True, primary_domain="reseller-a.jp")
    admin = ContactFactory(
        customer=None,
        reseller=reseller_a,
        email="it@reseller-a.jp",
        global_admin_verified_at=None,
        global_admin_verification_method="",
    )
    other = ContactFactory(
        customer=None,
        reseller=reseller_a,
        email="it@partner.example",
        global_admin_verified_at=None,
        global_admin_verification_method="",
    )

    rows = {row["id"]: row for row in client_a.get(CONTACTS).json()["results"]}

    assert rows[admin.pk]["global_admin_verification"] == "domain"
    assert rows[other.pk]["global_admin_verification"] == "unverified"


def test_the_contact_list_reads_verification_in_constant_queries(
    client_a, world_a, reseller_a, django_assert_max_num_queries
):
    CustomerFactory(reseller=reseller_a, is_reseller_tenant=True, primary_domain="reseller-a.jp")
    for number in range(8):
        ContactFactory(customer=world_a.customer)
        ContactFactory(customer=None, reseller=reseller_a, email=f"p{number}@reseller-a.jp")

    with django_assert_max_num_queries(9):
        response = client_a.get(CONTACTS)

    assert response.json()["count"] == 17


def test_a_reseller_cannot_verify_its_own_contact(client_a, world_a):
    unverified = ContactFactory(customer=world_a.customer, email="cio@gmail.example")

    response = client_a.patch(
        f"{CONTACTS}{unverified.pk}/",
        {
            "global_admin_verification": "desk",
            "global_admin_verified_at": "2026-01-01T00:00:00Z",
            "global_admin_verification_method": "phone_callback",
        },
        format="json",
    )

    unverified.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["global_admin_verification"] == "unverified"
    assert unverified.global_admin_verified_at is None


def test_a_new_address_drops_the_desks_verification(client_a, world_a, supervisor):
    # given a global admin the desk verified by a call-back
    contact = ContactFactory(customer=world_a.customer, email="cio@gmail.example")
    services.contact_verify_global_admin(
        contact=contact, actor=supervisor, method="phone_callback", note="折り返し確認"
    )

    # when the reseller changes its address to someone else's
    response = client_a.patch(
        f"{CONTACTS}{contact.pk}/", {"email": "ceo@other-company.example"}, format="json"
    )

    # then the verification was of the old address and is gone
    contact.refresh_from_db()
    assert response.json()["global_admin_verification"] == "unverified"
    assert (contact.global_admin_verified_at, contact.global_admin_verified_by) == (None, None)


def test_a_desk_verification_is_in_the_contacts_history(world_a, supervisor):
    contact = ContactFactory(customer=world_a.customer, email="cio@gmail.example")

    services.contact_verify_global_admin(
        contact=contact, actor=supervisor, method="phone_callback", note="03-… に折り返し"
    )

    latest = contact.history.first()
    assert latest.history_user == supervisor
    assert (latest.global_admin_verified_by_id, latest.global_admin_verification_method) == (
        supervisor.pk,
        "phone_callback",
    )
    assert latest.global_admin_verification_note == "03-… に折り返し"


# --- masked values ------------------------------------------------------------------------------


def test_a_masked_value_sent_back_never_replaces_the_real_one(supervisor_client, world_a):
    # given a desk user who read the contact masked (Art. 14) and sends the object back
    url = f"{CONTACTS}{world_a.contact.pk}/"
    shown = supervisor_client.get(url).json()
    assert shown["phone"] == mask_phone(world_a.contact.phone)
    real_email, real_phone = world_a.contact.email, world_a.contact.phone

    response = supervisor_client.put(
        url,
        {
            "name": "改名",
            "email": shown["email"],
            "phone": "•••-••••-44",
            "is_global_admin": True,
        },
        format="json",
    )

    # then the name changes and the masked values are not stored
    world_a.contact.refresh_from_db()
    assert response.status_code == 200
    assert (world_a.contact.name, world_a.contact.email, world_a.contact.phone) == (
        "改名",
        real_email,
        real_phone,
    )
    assert response.json()["email"] == mask_email(real_email)


def test_a_masked_value_cannot_create_a_contact(client_a, world_a):
    response = client_a.post(
        CONTACTS,
        {"customer": world_a.customer.pk, "name": "x", "email": "n@x.jp", "phone": "•••-44"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"phone": ["masked_value"]}


# --- legacy data: an address shared before the rule ---------------------------------------------


@pytest.fixture
def without_the_unique_index():
    """Two active contacts with one address, as data from before the rule could hold: the
    index is dropped inside the test's transaction, which puts it back when rolled back."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX contact_email_unique_active")


def test_mail_from_an_address_of_several_contacts_is_held_never_guessed(
    world_a, world_b, without_the_unique_index
):
    shared = world_a.contact.email
    ContactFactory(customer=world_b.customer, email=shared)
    SubscriptionFactory(customer=world_b.customer)

    inbound = mail_services.inbound_receive(raw=mail_from(shared))

    assert (inbound.status, inbound.reason) == ("held", "ambiguous_sender")
    assert Ticket.objects.filter(channel="email").count() == 0
