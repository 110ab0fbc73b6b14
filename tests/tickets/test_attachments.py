"""Attachments judged by their content (tickets/attachments.py) on every channel, limited per
file and per message, and served only through the views that authorize, never inline unless
a safe image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client

from helpdesk.exceptions import DomainError
from tests import files
from tests.api.conftest import token_client
from tests.factories import TicketFactory
from tickets.attachments import judge, judge_all
from tickets.models import Attachment, Message
from tickets.services import AttachmentUpload, message_add

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "claimed", "stored"),
    [
        (files.png(), "image/png", "image/png"),
        (files.GIF, "application/octet-stream", "image/gif"),
        # the content decides, not the claim
        (files.PDF, "image/png", "application/pdf"),
        (files.TEXT, "application/octet-stream", "text/plain"),
        (files.zip_of(log="x"), "application/octet-stream", "application/zip"),
        # a claim more precise than the bytes can show, of the same family, is kept
        (files.CSV, "text/csv", "text/csv"),
        (files.docx(), DOCX, DOCX),
    ],
    ids=["png", "gif", "pdf-as-png", "text", "zip", "csv", "docx"],
)
def test_accepted_files_are_stored_with_the_type_of_their_content(content, claimed, stored):
    verdict = judge(filename="f", claimed=claimed, head=content, size=len(content))

    assert (verdict.content_type, verdict.problem) == (stored, None)


@pytest.mark.parametrize(
    ("content", "claimed"),
    [
        (files.HTML, "text/plain"),
        (files.HTML, "image/png"),
        (files.HTML, "application/octet-stream"),
        (files.SVG, "image/png"),
        (files.EXE, "application/pdf"),
        (files.UNKNOWN, "application/octet-stream"),
        # a refinement never turns HTML into a CSV or a zip into a page
        (files.HTML, "text/csv"),
    ],
    ids=["html-as-text", "html-as-png", "html-as-unknown", "svg", "exe", "unknown", "html-as-csv"],
)
def test_content_of_a_type_not_accepted_is_refused_whatever_the_claim(content, claimed):
    verdict = judge(filename="f", claimed=claimed, head=content, size=len(content))

    assert verdict.problem == "type_not_allowed"


def test_octet_stream_in_the_allowed_list_lets_nothing_through(settings):
    # an operator listing application/octet-stream does not open the door to unknown bytes
    settings.ATTACHMENT_ALLOWED_TYPES = [
        *settings.ATTACHMENT_ALLOWED_TYPES,
        "application/octet-stream",
    ]

    verdict = judge(filename="f", claimed="application/octet-stream", head=files.UNKNOWN, size=2048)

    assert verdict.problem == "type_not_allowed"


def test_the_message_total_is_limited(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 250

    verdicts = judge_all(
        [(f"log{n}.txt", "text/plain", files.TEXT, 100) for n in range(3)]
        + [("big.txt", "text/plain", files.TEXT, 101)]
    )

    assert [v.problem for v in verdicts] == [None, None, "total_too_large", "too_large"]


# --- every channel -------------------------------------------------------------------------------


@pytest.fixture
def ticket(customer_a, subscription_a, admin_contact_a):
    return TicketFactory(
        customer=customer_a, subscription=subscription_a, requester=admin_contact_a
    )


def _upload(name: str, content: bytes, claimed: str) -> AttachmentUpload:
    return AttachmentUpload(
        filename=name, content_type=claimed, content=SimpleUploadedFile(name, content, claimed)
    )


def test_the_service_refuses_naming_each_file_and_saves_nothing(ticket, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 1024

    with pytest.raises(DomainError) as raised:
        message_add(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            body="添付します",
            attachments=[
                _upload("invoice.pdf", files.HTML, "application/pdf"),
                _upload("ok.txt", files.TEXT, "text/plain"),
                _upload("big.txt", b"x" * 2000, "text/plain"),
            ],
        )

    error = raised.value
    assert error.code == "attachment_rejected"
    assert error.fields == {
        "attachments": ["invoice.pdf: type_not_allowed", "big.txt: total_too_large"]
    }
    assert "「invoice.pdf」" in error.message_ja and "text/html" in error.message_ja
    assert '"invoice.pdf"' in error.message_en and '"big.txt"' in error.message_en
    assert Message.objects.filter(ticket=ticket).count() == 0
    assert Attachment.objects.count() == 0


def test_workspace_form_shows_the_refusal_next_to_the_field(ticket, agent):
    client = Client()
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ticket.number}/reply/",
        {
            "reply-body": "画面です",
            "reply-attachments": SimpleUploadedFile("screen.png", files.HTML, "image/png"),
        },
    )

    assert response.status_code == 400
    assert (
        "「screen.png」は受け付けていない種類です（内容: text/html）" in response.content.decode()
    )
    assert Message.objects.filter(ticket=ticket).count() == 0


def test_api_refuses_in_the_one_shape(ticket, reseller_a_user):
    response = token_client(reseller_a_user).post(
        f"/api/v1/tickets/{ticket.number}/messages/",
        {"body": "画面です", "attachments": [SimpleUploadedFile("a.png", files.SVG, "image/png")]},
        format="multipart",
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["fields"]) == (
        "attachment_rejected",
        {"attachments": ["a.png: type_not_allowed"]},
    )
    assert "image/svg+xml" in body["message_en"]
    assert Message.objects.filter(ticket=ticket).count() == 0


def test_api_stores_the_type_of_the_content(ticket, reseller_a_user):
    response = token_client(reseller_a_user).post(
        f"/api/v1/tickets/{ticket.number}/messages/",
        {"body": "PDF です", "attachments": [SimpleUploadedFile("a.png", files.PDF, "image/png")]},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["content_type"] == "application/pdf"


# --- serving --------------------------------------------------------------------------------------


def _stored(ticket, name: str, content: bytes, content_type: str) -> Attachment:
    """An attachment row as an older version may have stored it (type as claimed)."""
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.CUSTOMER, body="x")
    attachment = Attachment(
        message=message, filename=name, content_type=content_type, size=len(content)
    )
    attachment.file.save(name, ContentFile(content), save=True)
    return attachment


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("screen.png", files.png(), "image/png", "inline"),
        ("anim.gif", files.GIF, "image/gif", "inline"),
        ("doc.pdf", files.PDF, "application/pdf", "attachment"),
        ("page.html", files.HTML, "text/html", "attachment"),
        ("logo.svg", files.SVG, "image/svg+xml", "attachment"),
        # stored as an image by its claim, but HTML inside: downloaded, never shown
        ("fake.png", files.HTML, "image/png", "attachment"),
    ],
)
def test_only_safe_images_show_inline(
    ticket, agent, reseller_a_user, name, content, content_type, disposition
):
    attachment = _stored(ticket, name, content, content_type)
    browser = Client()
    browser.force_login(agent)
    for client, url in [
        (browser, f"/tickets/{ticket.number}/attachments/{attachment.pk}/"),
        (
            token_client(reseller_a_user),
            f"/api/v1/tickets/{ticket.number}/attachments/{attachment.pk}/",
        ),
    ]:
        response = client.get(url)

        assert response.status_code == 200
        assert response["Content-Disposition"].split(";")[0] == disposition
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert isinstance(response, FileResponse)
        assert b"".join(response.streaming_content) == content


def test_uploaded_files_have_no_url_even_in_debug(ticket):
    attachment = _stored(ticket, "page.html", files.HTML, "text/html")
    code = (
        "import django, sys; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve(sys.argv[1])\nexcept Resolver404:\n    print('404')\n"
        "else:\n    print('served')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "/" + attachment.file.url.lstrip("/")],
        cwd=ROOT,
        env={
            "DJANGO_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert attachment.file.url.startswith("/media/")
    assert result.stdout.strip().splitlines()[-1] == "404", result.stderr


def test_the_admin_links_to_the_authorized_view_and_takes_no_upload(ticket):
    attachment = _stored(ticket, "doc.pdf", files.PDF, "application/pdf")
    admin = get_user_model().objects.create_superuser("root", "root@example.jp", "pw-123456789")
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/tickets/attachment/{attachment.pk}/change/").content.decode()

    assert f'href="/tickets/{ticket.number}/attachments/{attachment.pk}/"' in page
    assert "/media/" not in page
    assert 'type="file"' not in page
    assert client.get("/admin/tickets/attachment/add/").status_code == 403
