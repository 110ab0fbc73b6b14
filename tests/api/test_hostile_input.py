"""A hostile or careless caller of the reseller API: odd bodies and paths answer 4xx in the
one error shape (never 500), a subcontractor cannot open tickets it would not see, and desk
users read contact data masked until they reveal it in the workspace (Art. 12, Art. 14)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contact
from tests.api.conftest import CsrfSessionClient
from tickets.models import Message, Ticket, TicketEvent
from workspace.models import ContactReveal, RevealPurpose

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "message_ja", "message_en", "fields"}


def _new_ticket(world) -> dict:
    return {
        "customer": world.customer.pk,
        "subscription": world.subscription.pk,
        "requester": world.contact.pk,
        "severity": "high",
        "category": "standard_feature",
        "subject": "Teams 会議に参加できない",
        "description": "一部のユーザーで会議に参加できません。",
    }


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
    ids=["deep-array", "deep-object"],
)
@pytest.mark.parametrize("method", ["post-ticket", "patch-ticket", "post-contact", "post-message"])
def test_deeply_nested_json_is_malformed_json_and_changes_nothing(client_a, world_a, body, method):
    # given a body nested deeper than the JSON decoder recurses
    before = (Ticket.objects.count(), Contact.objects.count(), Message.objects.count())
    subject = world_a.ticket.subject
    url, verb = {
        "post-ticket": ("/api/v1/tickets/", "post"),
        "patch-ticket": (f"/api/v1/tickets/{world_a.ticket.number}/", "patch"),
        "post-contact": ("/api/v1/contacts/", "post"),
        "post-message": (f"/api/v1/tickets/{world_a.ticket.number}/messages/", "post"),
    }[method]

    # when it is sent
    response = getattr(client_a, verb)(url, body, content_type="application/json")

    # then 400 malformed_json, and nothing was written
    assert response.status_code == 400
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "malformed_json"
    assert (Ticket.objects.count(), Contact.objects.count(), Message.objects.count()) == before
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.subject == subject


@pytest.mark.parametrize("value", ["1e400", "-1e400", "1.5", "true"])
@pytest.mark.parametrize("field", ["customer", "subscription", "requester"])
def test_a_reference_that_is_not_a_whole_number_is_refused(client_a, world_a, field, value):
    # given a ticket body whose reference is a float, an infinity or a boolean
    before = Ticket.objects.count()
    body = _new_ticket(world_a)
    body[field] = "__VALUE__"
    raw = json.dumps(body, ensure_ascii=False).replace('"__VALUE__"', value).encode()

    # when it is posted
    response = client_a.post("/api/v1/tickets/", raw, content_type="application/json")

    # then 400 naming the field with DRF's code, and no ticket
    assert response.status_code == 400
    assert response.json()["fields"] == {field: ["incorrect_type"]}
    assert Ticket.objects.count() == before


def test_an_infinite_customer_id_on_a_contact_is_refused(client_a, world_a):
    before = Contact.objects.count()

    response = client_a.post(
        "/api/v1/contacts/",
        b'{"customer": 1e400, "name": "n", "email": "n@example.jp"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"customer": ["incorrect_type"]}
    assert Contact.objects.count() == before


def test_a_digit_string_reference_still_works_for_form_posts(client_a, world_a):
    # multipart and form bodies carry every value as a string
    body = {key: str(value) for key, value in _new_ticket(world_a).items()}

    response = client_a.post("/api/v1/tickets/", body)

    assert response.status_code == 201, response.content
    assert response.json()["customer"]["id"] == world_a.customer.pk


@pytest.mark.parametrize(
    "path",
    ["/api/v1/tickets/CS-2026%00/", "/api/v1/tickets/CS-2026%00/messages/"],
)
def test_a_nul_byte_in_a_ticket_number_is_refused(client_a, world_a, path):
    # PostgreSQL refuses NUL in a string literal: the lookup must not reach it
    response = client_a.get(path)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_a_nul_byte_in_a_ticket_number_of_a_message_post_changes_nothing(client_a, world_a):
    before = Message.objects.count()

    response = client_a.post(
        "/api/v1/tickets/CS-2026%00/messages/", {"body": "こんにちは"}, format="json"
    )

    assert response.status_code == 400
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "submitted_at",
    ["9999-12-31T23:00:00Z", "9999-12-31T20:00:00%2B00:00", "0001-01-01T00:30:00%2B00:00"],
)
def test_sla_preview_at_the_edge_of_the_calendar_is_400(client_a, submitted_at):
    # 9999-12-31 23:00 UTC is year 10000 in Tokyo: no datetime holds it
    response = client_a.get(
        f"/api/v1/sla/preview/?plan=business_hours&severity=high&submitted_at={submitted_at}"
    )

    assert response.status_code == 400
    assert set(response.json()) == SHAPE
    assert response.json()["fields"] == {"submitted_at": [response.json()["code"]]}


# --- Art. 12: a subcontractor works the tickets handed to it ------------------------------------


@pytest.fixture
def subcontractor_client(world_a):
    from accounts.models import Organisation, Profile
    from tests.factories import OrganisationFactory, UserFactory

    organisation = OrganisationFactory(name="再委託先A", kind=Organisation.Kind.SUBCONTRACTOR)
    user = UserFactory(username="sub-agent", roles=["subcontractor_agent"])
    Profile.objects.create(user=user, organisation=organisation)
    # the subcontractor works reseller A's ticket, so it sees that customer
    Ticket.objects.filter(pk=world_a.ticket.pk).update(assigned_organisation=organisation)
    return CsrfSessionClient(user)


def test_subcontractor_cannot_open_a_ticket_through_the_api(subcontractor_client, world_a):
    # given a subcontractor that sees reseller A's customer through its assigned ticket
    before = (Ticket.objects.count(), TicketEvent.objects.count())

    # when it posts a new ticket for that customer
    response = subcontractor_client.post("/api/v1/tickets/", _new_ticket(world_a), format="json")

    # then 403 (intake is the distributor's, as in the workspace), and nothing was written
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


# --- Art. 14: contact data stays masked for desk users until revealed ----------------------------


def test_agent_reads_contacts_masked_until_revealed(agent, agent_client, world_a, world_b):
    # given an agent's browser session and two resellers' contacts
    url = f"/api/v1/contacts/{world_a.contact.pk}/"

    # when the agent reads them without having revealed them
    listed = {row["id"]: row for row in agent_client.get("/api/v1/contacts/").json()["results"]}
    detail = agent_client.get(url).json()

    # then email and phone are masked as on the ticket page
    for row in (listed[world_a.contact.pk], detail):
        assert row["email"] == f"{world_a.contact.email[0]}•••@{world_a.customer.primary_domain}"
        assert row["phone"] == f"•••-••••-{world_a.contact.phone[-2:]}"
    assert world_a.contact.email not in agent_client.get("/api/v1/contacts/").content.decode()

    # and once revealed in the workspace (with a purpose), that one contact reads in full
    ContactReveal.objects.create(
        user=agent,
        contact=world_a.contact,
        purpose=RevealPurpose.IDENTITY_AND_SERVICE,
        reason="折り返し電話",
    )
    listed = {row["id"]: row for row in agent_client.get("/api/v1/contacts/").json()["results"]}
    assert listed[world_a.contact.pk]["email"] == world_a.contact.email
    assert listed[world_a.contact.pk]["phone"] == world_a.contact.phone
    assert listed[world_b.contact.pk]["email"] != world_b.contact.email


def test_an_expired_reveal_masks_again(agent, agent_client, world_a, settings):
    reveal = ContactReveal.objects.create(
        user=agent,
        contact=world_a.contact,
        purpose=RevealPurpose.IDENTITY_AND_SERVICE,
        reason="確認",
    )
    ContactReveal.objects.filter(pk=reveal.pk).update(
        created_at=reveal.created_at
        - datetime.timedelta(minutes=settings.WORKSPACE_REVEAL_MINUTES + 1)
    )

    row = agent_client.get(f"/api/v1/contacts/{world_a.contact.pk}/").json()

    assert row["email"] != world_a.contact.email


def test_agent_contact_list_reads_reveals_in_one_query(agent, agent_client, world_a, world_b):
    agent_client.get("/api/v1/contacts/")  # warm the session and role caches
    with CaptureQueriesContext(connection) as first:
        agent_client.get("/api/v1/contacts/")
    ContactReveal.objects.create(
        user=agent,
        contact=world_b.contact,
        purpose=RevealPurpose.IDENTITY_AND_SERVICE,
        reason="確認",
    )
    with CaptureQueriesContext(connection) as second:
        agent_client.get("/api/v1/contacts/")

    assert len(second.captured_queries) == len(first.captured_queries)


def test_reseller_reads_its_own_contacts_in_full(client_a, world_a):
    # the reseller owns its customers' data: nothing is masked for it
    row = client_a.get(f"/api/v1/contacts/{world_a.contact.pk}/").json()

    assert row["email"] == world_a.contact.email
    assert row["phone"] == world_a.contact.phone


def test_a_desk_patch_answers_masked_data_too(supervisor_client, world_a):
    response = supervisor_client.patch(
        f"/api/v1/contacts/{world_a.contact.pk}/", {"name": "改名"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "改名"
    assert response.json()["email"] != world_a.contact.email
    world_a.contact.refresh_from_db()
    assert world_a.contact.name == "改名"
