"""The SLA admin: every model with history, Japanese labels, the policy rules inline, and the
recomputation that shows what moves before it changes anything."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from sla import models as sla_models
from sla.admin import PolicyRuleInline, SupportPolicyAdmin
from sla.models import HolidayOverride, SupportPolicy
from tests.factories import UserFactory
from tests.sla.support import jst, open_ticket
from tickets.models import Ticket, TicketEvent
from tickets.recompute import CHANGE_REASON

pytestmark = pytest.mark.django_db

SLA_MODELS = [
    sla_models.OpeningHours,
    sla_models.NationalHoliday,
    sla_models.HolidayOverride,
    sla_models.CompanyHoliday,
    sla_models.Closure,
    sla_models.SupportPolicy,
    sla_models.PolicyRule,
    sla_models.EscalationRule,
]
NOW = jst(2026, 6, 15, 12)
RECOMPUTE_URL = reverse("admin:sla_recompute_deadlines")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def moved_ticket(frozen) -> Ticket:
    """A 翌営業日 ticket due Tue 6/16 17:00, and an admin's new holiday on 6/16."""
    ticket = open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))
    HolidayOverride.objects.create(date=datetime.date(2026, 6, 16), name="臨時の祝日")
    return ticket


def _state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return ticket.first_response_due, ticket.history.count(), ticket.events.count()


@pytest.mark.parametrize("model", SLA_MODELS, ids=lambda model: model.__name__)
def test_every_sla_model_is_registered_with_history(model):
    assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)


@pytest.mark.parametrize("model", SLA_MODELS, ids=lambda model: model.__name__)
def test_changelist_add_and_history_pages_render_in_japanese(admin_client, model):
    meta = model._meta
    changelist = admin_client.get(reverse(f"admin:sla_{meta.model_name}_changelist"), secure=True)
    add = admin_client.get(reverse(f"admin:sla_{meta.model_name}_add"), secure=True)
    row = model.objects.first()

    assert changelist.status_code == 200
    assert add.status_code == 200
    assert str(meta.verbose_name_plural) in changelist.content.decode()
    assert f'href="{RECOMPUTE_URL}?next=' in changelist.content.decode()
    if row is not None:
        history = admin_client.get(
            reverse(f"admin:sla_{meta.model_name}_history", args=[row.pk]), secure=True
        )
        assert history.status_code == 200


def test_policy_rules_are_edited_inline_on_the_policy(admin_client):
    policy = SupportPolicy.objects.get(effective_from=datetime.date(2021, 7, 1))

    response = admin_client.get(
        reverse("admin:sla_supportpolicy_change", args=[policy.pk]), secure=True
    )

    assert PolicyRuleInline in SupportPolicyAdmin.inlines
    assert response.status_code == 200
    assert response.content.decode().count('name="rules-') >= 6 * 5  # 6 rules × 5 fields


def test_search_and_filters(admin_client):
    HolidayOverride.objects.create(date=datetime.date(2026, 6, 16), name="臨時の祝日")
    HolidayOverride.objects.create(
        date=datetime.date(2026, 5, 6), is_holiday=False, reason="法改正"
    )
    url = reverse("admin:sla_holidayoverride_changelist")

    found = admin_client.get(url, {"q": "臨時"}, secure=True)
    switched_off = admin_client.get(url, {"is_holiday__exact": "0"}, secure=True)

    assert found.context["cl"].result_count == 1
    assert [row.date for row in switched_off.context["cl"].result_list] == [
        datetime.date(2026, 5, 6)
    ]


def test_the_action_leads_to_the_confirmation_and_changes_nothing(admin_client, moved_ticket):
    policy = SupportPolicy.objects.get()
    changelist = reverse("admin:sla_supportpolicy_changelist")
    before = _state(moved_ticket)

    response = admin_client.post(
        changelist,
        {"action": "recompute_open_tickets", "_selected_action": [policy.pk]},
        secure=True,
    )

    assert response.status_code == 302
    assert response["Location"].startswith(f"{RECOMPUTE_URL}?next=")
    confirmation = admin_client.get(response["Location"], secure=True)
    page = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert moved_ticket.number in page
    assert "2026-06-16 17:00 → 2026-06-17 17:00" in page
    assert _state(moved_ticket) == before


def test_confirming_applies_the_moves_shown_with_the_acting_user(
    admin_client, admin_user, moved_ticket
):
    confirmation = admin_client.get(RECOMPUTE_URL, secure=True)
    tokens = [move.token for move in confirmation.context["moves"]]

    response = admin_client.post(
        RECOMPUTE_URL,
        {"confirm": "1", "move": tokens, "next": reverse("admin:sla_holidayoverride_changelist")},
        secure=True,
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sla_holidayoverride_changelist")
    moved_ticket.refresh_from_db()
    assert moved_ticket.first_response_due == jst(2026, 6, 17, 17)
    latest = moved_ticket.history.first()
    assert (latest.history_user, latest.history_change_reason) == (admin_user, CHANGE_REASON)
    event = moved_ticket.events.get(kind=TicketEvent.Kind.DEADLINE_RECOMPUTED)
    assert event.actor == admin_user


def test_a_move_not_shown_is_not_applied(admin_client, moved_ticket):
    before = _state(moved_ticket)
    # A token from a stale page: the deadline it showed is not the one the plan now computes.
    stale = f"{moved_ticket.pk}|2026-06-15T10:00:00+09:00|2026-06-15T10:00:00+09:00||"

    response = admin_client.post(RECOMPUTE_URL, {"confirm": "1", "move": [stale]}, secure=True)

    assert response.status_code == 302
    assert _state(moved_ticket) == before


def test_the_confirmation_says_when_nothing_moves(admin_client, frozen):
    open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, 10))

    response = admin_client.get(RECOMPUTE_URL, secure=True)

    assert response.status_code == 200
    assert "期限が動く未応答のチケットはありません。" in response.content.decode()


def test_staff_who_may_not_change_tickets_cannot_recompute(client, moved_ticket):
    staff = UserFactory(username="calendar-editor", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="sla", codename__startswith="view_")
    )
    client.force_login(staff)
    before = _state(moved_ticket)
    confirmation_tokens = ["anything"]

    shown = client.get(RECOMPUTE_URL, secure=True)
    confirmed = client.post(
        RECOMPUTE_URL, {"confirm": "1", "move": confirmation_tokens}, secure=True
    )

    assert (shown.status_code, confirmed.status_code) == (403, 403)
    assert _state(moved_ticket) == before
    changelist = client.get(reverse("admin:sla_supportpolicy_changelist"), secure=True)
    assert changelist.status_code == 200
    assert "recompute_open_tickets" not in changelist.content.decode()
    assert RECOMPUTE_URL not in changelist.content.decode()


def test_an_outside_next_url_is_ignored(admin_client, frozen):
    response = admin_client.post(
        RECOMPUTE_URL, {"confirm": "1", "next": "https://evil.example/"}, secure=True
    )

    assert response["Location"] == reverse("admin:sla_supportpolicy_changelist")


def test_the_confirmation_page_queries_do_not_grow_with_the_tickets(
    admin_client, frozen, django_assert_max_num_queries
):
    for hour in range(8, 18):
        open_ticket(plan="24x365", severity="high", submitted_at=jst(2026, 6, 15, hour % 12))
    HolidayOverride.objects.create(date=datetime.date(2026, 6, 16), name="臨時の祝日")
    admin_client.get(RECOMPUTE_URL, secure=True)  # the calendar is built once per process

    with django_assert_max_num_queries(8):
        response = admin_client.get(RECOMPUTE_URL, secure=True)

    assert len(response.context["moves"]) == 10
    assert "24時間365日" in response.content.decode()
