"""Phone intake: the terms shown before submitting, the caller found by number, a refused
call recorded with what to tell the caller (Art. 3.5)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contracts.models import Product
from tests.factories import ContactFactory, ProductFactory, SubscriptionFactory
from tests.workspace.conftest import NOW
from tickets.eligibility import categories_in_scope
from tickets.models import Category, Ticket
from workspace import intake
from workspace.models import RefusedCall

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _intake_url(customer) -> str:
    return reverse("workspace:phone_intake", args=[customer.pk])


def test_the_contract_plan_reception_rules_and_scope_show_before_submitting(
    agent_client, customer_a
):
    key = SubscriptionFactory(
        customer=customer_a,
        product=ProductFactory(
            name="Windows ESU", support_scope="product_key_only", family="perpetual"
        ),
    )
    with time_machine.travel(NOW, tick=False):
        html = _html(agent_client.get(_intake_url(customer_a)))
    # The plan of the contract in force, and each severity's reception rule (24x365)
    assert 'id="intake-plan">24時間365日<' in html
    assert html.count("24時間年中無休で受付") == 3
    assert "60 分以内（実時間）" in html  # 重大
    assert "翌営業日の終業時刻まで" in html  # 高
    # The product's scope, for each subscription
    assert f'data-subscription="{key.pk}" data-categories="product_key"' in html
    assert "プロダクトキー取得までがサポート範囲です" in html


def test_no_contract_is_said_before_submitting(agent_client, reseller_b):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(reseller=reseller_b)
    html = _html(agent_client.get(_intake_url(customer)))
    assert 'id="no-contract"' in html


def test_user_creation_and_licences_are_in_scope_for_microsoft_365():
    # DOMAIN.md §11: a standard cloud feature of Microsoft 365 / Office 365
    m365 = ProductFactory.build(family=Product.Family.MICROSOFT_365, support_scope="full")
    dynamics = ProductFactory.build(family=Product.Family.DYNAMICS_365, support_scope="full")
    assert Category.USER_AND_LICENCE in categories_in_scope(m365)
    assert Category.USER_AND_LICENCE not in categories_in_scope(dynamics)


@pytest.mark.parametrize(
    "typed", ["03-5555-0142", "0355550142", "+81 3-5555-0142", "(03) 5555 0142"]
)
def test_the_caller_is_found_by_phone_number_and_shown_masked(
    agent_client, customer_a, admin_contact_a, typed
):
    admin_contact_a.phone = "03-5555-0142"
    admin_contact_a.save()
    ContactFactory(customer=customer_a, phone="03-5555-0199")
    response = agent_client.get(reverse("workspace:phone_intake_search"), {"search": typed})
    html = _html(response)
    assert f'data-contact="{admin_contact_a.pk}"' in html
    assert html.count("data-contact=") == 1
    assert f"?requester={admin_contact_a.pk}" in html
    callers = html[html.index('id="callers"') :]
    assert "03-5555-0142" not in callers  # masked: the last two digits only
    assert "•••-••••-42" in callers
    assert "該当する顧客はありません" not in html  # the caller was found: no "nothing found"


def test_a_fragment_of_a_number_finds_nobody(agent_client, admin_contact_a):
    admin_contact_a.phone = "03-5555-0142"
    admin_contact_a.save()
    html = _html(agent_client.get(reverse("workspace:phone_intake_search"), {"search": "0142"}))
    assert "data-contact=" not in html
    assert intake.callers_by_phone(user=None, number="03-5555-0142") == []


def test_a_reseller_person_matches_for_each_of_its_customers(agent, customer_a, reseller_a):
    from tests.factories import CustomerFactory

    other = CustomerFactory(reseller=reseller_a)
    person = ContactFactory(customer=None, reseller=reseller_a, phone="045-111-2222")
    matches = intake.callers_by_phone(user=agent, number="0451112222")
    assert {(m.contact.pk, m.customer.pk) for m in matches} == {
        (person.pk, customer_a.pk),
        (person.pk, other.pk),
    }


def test_the_subcontractor_cannot_look_callers_up(subcontractor_agent, admin_contact_a):
    admin_contact_a.phone = "03-5555-0142"
    admin_contact_a.save()
    assert intake.callers_by_phone(user=subcontractor_agent, number="03-5555-0142") == []


def test_the_lookup_preselects_the_caller(agent_client, customer_a, admin_contact_a):
    html = _html(agent_client.get(_intake_url(customer_a), {"requester": admin_contact_a.pk}))
    assert f'<option value="{admin_contact_a.pk}" selected>' in html


def test_a_refused_call_says_what_to_tell_the_caller_and_is_recorded(
    agent_client, agent, customer_a
):
    # Given a caller who is not a global admin
    caller = ContactFactory(customer=customer_a, is_global_admin=False, name="Taro Suzuki")
    subscription = SubscriptionFactory(customer=customer_a)
    # When the agent submits the intake
    response = agent_client.post(
        _intake_url(customer_a),
        {
            "requester": caller.pk,
            "subscription": subscription.pk,
            "severity": "high",
            "category": "standard_feature",
            "subject": "ライセンスを追加したい",
            "description": "説明",
        },
    )
    # Then no ticket, the page says what to tell the caller, and offers to record the call
    assert response.status_code == 400
    html = _html(response)
    assert Ticket.objects.count() == 0
    assert 'id="refusal-guidance"' in html
    assert "全体管理者の方から改めてご連絡いただくよう" in html
    assert '<details class="card" id="refusal" open>' in html
    assert 'value="Taro Suzuki"' in html
    assert '<option value="not_global_admin" selected>' in html
    assert 'value="requester_not_global_admin"' in html

    # When the agent records it
    response = agent_client.post(
        reverse("workspace:phone_intake_refuse", args=[customer_a.pk]),
        {
            "refusal-caller_name": "Taro Suzuki",
            "refusal-caller_phone": "03-1111-2233",
            "refusal-requester": caller.pk,
            "refusal-subscription": subscription.pk,
            "refusal-category": "standard_feature",
            "refusal-reason": "not_global_admin",
            "refusal-code": "requester_not_global_admin",
            "refusal-summary": "ライセンスを追加したい",
        },
    )
    # Then it is kept, and its page cites Art. 3.5 and what to tell the caller
    call = RefusedCall.objects.get()
    assert (call.contact, call.reason, call.code, call.recorded_by) == (
        caller,
        "not_global_admin",
        "requester_not_global_admin",
        agent,
    )
    assert response["Location"] == reverse("workspace:refused_call", args=[call.pk])
    html = _html(agent_client.get(response["Location"]))
    assert "第3条3.5" in html
    assert "全体管理者の方から改めてご連絡いただくよう" in html
    assert "03-1111-2233" not in html
    assert Ticket.objects.count() == 0
    # And the customer's intake page lists it, with its reason
    listed = _html(agent_client.get(_intake_url(customer_a)))
    refused = listed[listed.index('id="refused-calls"') :]
    assert "Taro Suzuki — 全体管理者以外からの問い合わせ" in refused


def test_an_out_of_scope_category_becomes_the_matching_refusal_reason():
    assert intake.refusal_reason_for(code="out_of_scope", category="app_usage") == "app_usage"
    assert intake.refusal_reason_for(code="product_not_supported") == "out_of_scope"
    assert intake.refusal_reason_for(code="no_active_contract") == "other"


def test_a_refused_call_needs_a_caller_and_a_reason(agent_client, customer_a):
    response = agent_client.post(
        reverse("workspace:phone_intake_refuse", args=[customer_a.pk]),
        {"refusal-reason": "nonsense", "refusal-summary": "x"},
    )
    assert response.status_code == 400
    assert RefusedCall.objects.count() == 0
    assert '<details class="card" id="refusal" open>' in _html(response)


def test_the_subcontractor_records_no_refused_call(subcontractor_agent, customer_a):
    client = Client()
    client.force_login(subcontractor_agent)
    response = client.post(
        reverse("workspace:phone_intake_refuse", args=[customer_a.pk]),
        {"refusal-caller_name": "x", "refusal-reason": "other", "refusal-summary": "x"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("requester", ["²", "١٢", "-1", "abc", ""])
def test_a_requester_that_is_no_number_opens_the_intake_without_one(
    agent_client, customer_a, admin_contact_a, requester
):
    response = agent_client.get(
        reverse("workspace:phone_intake", args=[customer_a.pk]), {"requester": requester}
    )
    assert response.status_code == 200


def _refused_call(agent, customer, contact, caller_phone: str):
    """A call refused for `contact` (chosen at intake), from `caller_phone`."""
    return intake.refused_call_record(
        customer=customer,
        contact=contact,
        caller_name=contact.name,
        caller_phone=caller_phone,
        reason="not_global_admin",
        summary="ライセンスを追加したい",
        actor=agent,
    )


def _refused_call_page(agent, call, language: str = "ja") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(agent)
    client.cookies["django_language"] = language
    return _html(client.get(reverse("workspace:refused_call", args=[call.pk])))


@pytest.mark.parametrize(
    ("language", "says", "never"),
    [
        (
            "ja",
            "この番号は登録済みの担当者 Taro Suzuki（•••-••••-33）の番号と一致します。",
            "(登録済みの担当者)",
        ),
        (
            "en",
            "This number matches the registered number of contact Taro Suzuki (•••-••••-33).",
            "(Registered contacts)",
        ),
    ],
)
def test_a_refused_call_says_the_number_matches_a_contact_not_who_called(
    agent, customer_a, language, says, never
):
    # Given a refused call from the number registered for a contact (DOMAIN.md §12)
    contact = ContactFactory(customer=customer_a, name="Taro Suzuki", phone="03-1111-2233")
    call = _refused_call(agent, customer_a, contact, "+81 3-1111-2233")
    # When its page is shown
    html = _refused_call_page(agent, call, language)
    # Then it says whose number it is, masked, and that this is not proof of the caller
    matched = html[html.index('id="matched-contact"') :]
    assert says in matched
    assert "03-1111-2233" not in html
    assert never not in html
    assert ("第3条3.2" if language == "ja" else "Art. 3.2") in matched


def test_a_chosen_contact_whose_number_differs_is_not_called_a_match(agent, customer_a):
    contact = ContactFactory(customer=customer_a, name="Taro Suzuki", phone="03-1111-2233")
    call = _refused_call(agent, customer_a, contact, "090-0000-0000")
    assert intake.refused_call_number_check(call=call) is intake.NumberCheck.DIFFERS
    html = _refused_call_page(agent, call)
    assert "発信元の番号とは一致しません" in html
    assert "の番号と一致します" not in html


def test_a_call_without_a_number_says_there_was_none_to_compare(agent, customer_a):
    # Given a refused call whose caller gave no number, for a contact chosen at intake
    contact = ContactFactory(customer=customer_a, name="Taro Suzuki", phone="03-1111-2233")
    call = _refused_call(agent, customer_a, contact, "")
    html = _refused_call_page(agent, call)
    # Then the page neither claims a match nor a different number
    assert "照合できる電話番号がありません" in html
    assert "発信元の番号とは一致しません" not in html
    assert "の番号と一致します" not in html


def test_a_number_registered_to_another_contact_is_named_masked(agent, customer_a):
    # Given a refused call for the chosen admin, from the number of another registered contact
    chosen = ContactFactory(customer=customer_a, name="Hanako Admin", phone="03-1111-2233")
    staff = ContactFactory(
        customer=customer_a, name="Jiro Staff", phone="+81 3-3333-4444", is_global_admin=False
    )
    ContactFactory(name="Elsewhere", phone="03-3333-4444")  # another reseller's customer
    call = _refused_call(agent, customer_a, chosen, "03-3333-4444")
    html = _refused_call_page(agent, call)
    # Then the page says whose number it is (masked), not that this person called
    owners = html[html.index('id="number-owners"') :]
    assert f"この番号は登録済みの担当者 {staff.name}" in owners
    assert "Elsewhere" not in html
    assert "3333-4444" not in html
    assert "発信元の番号とは一致しません" in html
