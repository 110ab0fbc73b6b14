"""Two agents on one ticket (二重対応防止), search and the reply box, in real Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.browser.conftest import browser_page, log_in
from tests.factories import ContactFactory, SubscriptionFactory, TicketFactory
from tickets.models import Message, Ticket
from tickets.services import message_add, ticket_close

pytestmark = pytest.mark.django_db(transaction=True)
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture
def ticket(customer_a) -> Ticket:
    cache.clear()
    return TicketFactory(
        customer=customer_a,
        subscription=SubscriptionFactory(customer=customer_a),
        requester=ContactFactory(customer=customer_a),
        severity="high",
        subject="Exchange Online で障害が発生している",
    )


@pytest.fixture
def second_page(browser, live_server, in_flight) -> Iterator:
    yield from browser_page(browser, live_server, in_flight)


def test_two_agents_see_each_other_and_a_stale_reply_is_held(
    page, second_page, screenshot, agent, supervisor, ticket
):
    # Given two agents with the same ticket open (the first page's clock is Playwright's, so
    # the test moves it on to the page's next presence poll, every 4 s, instead of waiting)
    page.clock.install()
    log_in(page, agent.username)
    page.goto(f"/tickets/{ticket.number}/")
    log_in(second_page, supervisor.username)
    second_page.goto(f"/tickets/{ticket.number}/")

    # Then each sees the other at its next poll, and who is typing
    page.clock.fast_forward(4_000)
    expect(page.locator(f'#presence [data-user="{supervisor.username}"]')).to_contain_text("閲覧中")
    second_page.get_by_label("回答", exact=True).fill("確認します")
    page.clock.fast_forward(4_000)
    expect(page.locator(f'#presence [data-user="{supervisor.username}"]')).to_contain_text(
        "回答を入力中"
    )
    # And the queue shows it on the row
    page.goto("/?queue=open")
    expect(page.locator(f'[data-presence-for="{ticket.number}"]')).to_contain_text(
        supervisor.username
    )
    page.goto(f"/tickets/{ticket.number}/")

    # When the supervisor sends first (Ctrl+Enter) and the agent then sends from the old page
    page.get_by_label("回答", exact=True).fill("私からの回答です。")
    second_page.get_by_label("回答", exact=True).press("Control+Enter")
    second_page.wait_for_selector(".message-success")
    page.clock.fast_forward(4_000)
    expect(page.locator("#presence .presence-changed")).to_be_visible()
    page.get_by_role("button", name="回答を送信").click()

    # Then the agent's reply is not sent: the page shows what changed, the text is kept
    expect(page.locator("#stale-reply")).to_contain_text("確認します")
    assert page.get_by_label("回答", exact=True).input_value() == "私からの回答です。"
    # live.js (deferred) puts the address right: wait for it
    expect(page).to_have_url(re.compile(re.escape(f"/tickets/{ticket.number}/") + "$"))
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 1
    screenshot(page, "stale-reply")

    # When the agent confirms, it is sent
    page.get_by_role("button", name="確認して送信").click()
    page.wait_for_selector(".message-success")
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 2


def test_a_closed_case_is_found_by_a_word_of_its_messages(page, screenshot, agent, ticket):
    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="エラーコード 0x8004010F が表示されます。",
        author_contact=ticket.requester,
    )
    ticket_close(ticket=ticket, actor=agent)
    log_in(page, agent.username)
    page.get_by_label("検索").fill("障害")
    page.get_by_role("button", name="絞り込む").click()
    row = page.locator(f'table.tickets tr[data-number="{ticket.number}"]')
    expect(row).to_be_visible()
    page.get_by_label("検索").fill("0x8004010F")
    page.get_by_role("button", name="絞り込む").click()
    expect(row.locator(".search-hit mark")).to_have_text("0x8004010F")
    screenshot(page, "search-hit")
    page.goto("/?queue=all")
    expect(row).to_be_visible()


def test_an_agent_merges_a_duplicate_and_links_a_related_ticket(page, agent, ticket, customer_a):
    duplicate = TicketFactory(
        customer=customer_a,
        subscription=ticket.subscription,
        requester=ticket.requester,
        subject="Exchange の障害（重複）",
        channel="web",
    )
    message_add(
        ticket=duplicate,
        kind=Message.Kind.CUSTOMER,
        body="重複側のメッセージです",
        author_contact=duplicate.requester,
    )
    related = TicketFactory(customer=customer_a, subject="関連する別件")
    log_in(page, agent.username)

    # When the agent links a related ticket, it shows on both pages, and can be unlinked
    page.goto(f"/tickets/{ticket.number}/")
    page.locator("#action-link summary").click()
    page.get_by_label("関連チケットの番号").fill(related.number)
    page.get_by_role("button", name="関連付ける").click()
    expect(page.locator("#linked-list")).to_contain_text(related.number)
    page.goto(f"/tickets/{related.number}/")
    expect(page.locator("#linked-list")).to_contain_text(ticket.number)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#linked-list").get_by_role("button", name="解除").click()
    expect(page.locator("#linked-tickets .empty")).to_be_visible()

    # When the agent merges the duplicate into the original, after confirming
    page.goto(f"/tickets/{duplicate.number}/")
    page.locator("#action-merge summary").click()
    page.get_by_label("統合先のチケット番号").fill(ticket.number)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="統合する").click()

    # Then the duplicate is closed and points to the original, whose thread has its message
    expect(page.locator("#merged-into")).to_contain_text(ticket.number)
    expect(page.locator("#ticket-status")).to_have_text("クローズ")
    page.locator("#merged-into a").click()
    expect(page.locator("#thread-heading")).to_be_visible()
    expect(page.get_by_text("重複側のメッセージです")).to_be_visible()
    expect(page.locator("#merged-from-list")).to_contain_text(duplicate.number)

    # And merging into itself is refused with a message on the form
    page.locator("#action-merge summary").click()
    page.get_by_label("統合先のチケット番号").fill(ticket.number)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="統合する").click()
    expect(page.locator("#action-merge")).to_contain_text("自分自身に統合することはできません")


def test_the_queue_updates_without_reloading_and_a_passed_deadline_turns_breached(
    page, agent, ticket, customer_a
):
    import datetime

    from django.utils import timezone

    from tickets.models import Status
    from tickets.services import ticket_transition

    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=now + datetime.timedelta(seconds=90),
        at_risk_at=now - datetime.timedelta(minutes=1),
    )
    log_in(page, agent.username)
    page.clock.install(time=now)
    page.goto("/?queue=open")
    row = page.locator(f'table.tickets tr[data-number="{ticket.number}"]')
    expect(row.locator(".sla-label")).to_have_text("期限間近")
    expect(row.locator(".unread-marker")).to_be_visible()  # never opened by this agent

    # When a new ticket arrives and the first one changes state, the rows follow, unreloaded
    page.evaluate("window.__same_page = true")
    newcomer = TicketFactory(customer=customer_a, subject="新しく届いたお問い合わせ")
    ticket_transition(ticket=ticket, to=Status.WAITING_ON_MICROSOFT, actor=agent)
    page.clock.fast_forward(11_000)
    new_row = page.locator(f'table.tickets tr[data-number="{newcomer.number}"]')
    expect(new_row).to_be_visible()
    expect(new_row).to_have_class(re.compile("row-new"))
    expect(row.locator(".status-cell")).to_have_text("Microsoft 回答待ち")
    expect(page.locator('[data-queue="waiting_on_microsoft"] .queue-count')).to_have_text("1")
    assert page.evaluate("window.__same_page") is True

    # When the deadline passes with the page open, the countdown says 期限超過 on the spot
    page.clock.fast_forward(100_000)
    expect(row.locator(".sla-label")).to_have_text("期限超過")
    expect(row.locator(".sla")).to_have_attribute("data-sla-state", "breached")
    expect(row.locator(".countdown")).to_contain_text("超過")


def test_an_agent_is_notified_of_an_assignment_and_a_reply_and_opening_reads_them(
    page, second_page, agent, supervisor, ticket
):
    # Given the supervisor assigns the ticket to the agent on the ticket page
    log_in(second_page, supervisor.username)
    second_page.goto(f"/tickets/{ticket.number}/")
    second_page.locator("#action-assign summary").click()
    second_page.locator("#action-assign select").select_option(str(agent.pk))
    second_page.get_by_role("button", name="割り当てる").click()
    second_page.wait_for_selector(".message-success")
    # And the customer then writes on it
    message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="まだメールが届きません",
        author_contact=ticket.requester,
    )

    # Then the agent's bell counts two, and the list says what happened
    log_in(page, agent.username)
    expect(page.locator("#notifications-link .badge-count")).to_have_text("2")
    page.locator("#notifications-link").click()
    items = page.locator(".notification.unread")
    expect(items).to_have_count(2)
    expect(page.locator('[data-kind="assigned"]')).to_contain_text(
        f"{ticket.number} があなたの担当になりました"
    )
    expect(page.locator('[data-kind="customer_replied"]')).to_contain_text("まだメールが届きません")

    # When the agent opens one, the ticket opens and its notifications are read
    page.locator('[data-kind="customer_replied"] a.notification-open').click()
    expect(page.locator("h1 .ticket-number")).to_have_text(ticket.number)
    expect(page.locator("#notifications-link .badge-count")).to_have_count(0)
    page.locator("#notifications-link").click()
    expect(page.locator(".notification.unread")).to_have_count(0)


@pytest.mark.parametrize(
    ("path", "wait_ms"),
    [
        ("/?queue=open", 11_000),  # with the queue's rows (LIVE_INTERVAL)
        ("ticket", 5_000),  # with the ticket page's presence report
        ("/notifications/", 11_000),  # a page that polls nothing else: the bell alone
    ],
)
def test_the_bell_counts_new_notifications_without_reloading(page, agent, ticket, path, wait_ms):
    from django.utils import timezone

    from notifications.services import notification_create

    # Given an agent with one unread notification, on a page that stays open
    notification_create(recipient=agent, title="一件目", kind="assigned")
    log_in(page, agent.username)
    page.clock.install(time=timezone.now())
    page.goto(f"/tickets/{ticket.number}/" if path == "ticket" else path)
    badge = page.locator("#notifications-link .badge-count")
    expect(badge).to_have_text("1")
    page.evaluate("window.__same_page = true")
    page.locator("#notifications-link").focus()

    # When two more arrive
    notification_create(recipient=agent, title="二件目", kind="assigned")
    notification_create(recipient=agent, title="三件目", kind="assigned")
    page.clock.fast_forward(wait_ms)

    # Then the bell says 3 on the same page, in the page's language
    expect(badge).to_have_text("3")
    expect(badge).to_have_attribute("aria-label", "未読 3 件")
    assert page.evaluate("window.__same_page") is True
    # and a keyboard user's focus stays on the bell
    assert page.evaluate("document.activeElement.id") == "notifications-link"


def _viewer_names(ticket: Ticket) -> set[str]:
    """Who the server's presence has on the ticket now (the live server shares this process's
    cache)."""
    from django.utils import timezone

    from workspace import presence

    now = timezone.now()
    return {
        v.username for v in presence.viewers(ticket_ids=[ticket.pk], now=now).get(ticket.pk, [])
    }


def test_closing_the_tab_leaves_at_once_not_when_presence_expires(
    page, second_page, agent, supervisor, ticket, settings
):
    # Given two agents on one ticket, presence entries lasting a minute unless left (the
    # first page's clock is Playwright's: its next presence report is a jump of 4 s away, not
    # a wait)
    settings.WORKSPACE_PRESENCE_SECONDS = 60
    log_in(page, agent.username)
    page.clock.install()
    page.goto(f"/tickets/{ticket.number}/")
    log_in(second_page, supervisor.username)
    second_page.goto(f"/tickets/{ticket.number}/")
    other = page.locator(f'#presence [data-user="{supervisor.username}"]')
    page.clock.fast_forward(4_000)
    expect(other).to_contain_text("閲覧中")

    # When the supervisor closes the tab (its leave reaches the server at once, well before
    # the entry's minute is up)
    second_page.close()
    from tests.worker.live import wait_until

    assert wait_until(lambda: supervisor.username not in _viewer_names(ticket), timeout=5)

    # Then the agent sees it go at its next presence report (4 s), not a minute later
    page.clock.fast_forward(4_000)
    expect(other).to_have_count(0, timeout=2_000)


def test_the_keyboard_chooses_a_template_and_enter_inserts_it(page, agent, ticket):
    from replies.models import ReplyTemplate

    # Given two shared templates, the second a request for logs (Art. 3.4)
    ReplyTemplate.objects.all().delete()
    ReplyTemplate.objects.create(
        name="受付のご連絡", language="ja", body="{requester_name} 様 受け付けました。", position=1
    )
    ReplyTemplate.objects.create(
        name="ログのご提供のお願い",
        language="ja",
        body="ログをお送りください（{ticket_number}）。",
        requests_information=True,
        position=2,
    )
    log_in(page, agent.username)
    page.goto(f"/tickets/{ticket.number}/")
    reply = page.get_by_label("回答", exact=True)

    # When the agent goes to the picker (Alt+T) and moves down twice: nothing is inserted yet
    page.keyboard.press("Alt+t")
    expect(page.locator("#reply-template")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(reply).to_have_value("")
    expect(page.locator("#reply-template")).to_be_focused()

    # Then Enter inserts the second, filled in, and ticks お客様回答待ち
    page.keyboard.press("Enter")
    expect(reply).to_have_value(f"ログをお送りください（{ticket.number}）。")
    expect(reply).to_be_focused()
    expect(page.locator("#id_reply-requests_information")).to_be_checked()
