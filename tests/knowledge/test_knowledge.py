"""The knowledge base (Art. 3.6): articles with history, suggested on the ticket page and
inserted into a reply, a resolved ticket as a draft, shareable articles for resellers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from knowledge import selectors, services
from knowledge.models import Article, ArticleStatus, Visibility
from knowledge.search import search_terms
from knowledge.services import LinkInput
from tests.api.conftest import token_client
from tests.factories import TicketFactory
from tickets import services as ticket_services
from tickets.models import Category


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("メールが送信できない", ["メール", "送信"]),
        (
            "Outlook on the web でフォルダーが表示されない",
            ["outlook", "on", "web", "フォルダー", "表示"],
        ),
        ("多要素認証 (MFA) を設定したい", ["多要素認証", "mfa", "設定"]),
        ("", []),
    ],
)
def test_search_terms_split_japanese_without_a_dictionary(text, terms):
    assert search_terms(text) == terms


@pytest.fixture
def shareable(db):
    return services.article_create(
        title="メールが送信できないときの確認手順",
        body="Exchange Online の送信コネクタと SPF レコードを確認します。" * 20,
        product_families=["microsoft_365"],
        categories=[Category.STANDARD_FEATURE],
        visibility=Visibility.SHAREABLE,
        status=ArticleStatus.PUBLISHED,
        links=[
            LinkInput(
                title="Troubleshoot mail delivery",
                url="https://learn.microsoft.com/en-us/exchange/mail-flow",
                language="en",
            )
        ],
    )


@pytest.fixture
def internal(db):
    return services.article_create(
        title="メール送信障害の社内エスカレーション手順",
        body="社内向け: 送信障害は二次サポートへ。",
        visibility=Visibility.INTERNAL,
        status=ArticleStatus.PUBLISHED,
    )


@pytest.fixture
def ticket(customer_a, subscription_a, admin_contact_a):
    return TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        subject="メールが送信できない",
        channel="phone",
    )


@pytest.mark.django_db
def test_suggestions_from_subject_and_description(ticket, shareable, internal):
    suggested = selectors.articles_suggested(ticket=ticket)
    assert suggested[0] == shareable  # same product family and category first
    assert internal in suggested
    draft = services.article_create(title="メール送信の下書き", body="…")
    assert draft not in selectors.articles_suggested(ticket=ticket)


@pytest.mark.django_db
def test_two_character_japanese_terms_find_articles_in_search_and_suggestions(
    shareable, internal, customer_a, subscription_a, admin_contact_a
):
    """障害 is one bigram: the search box and the ticket page's suggestions find it."""
    outage = services.article_create(
        title="Teams 会議に参加できない", body="サービス障害の可能性: 正常性ダッシュボードを確認。"
    )
    outage.status = ArticleStatus.PUBLISHED
    outage.save()
    # Stored as the product's bigram document, and kept current by any save.
    assert "'障害'" in Article.objects.get(pk=outage.pk).body_terms
    found = selectors.articles_search(query="障害")
    assert found == [internal, outage]  # in the title (3) before the body only (1)
    assert selectors.articles_search(query="会議") == [outage]
    assert selectors.articles_search(query="teams") == [outage]
    assert selectors.articles_search(query="停電") == []
    ticket = TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        subject="障害",
        description="",
    )
    assert set(selectors.articles_suggested(ticket=ticket)) == {internal, outage}
    outage.body = "正常性ダッシュボードを確認。"
    outage.save()
    assert selectors.articles_search(query="障害") == [internal]


@pytest.mark.django_db
def test_knowledge_search_reads_the_gin_indexed_documents_on_postgresql(internal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the bigram documents are read on PostgreSQL only")
    with CaptureQueriesContext(connection) as queries:
        assert selectors.articles_search(query="障害") == [internal]
    sql = queries.captured_queries[0]["sql"]
    assert "@@" in sql and '"title_terms"' in sql and '"body_terms"' in sql
    assert "LIKE" not in sql.upper()


@pytest.mark.django_db
def test_insert_text_names_each_links_language(shareable):
    link = selectors.article_insert_text(article=shareable, mode="link")
    assert link.startswith("■ メールが送信できないときの確認手順")
    assert "[英語] https://learn.microsoft.com/en-us/exchange/mail-flow" in link
    excerpt = selectors.article_insert_text(article=shareable, mode="excerpt")
    assert "送信コネクタ" in excerpt and excerpt.count("…") == 1


@pytest.mark.django_db
def test_ticket_page_suggests_and_offers_insertion_for_shareable_only(
    ticket, shareable, internal, agent
):
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[ticket.number]))
    content = page.content.decode()
    assert 'id="kb-suggestions"' in content
    assert f'data-article="{shareable.pk}"' in content
    assert content.count('class="kb-insert"') == 2  # the internal article has none
    assert "knowledge/insert.js" in content
    page_url = reverse("workspace:ticket", args=[ticket.number])
    searched = client.get(page_url, {"kb_q": "エスカレーション"})
    assert 'id="kb-results"' in searched.content.decode()


@pytest.mark.django_db
def test_desk_writes_articles_with_history(agent):
    client = Client()
    client.force_login(agent)
    created = client.post(
        reverse("knowledge:create"),
        {
            "title": "MFA の設定",
            "body": "管理センターで設定します。",
            "product_families": ["microsoft_365"],
            "categories": ["standard_feature"],
            "visibility": "shareable",
            "status": "published",
            "review_on": "2027-05-01",
            "links": "en | Set up MFA | https://learn.microsoft.com/mfa",
        },
    )
    assert created.status_code == 302
    article = Article.objects.get()
    assert article.links.get().language == "en"
    client.post(
        reverse("knowledge:edit", args=[article.pk]),
        {
            "title": "MFA の設定（改訂）",
            "body": "改訂",
            "visibility": "internal",
            "status": "published",
        },
    )
    article.refresh_from_db()
    assert article.title == "MFA の設定（改訂）"
    assert not article.links.exists()
    assert [row.history_user for row in article.history.all()] == [agent, agent]
    detail = client.get(reverse("knowledge:detail", args=[article.pk])).content.decode()
    assert detail.count("<li><time>") == 2


@pytest.mark.django_db
def test_bad_link_line_is_a_form_error(agent):
    client = Client()
    client.force_login(agent)
    response = client.post(
        reverse("knowledge:create"),
        {"title": "x", "body": "y", "visibility": "internal", "status": "draft", "links": "fr | x"},
    )
    assert response.status_code == 200
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_subcontractor_reads_but_does_not_write(shareable, distributor):
    from accounts.models import Organisation, Profile
    from tests.factories import OrganisationFactory, UserFactory

    user = UserFactory(username="sub", roles=["subcontractor_agent"])
    Profile.objects.create(
        user=user,
        organisation=OrganisationFactory(name="再委託", kind=Organisation.Kind.SUBCONTRACTOR),
    )
    client = Client()
    client.force_login(user)
    assert client.get(reverse("knowledge:detail", args=[shareable.pk])).status_code == 200
    assert client.post(reverse("knowledge:create"), {"title": "x"}).status_code == 403
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_resolved_ticket_becomes_an_internal_draft(ticket, agent):
    ticket_services.message_add(
        ticket=ticket,
        kind="reply",
        body="送信コネクタを修正しました。",
        author_user=agent,
        actor=agent,
    )
    ticket_services.message_add(
        ticket=ticket, kind="internal_note", body="社内メモ: 秘密", author_user=agent, actor=agent
    )
    client = Client()
    client.force_login(agent)
    url = reverse("knowledge:from_ticket", args=[ticket.number])
    assert client.post(url).status_code == 403  # not resolved yet
    ticket_services.ticket_resolve(ticket=ticket, actor=agent)
    assert client.post(url).status_code == 302
    draft = Article.objects.get()
    assert (draft.status, draft.visibility, draft.source_ticket) == ("draft", "internal", ticket)
    assert "送信コネクタを修正しました。" in draft.body
    assert "秘密" not in draft.body
    assert ticket.requester.name not in draft.body


@pytest.mark.django_db
def test_api_lists_and_reads_shareable_articles_only(reseller_a_user, shareable, internal):
    client = token_client(reseller_a_user)
    listed = client.get("/api/v1/knowledge/articles/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [shareable.pk]
    assert listed.json()["results"][0]["links"][0]["language"] == "en"
    assert client.get(f"/api/v1/knowledge/articles/{shareable.pk}/").status_code == 200
    hidden = client.get(f"/api/v1/knowledge/articles/{internal.pk}/")
    assert hidden.status_code == 404
    assert set(hidden.json()) >= {"code", "message", "message_ja", "message_en", "fields"}
    searched = client.get("/api/v1/knowledge/articles/", {"q": "送信"})
    assert [row["id"] for row in searched.json()["results"]] == [shareable.pk]
    assert client.post("/api/v1/knowledge/articles/", {}).status_code == 405


@pytest.mark.django_db
def test_api_needs_credentials_and_is_in_the_schema(shareable, reseller_a_user):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/knowledge/articles/").status_code in (401, 403)
    schema = token_client(reseller_a_user).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/knowledge/articles/" in schema["paths"]
    assert "/api/v1/knowledge/articles/{id}/" in schema["paths"]
