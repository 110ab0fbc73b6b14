# ruff: noqa: F811  (the subcontractor fixtures are imported from the workspace tests)
"""The admin is no back door (issue 10): personal data masked and revealed only with a
logged purpose; tickets change only through the workflow's services; no revert; events are
never written here; history pages that answer, name people and objects, and show JST."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from contracts.models import Contact
from mail.models import InboundMail
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.workspace.conftest import make_ticket, subcontractor_org  # noqa: F401
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import message_add, ticket_assign
from workspace.models import ContactReveal

pytestmark = pytest.mark.django_db

PHONE = "03-1234-5678"


@pytest.fixture
def staff_supervisor(distributor):
    user = UserFactory(username="boss", roles=["supervisor"], is_staff=True)
    Profile.objects.create(user=user, organisation=distributor)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


EMAIL = "taro.yamada@customer-a.example.jp"
MASKED = "t•••@customer-a.example.jp"


@pytest.fixture
def contact(customer_a):
    customer_a.primary_domain = "customer-a.example.jp"
    customer_a.save()
    return ContactFactory(customer=customer_a, email=EMAIL, phone=PHONE, is_global_admin=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- personal data -------------------------------------------------------------------------------


def test_contact_str_is_masked(contact):
    assert EMAIL not in str(contact)
    assert str(contact) == f"{contact.name} <t•••@customer-a.example.jp>"


@pytest.mark.parametrize("who", ["staff_supervisor", "superuser"])
def test_contact_list_change_and_history_pages_mask_email_and_phone(who, request, contact):
    client = _client(request.getfixturevalue(who))
    Contact.objects.filter(pk=contact.pk).update(name="山田 太郎")  # no history row
    pages = [
        reverse("admin:contracts_contact_changelist"),
        reverse("admin:contracts_contact_change", args=[contact.pk]),
        reverse("admin:contracts_contact_history", args=[contact.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert EMAIL not in _text(response), url
        assert PHONE not in _text(response), url
    assert MASKED in _text(client.get(pages[0]))
    assert ContactReveal.objects.count() == 0


def test_a_masked_contact_cannot_be_overwritten_through_the_change_form(staff_supervisor, contact):
    client = _client(staff_supervisor)
    response = client.post(
        reverse("admin:contracts_contact_change", args=[contact.pk]),
        {
            "name": contact.name,
            "email": "attacker@evil.example",
            "phone": "090-0000-0000",
            "is_global_admin": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.email, contact.phone) == (EMAIL, PHONE)


def test_reveal_in_the_admin_needs_a_purpose_and_is_logged(staff_supervisor, contact):
    client = _client(staff_supervisor)
    url = reverse("admin:contracts_contact_reveal", args=[contact.pk])
    refused = client.post(url, {"purpose": "", "reason": ""})
    assert refused.status_code == 400
    assert ContactReveal.objects.count() == 0

    done = client.post(url, {"purpose": "identity_and_service", "reason": "折り返し電話で確認"})
    assert done.status_code == 302
    reveal = ContactReveal.objects.get()
    assert (reveal.user, reveal.contact, reveal.purpose) == (
        staff_supervisor,
        contact,
        "identity_and_service",
    )
    page = client.get(reverse("admin:contracts_contact_change", args=[contact.pk]))
    assert EMAIL in _text(page) and PHONE in _text(page)
    # another desk user still reads it masked
    other = UserFactory(username="boss2", roles=["supervisor"], is_staff=True)
    assert EMAIL not in _text(
        _client(other).get(reverse("admin:contracts_contact_change", args=[contact.pk]))
    )


def test_ticket_admin_names_the_requester_masked(superuser, contact, customer_a):
    ticket = make_ticket(customer_a, requester=contact)
    page = _client(superuser).get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert EMAIL not in _text(page)


def test_held_mail_masks_a_registered_contacts_address(agent, contact, superuser):
    InboundMail.objects.create(
        message_id="<held-registered@example.jp>",
        from_address=EMAIL,
        subject="受付",
        status=InboundMail.Status.HELD,
        reason="sender_unauthenticated",
        raw=b"From: " + EMAIL.encode() + b"\r\n\r\nhi",
        received_at="2026-11-25T01:00:00Z",
    )
    listing = _client(agent).get(reverse("mail:held_list"))
    assert listing.status_code == 200
    assert EMAIL not in _text(listing)
    assert MASKED in _text(listing)
    held = InboundMail.objects.get()
    release = _client(agent).get(reverse("mail:held_release", args=[held.pk]))
    assert EMAIL not in _text(release)
    admin = _client(superuser)
    for url in (
        reverse("admin:mail_heldmail_changelist"),
        reverse("admin:mail_heldmail_change", args=[held.pk]),
        reverse("admin:mail_inboundmail_changelist"),
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert EMAIL not in _text(response).replace(f"From: {EMAIL}", ""), url


# --- tickets keep to the workflow ---------------------------------------------------------------


def test_a_supervisor_cannot_move_a_ticket_to_another_reseller_in_the_admin(
    staff_supervisor, customer_a, reseller_b
):
    """Attack: setting another reseller moved the ticket into B's API, with no event."""
    ticket = make_ticket(customer_a)
    customer_b = CustomerFactory(reseller=reseller_b)
    before = (ticket.reseller_id, ticket.customer_id, ticket.status, ticket.severity)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = _client(staff_supervisor).post(
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        {
            "reseller": reseller_b.pk,
            "customer": customer_b.pk,
            "status": Status.CLOSED,
            "severity": "critical",
            "subject": "changed",
        },
    )
    assert response.status_code in (200, 302)
    ticket.refresh_from_db()
    assert (ticket.reseller_id, ticket.customer_id, ticket.status, ticket.severity) == before
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


class _FormFields(HTMLParser):
    """The inputs a browser would send back from a page's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and fields.get("name") and fields.get("type") != "submit":
            self.data[fields["name"] or ""] = fields.get("value") or ""


def test_saving_the_read_only_ticket_page_writes_no_history_row(staff_supervisor, customer_a):
    ticket = make_ticket(customer_a)
    message_add(ticket=ticket, kind=Message.Kind.REPLY, body="回答")
    client = _client(staff_supervisor)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    form = _FormFields()
    form.feed(_text(client.get(url)))
    rows = ticket.history.count()

    response = client.post(url, {**form.data, "_save": "保存"})

    assert response.status_code == 302, _text(response)[:2000]
    assert ticket.history.count() == rows
    # and no field of the ticket was a form field to begin with
    assert not [name for name in form.data if name in {f.name for f in Ticket._meta.fields}]


def test_admin_actions_go_through_the_workflow_services(
    staff_supervisor, customer_a, subcontractor_org, agent
):
    ticket = make_ticket(customer_a)
    ticket_assign(ticket=ticket, assignee=None, organisation=subcontractor_org, actor=agent)
    client = _client(staff_supervisor)
    changelist = reverse("admin:tickets_ticket_changelist")
    response = client.post(changelist, {"action": "unassign", "_selected_action": [ticket.pk]})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assigned_organisation_id is None
    client.post(changelist, {"action": "resolve", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count("assigned") == 2 and "status_changed" in kinds


def test_an_agent_without_workflow_rights_gets_no_actions(customer_a, distributor):
    clerk = UserFactory(username="clerk", roles=["agent"], is_staff=True)
    Profile.objects.create(user=clerk, organisation=distributor)
    ticket = make_ticket(customer_a)
    response = _client(clerk).post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "resolve", "_selected_action": [ticket.pk]},
    )
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("model", ["ticket", "message"])
def test_no_revert_from_history(superuser, customer_a, model):
    ticket = make_ticket(customer_a, subject="before")
    note = message_add(ticket=ticket, kind=Message.Kind.INTERNAL_NOTE, body="before", actor=None)
    obj = ticket if model == "ticket" else note
    record = obj.history.earliest()
    url = reverse(f"admin:tickets_{model}_simple_history", args=[obj.pk, record.history_id])
    client = _client(superuser)
    assert client.get(url).status_code == 403
    assert client.post(url, {"subject": "reverted"}).status_code == 403
    ticket.refresh_from_db()
    note.refresh_from_db()
    assert (ticket.subject, note.body) == ("before", "before")


def test_ticket_events_cannot_be_added_or_changed_by_anyone(superuser, customer_a):
    ticket = make_ticket(customer_a)
    event = TicketEvent.objects.filter(ticket=ticket).first()
    assert event is not None  # opening a ticket records an event
    client = _client(superuser)
    assert client.get(reverse("admin:tickets_ticketevent_add")).status_code == 403
    count = TicketEvent.objects.count()
    response = client.post(
        reverse("admin:tickets_ticketevent_add"),
        {"ticket": ticket.pk, "kind": "status_changed", "data": "{}"},
    )
    assert response.status_code == 403
    assert TicketEvent.objects.count() == count
    change = client.post(
        reverse("admin:tickets_ticketevent_change", args=[event.pk]), {"kind": "breached"}
    )
    assert change.status_code in (200, 403)
    event.refresh_from_db()
    assert event.kind != "breached"
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403


# --- history pages --------------------------------------------------------------------------------


def test_the_held_mail_history_page_answers(superuser):
    """It was a 500: the proxy model has no history manager of its own."""
    held = InboundMail.objects.create(
        message_id="<held-history@example.jp>",
        from_address="stranger@example.com",
        status=InboundMail.Status.HELD,
        reason="unknown_sender",
        raw=b"From: stranger@example.com\r\n\r\nhi",
        received_at="2026-11-25T01:00:00Z",
    )
    response = _client(superuser).get(reverse("admin:mail_heldmail_history", args=[held.pk]))
    assert response.status_code == 200


def test_ticket_history_names_users_and_objects_in_jst_and_japanese(
    superuser, staff_supervisor, customer_a, agent
):
    ticket = make_ticket(customer_a)
    ticket_assign(ticket=ticket, assignee=agent, actor=staff_supervisor)
    response = _client(superuser).get(reverse("admin:tickets_ticket_history", args=[ticket.pk]))
    html = _text(response)
    assert response.status_code == 200
    assert "boss" in html  # who changed it
    assert "担当者" in html and "agent" in html  # the field and the new assignee by name
    assert "JST" in html
    assert "Changed by" not in html and "Revert" not in html
    assert f">{agent.pk}<" not in html
