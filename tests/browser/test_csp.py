"""The Content-Security-Policy in a real browser: the main pages, the admin and Swagger UI
report no violation, and the workspace's own scripts (the live countdowns) still run."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.browser.conftest import PASSWORD, log_in
from tests.factories import ContactFactory, SubscriptionFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture
def violations(page) -> list[str]:
    """Every CSP violation the page reports: the console's "Refused to …" lines and the
    securitypolicyviolation events (listened to before any script of the page runs)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.expose_function("reportViolation", lambda text: seen.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " window.reportViolation(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    return seen


@pytest.fixture
def ticket(customer_a):
    return TicketFactory(
        customer=customer_a,
        subscription=SubscriptionFactory(customer=customer_a),
        requester=ContactFactory(customer=customer_a),
        severity="critical",
        submitted_at=timezone.now() - datetime.timedelta(minutes=10),
    )


def _visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


# Slow by nature (about 6 s): six pages in a real browser, each waited on until the network
# is idle, so that a violation reported late is still seen.
def test_workspace_pages_report_no_violation_and_countdowns_run(
    page, violations, supervisor, ticket
):
    log_in(page, supervisor.username)
    for path in [
        "/",
        f"/tickets/{ticket.number}/",
        "/dashboard/",
        "/tickets/new/",
        "/notifications/",
        "/mail/held/",
    ]:
        _visit(page, path)

    # the countdown of the ticket page is written by static/workspace/app.js, live (the
    # browser keeps real time, so the frozen deadline may read as passed)
    page.goto(f"/tickets/{ticket.number}/")
    countdown = page.locator(".countdown[data-due]").first
    expect(countdown).to_have_text(re.compile(r"^(残り|超過) \d+:\d\d:\d\d$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=3000)
    assert violations == []


def test_login_page_reports_no_violation(page, violations):
    _visit(page, "/accounts/login/")

    assert violations == []


def test_admin_pages_report_no_violation(page, violations, ticket):
    get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        "/admin/tickets/attachment/",
        "/admin/contracts/customer/add/",
    ]:
        _visit(page, path)

    assert violations == []


def test_swagger_ui_works_and_reports_no_violation(page, violations, agent):
    log_in(page, agent.username)
    _visit(page, "/api/docs/")

    # the operations of the schema are listed: Swagger UI's scripts ran
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert violations == []
