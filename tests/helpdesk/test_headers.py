"""Every kind of page carries the Content-Security-Policy (this site's own scripts and styles
only) and, carrying personal data, Cache-Control: no-store: workspace pages, the login page,
the admin, API answers (errors included), Swagger UI, file downloads, error pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client

from tests.api.conftest import token_client
from tests.factories import TicketFactory
from tickets.models import Message
from tickets.services import AttachmentUpload, message_add

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().partition(" ") for part in header.split(";") if part.strip()]
    return {name: value for name, _, value in directives}


def assert_hardened(response) -> None:
    if isinstance(response, FileResponse):
        # a file: a policy of its own that allows nothing and sandboxes it
        assert _policy(response) == {"default-src": "'none'", "sandbox": ""}
        assert "no-store" in response["Cache-Control"]
        return
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.fixture
def world(customer_a, subscription_a, admin_contact_a, agent):
    ticket = TicketFactory(
        customer=customer_a, subscription=subscription_a, requester=admin_contact_a
    )
    message = message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body="ログです。",
        author_user=agent,
        attachments=[
            AttachmentUpload(
                filename="log.txt",
                content_type="text/plain",
                content=SimpleUploadedFile("log.txt", b"log line\n"),
            )
        ],
    )
    return ticket, message.attachments.get()


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_workspace_pages(supervisor, world):
    ticket, attachment = world
    client = _logged_in(supervisor)
    for path in [
        "/",
        f"/tickets/{ticket.number}/",
        "/dashboard/",
        "/tickets/new/",
        "/notifications/",
        "/mail/held/",
        f"/tickets/{ticket.number}/attachments/{attachment.pk}/",
        "/no-such-page/",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_hardened(response)


def test_login_page_and_health_probe(client):
    assert_hardened(client.get("/accounts/login/"))
    assert_hardened(client.get("/healthz"))


def test_admin_pages(world):
    admin = get_user_model().objects.create_superuser("root", "root@example.jp", "pw-123456789")
    client = _logged_in(admin)
    for path in ["/admin/", "/admin/tickets/ticket/", "/admin/login/"]:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert_hardened(response)


def test_api_answers(reseller_a_user, world):
    ticket, attachment = world
    client = token_client(reseller_a_user)
    for path in [
        "/api/v1/tickets/",
        f"/api/v1/tickets/{ticket.number}/",
        f"/api/v1/tickets/{ticket.number}/messages/",
        f"/api/v1/tickets/{ticket.number}/attachments/{attachment.pk}/",
        "/api/v1/no-such-thing/",
        "/api/schema/",
        "/api/docs/",
        "/api/docs/?script=",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_hardened(response)
    assert_hardened(Client().get("/api/v1/tickets/"))  # 401 too


def test_swagger_ui_may_show_its_data_icons_only_on_its_page(client):
    assert _policy(client.get("/api/docs/"))["img-src"] == "'self' data:"
    assert _policy(client.get("/accounts/login/"))["img-src"] == "'self'"
