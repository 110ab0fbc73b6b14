"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

No browser download: the tests use /usr/bin/chromium and skip, saying why, when it is absent.
Playwright's sync API runs an event loop in this thread, so Django's ORM calls beside it need
DJANGO_ALLOW_ASYNC_UNSAFE (the test process only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from tests.workspace.conftest import NOW

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    """The tests place tickets relative to now, and the dashboard's 本日 and this month
    depend on the time of day: run at a fixed weekday morning (JST), the clock ticking on
    from there (the live server and the browser wait on real time)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport={"width": 1440, "height": 1000}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-artifacts/ (git-ignored)."""

    def save(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    # The login page's own URL matches "**/" too: wait for the signed-in page instead.
    page.locator("form.logout-form").wait_for()
    page.wait_for_load_state()  # and its stylesheet and scripts


# The subcontractor personas of the workspace tests.
from tests.workspace.conftest import subcontractor_agent, subcontractor_org  # noqa: E402, F401
