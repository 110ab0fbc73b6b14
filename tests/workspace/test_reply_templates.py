"""Reply templates (定型文): filled in for the ticket, shared or personal, edited with history."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from replies.models import ReplyTemplate
from replies.selectors import templates_rendered
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_defaults_are_seeded_in_japanese_and_english(db):
    shared = ReplyTemplate.objects.filter(owner__isnull=True)
    assert shared.filter(language="ja").count() == 5
    assert shared.filter(language="en").count() == 5
    assert shared.get(name="ログのご提供のお願い（第3条3.4）").requests_information


def test_placeholders_are_filled_for_the_ticket(agent, ticket):
    rendered = {
        t.name: t
        for t in templates_rendered(user=agent, ticket=ticket, out_of_scope=["Windows / OS"])
    }
    acknowledgement = rendered["受付のご連絡"].body
    assert acknowledgement.startswith(f"{ticket.requester.name} 様")
    assert ticket.number in acknowledgement
    assert agent.username in acknowledgement
    assert "{" not in acknowledgement
    assert "Windows / OS" in rendered["サポート範囲外のためのお断り（第3条3.5）"].body
    assert rendered["Acknowledgement"].body.startswith(f"Dear {ticket.requester.name},")


@pytest.mark.parametrize("interface", ["ja", "en"])
def test_the_out_of_scope_items_are_in_the_template_s_language(agent, ticket, interface):
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    # Whatever the agent's interface language, each template names the scope in its own
    item = gettext_lazy("プロダクトキーの取得")
    with translation.override(interface):
        rendered = {
            t.name: t.body
            for t in templates_rendered(user=agent, ticket=ticket, out_of_scope=[item])
        }
    assert "プロダクトキーの取得" in rendered["サポート範囲外のためのお断り（第3条3.5）"]
    english = next(body for name, body in rendered.items() if "(Art. 3.5)" in name)
    assert "プロダクトキー" not in english


def test_an_unknown_placeholder_stays_as_written(agent, ticket):
    ReplyTemplate.objects.create(name="typo", body="{requester_nam} 様 {", owner=agent)
    rendered = {t.name: t for t in templates_rendered(user=agent, ticket=ticket, out_of_scope=[])}
    assert rendered["typo"].body == "{requester_nam} 様 {"


def test_personal_templates_are_their_owner_s_only(agent, supervisor, ticket):
    ReplyTemplate.objects.create(name="私の挨拶", body="こんにちは", owner=supervisor)
    names = {t.name for t in templates_rendered(user=agent, ticket=ticket, out_of_scope=[])}
    assert "私の挨拶" not in names
    html = _client(agent).get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert 'id="reply-template"' in html
    assert "受付のご連絡" in html


def test_supervisors_edit_shared_templates_with_history_agents_only_their_own(agent, supervisor):
    template = ReplyTemplate.objects.get(name="受付のご連絡")
    url = reverse("replies:edit", args=[template.pk])
    assert _client(agent).get(url).status_code == 403
    response = _client(supervisor).post(
        url,
        {
            "name": template.name,
            "language": "ja",
            "body": "{requester_name} 様\n承りました。",
            "position": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body.endswith("承りました。")
    assert template.history.first().history_user == supervisor
    # An agent adds a personal one; sharing is not theirs to choose
    response = _client(agent).post(
        reverse("replies:new"),
        {"name": "自分用", "language": "ja", "body": "x", "position": 1, "shared": "1"},
    )
    assert response.status_code == 302
    assert ReplyTemplate.objects.get(name="自分用").owner == agent
    outsider = UserFactory(username="nobody")
    assert _client(outsider).get(reverse("replies:list")).status_code == 403


@pytest.mark.parametrize(
    ("subject", "description", "first", "second"),
    [
        ("Exchange のメールが届かない", "昨日から", "ja", "en"),
        ("Mail is not delivered", "Since yesterday, no mail arrives.", "en", "ja"),
    ],
)
def test_the_picker_groups_templates_by_language_the_ticket_s_first(
    agent, ticket, subject, description, first, second
):
    # Given a ticket written in one language, and a personal template of the other language
    ticket.subject, ticket.description = subject, description
    ticket.save()
    ReplyTemplate.objects.create(name="My own", language="en", body="Hi", owner=agent)
    ReplyTemplate.objects.create(name="私の定型文", language="ja", body="こんにちは", owner=agent)
    # Then the templates come in two runs, the ticket's language first
    languages = [t.language for t in templates_rendered(user=agent, ticket=ticket, out_of_scope=[])]
    assert languages == [first] * languages.count(first) + [second] * languages.count(second)
    # And the page shows one group per language, the ticket's first and labelled so
    html = _client(agent).get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    start = html.index('id="reply-template"')
    picker = html[start : html.index("</select>", start)]
    groups = re.findall(r'<optgroup data-language="(\w+)" label="([^"]*)"', picker)
    assert [language for language, _label in groups] == [first, second]
    assert groups[0][1].endswith("（このチケットの言語）")
    # each template in its language's group
    first_group = picker.split("</optgroup>")[0]
    assert ("私の定型文" in first_group) == (first == "ja")
    assert ("My own" in first_group) == (first == "en")
