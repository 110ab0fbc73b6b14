"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

No browser download: the tests use /usr/bin/chromium and skip, saying why, when it is absent.
Playwright's sync API runs an event loop in this thread, so Django's ORM calls beside it need
DJANGO_ALLOW_ASYNC_UNSAFE (the test process only)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """What a page does in the browser is the same on either database: the browser tests are
    backend-neutral (CI runs them once, on PostgreSQL; see pyproject's markers)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.backend_neutral)


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


class InFlight:
    """Counts the requests the live server is still serving.

    A page polls (presence, the live queue), so a request can still be running in the server's
    thread when the test ends; the database flush after the test then takes its tables while
    that request holds rows of them, and PostgreSQL reports a deadlock (seen in CI). The page
    fixture therefore closes the browser and waits here until the server is quiet."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.changed:
            self.count += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(result, self._done)

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_quiet(self, quiet: float = 0.05, timeout: float = 15.0) -> None:
        """Return once no request has been running for `quiet` seconds (a request the browser
        sent just before it closed may reach the server a moment later)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while time.monotonic() < deadline:
                if self.count == 0 and not self.changed.wait(quiet):
                    if self.count == 0:
                        return
                elif self.count:
                    self.changed.wait(deadline - time.monotonic())
        raise AssertionError(f"the live server still serves {self.count} request(s)")


class _Closing:
    """The response's body, reporting when the server has closed it (Django's request_finished,
    which closes the thread's database connection, runs in that close)."""

    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self.result = result
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


@pytest.fixture(scope="session")
def in_flight(live_server) -> InFlight:
    httpd = live_server.thread.httpd
    counter = InFlight(httpd.get_app())
    httpd.set_app(counter)
    return counter


def browser_page(browser, live_server, in_flight: InFlight) -> Iterator:
    """A page in its own browser context (its own cookies: one signed-in user), closed at the
    end of the test once the server has finished what it sent."""
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport={"width": 1440, "height": 1000}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    in_flight.wait_quiet()


@pytest.fixture
def page(browser, live_server, in_flight: InFlight) -> Iterator:
    yield from browser_page(browser, live_server, in_flight)


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
