"""A careless or hostile agent's browser: odd paths and file names answer 4xx or work,
never 500, and a refused action changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tickets/CS-2026%00/"),
        ("get", "/tickets/CS-2026%00/attachments/1/"),
        ("post", "/tickets/CS-2026%00/take/"),
        ("post", "/tickets/CS-2026%00/note/"),
    ],
)
def test_a_nul_byte_in_a_ticket_number_is_refused(agent_client, ticket, method, path):
    # PostgreSQL refuses NUL in a string literal: the lookup must not reach it
    before = (Message.objects.count(), ticket.assignee_id)

    response = getattr(agent_client, method)(path, {"note-body": "メモ"})

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert (Message.objects.count(), ticket.assignee_id) == before


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("a" * 300 + ".txt", "a" * 96 + ".txt"),
        ("ログ" * 150 + ".pdf", "ログ" * 32 + "ロ.pdf"),
        ("z" * 300, "z" * 100),
    ],
    ids=["ascii", "japanese", "no-extension"],
)
def test_a_very_long_file_name_is_shortened_and_kept(agent_client, ticket, name, stored):
    # given a file whose name is longer than the column and the file system take
    upload = SimpleUploadedFile(name, b"log line\n", content_type="text/plain")

    # when an agent attaches it to a note
    response = agent_client.post(
        f"/tickets/{ticket.number}/note/", {"note-body": "ログを添付", "note-attachments": [upload]}
    )

    # then the note is saved with the file, its name shortened (the extension kept)
    assert response.status_code == 302
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.filename == stored
    assert attachment.size == len(b"log line\n")
    download = agent_client.get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"log line\n"
