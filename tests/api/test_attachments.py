"""Attachments through the API: what the reseller uploads and what the desk sends back can be
downloaded by the ticket's own reseller, from the thread's `url`; internal notes' files and
other tickets' files answer 404."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import files
from tests.factories import TicketFactory
from tickets.models import Message
from tickets.services import AttachmentUpload, message_add

pytestmark = pytest.mark.django_db

NAME = "メッセージトレース.csv"
CONTENT = "日時,送信者\n2026-06-10,taro@example.jp\n".encode()


def _attach(ticket, *, kind: str, agent=None, contact=None, name: str = NAME) -> Message:
    return message_add(
        ticket=ticket,
        kind=kind,
        body="ファイルを添付します。",
        author_user=agent,
        author_contact=contact,
        attachments=[
            AttachmentUpload(
                filename=name,
                content_type="text/csv",
                content=SimpleUploadedFile(name, CONTENT),
            )
        ],
    )


def _download(client, url: str, **headers):
    response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_the_desks_reply_file_is_downloaded_from_the_threads_url(client_a, world_a, agent):
    # Given the desk replies with a file
    _attach(world_a.ticket, kind=Message.Kind.REPLY, agent=agent)

    # When the reseller reads the thread and follows the file's url
    thread = client_a.get(f"/api/v1/tickets/{world_a.ticket.number}/messages/").json()
    (attachment,) = thread["results"][0]["attachments"]
    assert attachment["url"].startswith("http://testserver/api/v1/tickets/")
    response, body = _download(client_a, attachment["url"])

    # Then it gets the file as sent, under its Japanese name
    assert response.status_code == 200
    assert body == CONTENT
    assert response["Content-Type"] == "text/csv"
    assert f"filename*=utf-8''{quote(NAME)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (attachment["filename"], attachment["size"]) == (NAME, len(CONTENT))


def test_a_file_the_reseller_posted_comes_back_with_its_url(client_a, world_a):
    url = f"/api/v1/tickets/{world_a.ticket.number}/messages/"
    upload = SimpleUploadedFile("screen.png", files.png(), content_type="image/png")

    created = client_a.post(url, {"body": "画面を添付します。", "attachments": [upload]})

    assert created.status_code == 201, created.content
    (attachment,) = created.json()["attachments"]
    response, body = _download(client_a, attachment["url"])
    assert (response.status_code, body) == (200, files.png())


def test_an_accept_header_the_file_suits_is_not_refused(client_a, world_a, agent):
    message = _attach(world_a.ticket, kind=Message.Kind.REPLY, agent=agent)
    url = f"/api/v1/tickets/{world_a.ticket.number}/attachments/{message.attachments.get().pk}/"

    response, body = _download(client_a, url, HTTP_ACCEPT="text/csv")

    assert (response.status_code, body) == (200, CONTENT)
    missing = client_a.get(url.replace(f"/{message.attachments.get().pk}/", "/999999/"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_an_internal_notes_file_never_leaves_the_desk(client_a, agent_client, world_a, agent):
    note = _attach(world_a.ticket, kind=Message.Kind.INTERNAL_NOTE, agent=agent)
    url = f"/api/v1/tickets/{world_a.ticket.number}/attachments/{note.attachments.get().pk}/"

    for client in (client_a, agent_client):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_file_is_reached_only_through_its_own_ticket(client_a, client_b, world_a, world_b):
    message = _attach(world_a.ticket, kind=Message.Kind.CUSTOMER, contact=world_a.contact)
    attachment_id = message.attachments.get().pk
    other_ticket_of_a = TicketFactory(
        customer=world_a.customer, subscription=world_a.subscription, requester=world_a.contact
    )

    # Another ticket of the same reseller, or the other reseller's own ticket: 404
    for client, number in (
        (client_a, other_ticket_of_a.number),
        (client_b, world_b.ticket.number),
        (client_b, world_a.ticket.number),
    ):
        response = client.get(f"/api/v1/tickets/{number}/attachments/{attachment_id}/")
        assert response.status_code == 404, (number, response.content)
