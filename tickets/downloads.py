"""How a stored attachment leaves the site: the one response the workspace and the API both
serve it with, only from their views that check who may see the ticket (no /media/ URL).

- `Content-Disposition: attachment` for everything but the safe images (PNG, JPEG, GIF whose
  bytes say so: `tickets.attachments.shown_inline`), which may show inline;
- the stored type (read from the content at upload), with `X-Content-Type-Options: nosniff`,
  so no browser second-guesses it into HTML;
- a Content-Security-Policy of its own that forbids everything and sandboxes the file: even
  a file opened in a tab can neither run a script nor reach this site as the viewer."""

from __future__ import annotations

from django.http import FileResponse

from tickets.attachments import SNIFF_BYTES, shown_inline
from tickets.models import Attachment

FILE_POLICY = "default-src 'none'; sandbox"


def attachment_response(attachment: Attachment) -> FileResponse:
    handle = attachment.file.open("rb")
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    inline = shown_inline(content_type=attachment.content_type, head=head)
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response
