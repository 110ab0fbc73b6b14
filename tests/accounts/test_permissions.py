# ruff: noqa: F811  (the subcontractor fixtures are imported from the workspace tests)
"""The one home of authorization (accounts/permissions.py): each role's scope, the Python
decision and its queryset twin agreeing, membership read once; and the holes it closed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import permissions
from accounts.models import Profile
from notifications.selectors import notifications_unread_count
from notifications.services import notification_create
from tests.factories import CustomerFactory, UserFactory
from tests.workspace.conftest import make_ticket, subcontractor_agent, subcontractor_org  # noqa: F401
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(distributor):
    user = UserFactory(username="manager", roles=["manager"])
    Profile.objects.create(user=user, organisation=distributor)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def tickets(customer_a, reseller_b, subcontractor_org, agent):
    """One ticket of reseller A, one of reseller B, one of B handed to the subcontractor."""
    customer_b = CustomerFactory(reseller=reseller_b)
    handed = make_ticket(customer_b)
    ticket_assign(ticket=handed, assignee=None, organisation=subcontractor_org, actor=agent)
    handed.refresh_from_db()
    return {"a": make_ticket(customer_a), "b": make_ticket(customer_b), "handed": handed}


@pytest.fixture
def personas(agent, supervisor, manager, superuser, subcontractor_agent, reseller_a_user, outsider):
    return {
        "agent": agent,
        "supervisor": supervisor,
        "manager": manager,
        "superuser": superuser,
        "subcontractor": subcontractor_agent,
        "reseller_a": reseller_a_user,
        "outsider": outsider,
    }


EXPECTED = {
    "agent": {"a", "b", "handed"},
    "supervisor": {"a", "b", "handed"},
    "manager": {"a", "b", "handed"},
    "superuser": {"a", "b", "handed"},
    "subcontractor": {"handed"},
    "reseller_a": {"a"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_role_sees_its_tickets_and_the_two_forms_of_the_rule_agree(persona, personas, tickets):
    user = type(personas[persona]).objects.get(pk=personas[persona].pk)
    listed = set(tickets_visible_to(user).values_list("pk", flat=True))
    decided = {name for name, ticket in tickets.items() if permissions.may_see_ticket(user, ticket)}
    assert {name for name, ticket in tickets.items() if ticket.pk in listed} == EXPECTED[persona]
    assert decided == EXPECTED[persona]


def test_membership_is_read_once_per_user(agent, django_assert_num_queries):
    user = type(agent).objects.get(pk=agent.pk)
    with django_assert_num_queries(2):  # the profile with its organisation; the groups
        for _ in range(3):
            permissions.may_use_workspace(user)
            permissions.ticket_scope(user)
            permissions.may_read_held_mail(user)


def test_a_superuser_acting_for_a_reseller_reads_only_that_resellers_tickets(reseller_a, tickets):
    """Attack: a reseller's API token whose user was made superuser (or put in a desk group)
    read every reseller's tickets through the API, because the desk rule came first."""
    user = UserFactory(username="api-root", is_superuser=True, roles=["reseller_api", "agent"])
    Profile.objects.create(user=user, reseller=reseller_a)
    assert set(tickets_visible_to(user)) == {tickets["a"]}
    assert not permissions.may_use_workspace(user)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("workspace:ticket", args=[tickets["b"].number])).status_code == 403
    listed = client.get("/api/v1/tickets/").json()["results"]
    assert [row["number"] for row in listed] == [tickets["a"].number]


def test_the_held_mail_list_is_the_distributors_desk_only(subcontractor_agent, agent):
    assert permissions.may_read_held_mail(agent)
    assert not permissions.may_read_held_mail(subcontractor_agent)


# --- point 3: unassigning takes the ticket away from the subcontractor -------------------------


def test_unassigning_a_subcontractors_ticket_clears_its_organisation(
    subcontractor_agent, subcontractor_org, tickets, supervisor
):
    handed = tickets["handed"]
    ticket_assign(ticket=handed, assignee=subcontractor_agent, actor=supervisor)
    client = Client()
    client.force_login(supervisor)
    # 「未割当にする」 in the workspace's assign form.
    response = client.post(
        reverse("workspace:ticket_action", args=[handed.number, "assign"]),
        {"assign-assignee": ""},
    )
    assert response.status_code == 302
    handed.refresh_from_db()
    assert (handed.assignee_id, handed.assigned_organisation_id) == (None, None)
    sub_client = Client()
    sub_client.force_login(subcontractor_agent)
    page = sub_client.get(reverse("workspace:ticket", args=[handed.number]))
    assert page.status_code == 404
    assert handed.number not in sub_client.get("/").content.decode()


def test_giving_the_ticket_to_a_user_of_no_organisation_takes_it_from_the_subcontractor(
    tickets, superuser, subcontractor_agent
):
    handed = tickets["handed"]
    ticket_assign(ticket=handed, assignee=superuser, actor=superuser)
    handed.refresh_from_db()
    assert handed.assigned_organisation_id is None
    assert not Ticket.objects.filter(pk=handed.pk).filter(
        permissions.ticket_scope(subcontractor_agent)
    )


# --- point 4: a subcontractor's filters offer only what it may see ------------------------------


def test_a_subcontractors_filters_list_only_its_resellers_and_its_people(
    subcontractor_agent, subcontractor_org, tickets, reseller_a, reseller_b, agent, supervisor
):
    colleague = UserFactory(username="sub-colleague", roles=["subcontractor_agent"])
    Profile.objects.create(user=colleague, organisation=subcontractor_org)
    client = Client()
    client.force_login(subcontractor_agent)
    form = client.get("/").context["form"]
    resellers = [label for value, label in form.fields["reseller"].choices if value]
    assignees = [label for value, label in form.fields["assignee"].choices if value != ""]
    assert resellers == [reseller_b.name]
    assert sorted(assignees) == sorted(["未割当", "sub-agent", "sub-colleague"])
    html = client.get("/").content.decode()
    assert reseller_a.name not in html
    # the distributor's desk still sees every reseller and every login
    desk = Client()
    desk.force_login(agent)
    desk_form = desk.get("/").context["form"]
    assert {label for value, label in desk_form.fields["reseller"].choices if value} == {
        reseller_a.name,
        reseller_b.name,
    }


def test_notifications_of_a_ticket_taken_back_from_the_subcontractor_say_nothing_of_it(
    subcontractor_agent, tickets, supervisor
):
    handed = tickets["handed"]
    notification_create(
        recipient=subcontractor_agent,
        title=f"{handed.number} {handed.subject}",
        kind="at_risk",
        body=handed.customer.name,
        ticket=handed,
    )
    client = Client()
    client.force_login(subcontractor_agent)
    assert handed.number in client.get("/notifications/").content.decode()
    ticket_assign(ticket=handed, assignee=None, actor=supervisor)  # 未割当にする
    page = client.get("/notifications/").content.decode()
    assert handed.number not in page
    assert notifications_unread_count(user=subcontractor_agent) == 0
