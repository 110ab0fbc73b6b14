"""Denied and missing pages: translated, styled, with a way back; the menu shows only what the
role may use."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user, language: str = "ja") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _nav(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


def test_the_agent_sees_no_dashboard_link_and_a_styled_403_on_it(agent):
    client = _client(agent)
    assert "/dashboard/" not in _nav(client.get("/").content.decode())
    response = client.get("/dashboard/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "このページを表示する権限がありません" in html
    assert 'id="way-back"' in html and 'href="/"' in html
    assert "/static/workspace/app.css" in html


def test_the_subcontractor_sees_no_intake_link_and_a_styled_403_in_english(subcontractor_agent):
    client = _client(subcontractor_agent, "en")
    nav = _nav(client.get("/").content.decode())
    assert "/tickets/new/" not in nav
    assert "/" in nav
    response = client.get("/tickets/new/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "You do not have permission to view this page" in html
    assert "Back to the queue" in html
    assert "403 Forbidden" not in html


def test_the_supervisor_sees_every_link_it_may_use(supervisor):
    nav = _nav(_client(supervisor).get("/").content.decode())
    for url in ("/", "/tickets/new/", "/dashboard/", "/incidents/", "/knowledge/", "/reports/"):
        assert url in nav


def test_a_user_without_a_desk_role_sees_no_workspace_links():
    user = UserFactory(username="nobody", roles=[])
    client = _client(user)
    response = client.get("/")
    assert response.status_code == 403
    html = response.content.decode()
    assert all(link.startswith("/notifications/") for link in _nav(html))
    assert 'id="way-back"' in html


def test_a_missing_page_is_a_styled_404(agent):
    response = _client(agent).get("/tickets/CS-2026-999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html
    assert 'id="way-back"' in html
    response = Client().get("/no-such-page/here/")
    assert response.status_code == 404
    assert 'href="/accounts/login/"' in response.content.decode()


def test_a_denied_page_logs_one_line_without_a_traceback(agent, caplog):
    # When the agent opens the supervisors' dashboard (PermissionDenied → 403)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = _client(agent).get("/dashboard/")
    assert response.status_code == 403
    # Then the request logger says so in one line, with no exception attached
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /dashboard/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
