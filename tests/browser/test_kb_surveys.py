"""Surveys and the knowledge base in a real browser: a survey goes out on resolution, is
answered on its public page (English switch included) and shows in the reports; an article is
suggested on a ticket and inserted into a reply. No CSP violation on any of these pages."""

from __future__ import annotations

import re

import pytest

from knowledge import services as knowledge_services
from knowledge.models import ArticleStatus, Visibility
from knowledge.services import LinkInput
from notifications.models import OutboxMessage
from surveys.models import Survey
from tests.browser.conftest import log_in
from tests.factories import ContactFactory, SubscriptionFactory, TicketFactory
from tickets import services as ticket_services
from tickets.models import Channel, Message

pytestmark = pytest.mark.django_db(transaction=True)
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture
def violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


@pytest.fixture
def ticket(customer_a):
    return TicketFactory(
        customer=customer_a,
        subscription=SubscriptionFactory(customer=customer_a),
        requester=ContactFactory(customer=customer_a),
        severity="high",
        subject="メールが送信できない",
        channel=Channel.PHONE,
    )


def test_survey_answered_in_a_browser_shows_in_the_reports(
    page, violations, ticket, agent, supervisor, screenshot
):
    ticket_services.message_add(
        ticket=ticket, kind="reply", body="解決しました。", author_user=agent, actor=agent
    )
    ticket_services.ticket_resolve(ticket=ticket, actor=agent)
    mail = OutboxMessage.objects.get(dedup_key__startswith="mail:survey:")
    found = re.search(r"https?://[^/\s]+(/surveys/\S+/)\s", mail.payload["text"])
    assert found, mail.payload["text"]
    path = found.group(1)

    page.goto(path)  # no login
    expect(page.locator("#survey-purpose")).to_contain_text("14.2.2")
    page.locator("#language-select").select_option("en")
    page.locator("#language-submit").click()
    expect(page.locator("#survey-purpose")).to_contain_text("Art. 14.2.2")
    page.get_by_label("4 — satisfied").check()
    page.get_by_label("Comments (optional)").fill("Quick and clear, thank you.")
    page.locator("#survey-submit").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    screenshot(page, "survey-answered")
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment) == (4, "Quick and clear, thank you.")

    page.locator("#language-select").select_option("ja")
    page.locator("#language-submit").click()
    log_in(page, supervisor.username)
    page.goto("/reports/?period=month&month=2026-11")
    headers = page.locator("#report-table thead th").all_inner_texts()
    total = page.locator("#report-table tbody tr").last.locator("td").all_inner_texts()
    row = dict(zip(headers, total, strict=True))
    assert row["アンケート回答"] == "1"
    assert row["満足度 平均 (1〜5)"] == "4.0"
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator("#survey-rating")).to_have_text("4 / 5")
    assert violations == []


def test_article_suggested_on_the_ticket_is_inserted_into_the_reply(
    page, violations, ticket, agent, screenshot
):
    knowledge_services.article_create(
        title="メールが送信できないときの確認手順",
        body="Exchange Online の送信コネクタと SPF レコードを確認します。",
        visibility=Visibility.SHAREABLE,
        status=ArticleStatus.PUBLISHED,
        links=[
            LinkInput(
                title="Mail flow troubleshooting",
                url="https://learn.microsoft.com/exchange/mail-flow",
                language="en",
            )
        ],
    )
    log_in(page, agent.username)
    page.goto(f"/tickets/{ticket.number}/")
    suggestion = page.locator("#kb-suggestions .kb-entry").first
    expect(suggestion).to_contain_text("メールが送信できないときの確認手順")
    suggestion.get_by_role("button", name="抜粋を挿入").click()
    body = page.locator("#id_reply-body")
    expect(body).to_have_value(re.compile("送信コネクタ"))
    expect(body).to_have_value(
        re.compile(r"\[英語\] https://learn.microsoft.com/exchange/mail-flow")
    )
    screenshot(page, "knowledge-inserted")
    page.get_by_role("button", name="回答を送信").click()
    page.wait_for_selector(".message-success")
    reply = Message.objects.get(ticket=ticket, kind=Message.Kind.REPLY)
    assert "メールが送信できないときの確認手順" in reply.body
    assert violations == []


def test_resolving_reply_carries_the_survey_link_the_customer_answers(
    page, violations, ticket, agent, screenshot
):
    log_in(page, agent.username)
    page.goto(f"/tickets/{ticket.number}/")
    page.locator("#id_reply-body").fill("設定を修正しました。")
    page.get_by_label("この回答で解決済みにする").check()
    page.get_by_role("button", name="回答を送信").click()
    page.wait_for_selector(".message-success")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    reply = Message.objects.get(ticket=ticket, kind=Message.Kind.REPLY)
    found = re.search(r"https?://[^/\s]+(/surveys/\S+/)(?=\s|$)", reply.body)
    assert found, reply.body
    # One survey, one mail: the reply and the mail open the same one.
    survey = Survey.objects.get(ticket=ticket)
    assert OutboxMessage.objects.filter(dedup_key__startswith="mail:survey:").count() == 1
    expect(page.locator(f'.message a[href$="{found.group(1)}"]')).to_have_count(1)
    screenshot(page, "resolving-reply-survey-link")

    page.context.clear_cookies()
    page.goto(found.group(1))  # the customer, from the reply, without login
    expect(page.locator("#survey-purpose")).to_contain_text("14.2.2")
    page.locator("#survey-submit").wait_for()
    page.locator('input[name="rating"][value="5"]').check()
    page.locator("#survey-submit").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    survey.refresh_from_db()
    assert survey.rating == 5
    assert violations == []
