"""The agent workspace in a real browser: the issue's scenarios, end to end."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, TicketFactory
from tickets.models import Status, Ticket
from tickets.services import ticket_assign
from workspace.templatetags.workspace import jst

pytestmark = pytest.mark.django_db(transaction=True)
# Auto-retrying assertions: a click that navigates returns before the next page is there.
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def _ticket(customer, **kwargs) -> Ticket:
    return TicketFactory(
        customer=customer,
        subscription=SubscriptionFactory(customer=customer),
        requester=ContactFactory(customer=customer),
        **kwargs,
    )


@pytest.fixture
def breached(customer_a) -> Ticket:
    """重大 on 24x365, submitted three hours ago: its one-hour deadline passed two hours ago."""
    return _ticket(
        customer_a,
        severity="critical",
        subject="大多数のユーザーでメールの送受信ができない",
        submitted_at=timezone.now() - datetime.timedelta(hours=3),
    )


@pytest.fixture
def running(customer_a) -> Ticket:
    """高 on 24x365, submitted now: due at 17:00 of the next business day."""
    return _ticket(customer_a, severity="high", subject="Outlook on the web の表示が崩れる")


def test_breached_ticket_comes_first_in_the_breached_queue(
    page, screenshot, agent, breached, running
):
    # Given an older breached ticket and a running one
    later_breach = _ticket(
        breached.customer,
        severity="critical",
        submitted_at=timezone.now() - datetime.timedelta(minutes=90),
    )
    # When the agent logs in and opens 期限超過
    log_in(page, agent.username)
    page.locator('.queue-nav a[data-queue="breached"]').click()
    page.wait_for_url("**/?queue=breached*")
    # Then the ticket with the earliest missed deadline is first, and the running one absent
    rows = page.locator("table.tickets tbody tr")
    assert rows.nth(0).get_attribute("data-number") == breached.number
    assert rows.nth(1).get_attribute("data-number") == later_breach.number
    assert rows.count() == 2
    assert page.locator('.queue-nav a[data-queue="breached"] .queue-count').inner_text() == "2"
    assert "期限超過" in rows.nth(0).locator(".sla-label").inner_text()
    assert "超過" in rows.nth(0).locator(".countdown").inner_text()
    screenshot(page, "queue-breached")
    page.locator('.queue-nav a[data-queue="open"]').click()
    page.wait_for_url("**/?queue=open*")
    screenshot(page, "queue-open")


def test_reply_sets_the_first_response_and_the_state_becomes_met(page, screenshot, agent, running):
    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    assert page.locator("#sla-state [data-sla-state]").get_attribute("data-sla-state") == (
        "running"
    )
    screenshot(page, "ticket-before-reply")
    # When the agent replies to the requester
    page.get_by_label("回答", exact=True).fill("状況を確認しました。引き続き調査します。")
    page.get_by_role("button", name="回答を送信").click()
    # Then the first response is on time: 期限内に応答済み, and the ticket is in progress
    page.wait_for_selector(".message-success")
    assert page.locator("#sla-state [data-sla-state]").get_attribute("data-sla-state") == "met"
    assert "期限内に応答済み" in page.locator("#sla-state").inner_text()
    assert page.locator("#ticket-status").inner_text() == "対応中"
    assert page.locator("article.message-reply").count() == 1
    running.refresh_from_db()
    assert running.first_responded_at is not None
    screenshot(page, "ticket-after-reply")


def test_request_for_logs_moves_the_ticket_to_waiting_on_customer(page, agent, running):
    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    page.get_by_label("回答", exact=True).fill("メッセージ トレースのログを送付してください。")
    page.get_by_label("情報・ログを依頼する", exact=False).check()
    page.get_by_role("button", name="回答を送信").click()
    page.wait_for_selector(".message-success")
    assert page.locator("#ticket-status").inner_text() == "お客様回答待ち"
    running.refresh_from_db()
    assert running.status == Status.WAITING_ON_CUSTOMER
    # And the ticket is listed in お客様回答待ち
    page.goto("/?queue=waiting_on_customer")
    assert page.locator("table.tickets tbody tr").first.get_attribute("data-number") == (
        running.number
    )


def test_severity_change_shows_the_recomputed_deadline(page, agent, running):
    old_due = jst(running.first_response_due)
    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    assert page.locator("#first-response-due").inner_text() == old_due
    page.locator("#action-severity summary").click()
    page.get_by_label("新しい重大度").select_option("critical")
    page.get_by_label("変更理由").fill("大多数のユーザーに影響していることを確認")
    page.locator("#action-severity button[type=submit]").click()
    page.wait_for_selector(".message-success")
    running.refresh_from_db()
    assert running.severity == "critical"
    new_due = jst(running.first_response_due)
    assert new_due != old_due
    assert page.locator("#first-response-due").inner_text() == new_due
    assert "1時間以内" in page.locator("#sla-explanation").inner_text()


def test_severity_change_without_reason_keeps_what_was_typed(page, agent, running):
    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    page.get_by_label("回答", exact=True).fill("下書き")
    page.locator("#action-severity summary").click()
    page.get_by_label("新しい重大度").select_option("critical")
    page.get_by_label("変更理由").fill("   ")
    page.locator("#action-severity button[type=submit]").click()
    expect(page.locator("#action-severity .field-error")).to_have_count(1)
    assert page.get_by_label("新しい重大度").input_value() == "critical"
    running.refresh_from_db()
    assert running.severity == "high"


def test_refuse_as_out_of_scope_sends_the_requester_a_message(page, screenshot, agent, running):
    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    page.locator("#action-refuse summary").click()
    page.get_by_label("お断り理由").select_option("out_of_scope")
    page.get_by_label("依頼者へのメッセージ").fill(
        "Excel の操作方法はサポート範囲外のため、お受けできません（第3条3.5）。"
    )
    # Refusing mails the customer: the page asks first
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.get_by_role("button", name="お断りする").click()
    page.wait_for_selector(".message-success")
    assert "お断りのメールが送信されます" in questions[0]
    assert page.locator("#ticket-status").inner_text() == "お断り"
    assert "サポート範囲外" in page.locator("article.message-reply").inner_text()
    running.refresh_from_db()
    assert (running.status, running.refusal_reason) == (Status.REFUSED, "out_of_scope")
    screenshot(page, "ticket-refused")


def test_subcontractor_cannot_open_another_organisations_ticket(
    page, subcontractor_agent, subcontractor_org, agent, running, breached
):
    # Given the running ticket is handed to the subcontractor, the breached one is not
    ticket_assign(ticket=running, assignee=None, organisation=subcontractor_org, actor=agent)
    log_in(page, subcontractor_agent.username)
    # Then the queue lists only its own ticket
    numbers = page.locator("table.tickets tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.number)"
    )
    assert numbers == [running.number]
    # And the other ticket answers 404, the same as a ticket that does not exist
    response = page.goto(f"/tickets/{breached.number}/")
    assert response.status == 404
    response = page.goto(f"/tickets/{running.number}/")
    assert response.status == 200


def test_supervisor_dashboard_shows_breaches_and_the_on_time_chart(
    page, screenshot, supervisor, agent, breached, running
):
    log_in(page, supervisor.username)
    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", name="スーパーバイザー ダッシュボード")).to_be_visible()
    assert breached.number in page.locator("section", has_text="本日の期限超過").inner_text()
    assert page.locator("#on-time-overall").inner_text().startswith("0.0%")
    assert page.locator("svg.chart rect.chart-track").count() == 1
    screenshot(page, "dashboard")


def test_switch_to_english(page, screenshot, agent, running):
    log_in(page, agent.username)
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_label("言語").select_option("en")
    page.get_by_role("button", name="切り替え").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator('.queue-nav a[data-queue="breached"] .queue-name').inner_text() == (
        "Breached"
    )
    assert page.get_by_role("button", name="Filter").count() == 1
    page.goto(f"/tickets/{running.number}/")
    assert "Reply to the requester" in page.locator("#reply-heading").inner_text()
    assert "received" in page.locator("#sla-explanation").inner_text()
    screenshot(page, "ticket-english")


def test_masked_contact_is_revealed_with_a_purpose_and_logged(page, agent, running):
    from workspace.models import ContactReveal

    log_in(page, agent.username)
    page.goto(f"/tickets/{running.number}/")
    assert running.requester.email not in page.locator("#requester-email").inner_text()
    page.locator("#action-reveal summary").click()
    page.get_by_label("利用目的").select_option("answering_inquiry")
    page.get_by_label("理由", exact=True).fill("折り返し電話のため")
    page.get_by_role("button", name="表示する").click()
    page.wait_for_selector(".message-success")
    assert page.locator("#requester-email").inner_text() == running.requester.email
    reveal = ContactReveal.objects.get()
    assert (reveal.user, reveal.contact, reveal.purpose) == (
        agent,
        running.requester,
        "answering_inquiry",
    )


def test_keyboard_focus_is_visible(page, agent, running):
    log_in(page, agent.username)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_unused_customer_is_not_listed(page, agent, running):
    CustomerFactory(reseller=running.reseller, name="未使用の顧客")
    log_in(page, agent.username)
    assert "未使用の顧客" not in page.locator("table.tickets").inner_text()
