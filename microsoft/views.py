"""The Partner Center webhook endpoint: verify, record, enqueue; answer at once."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpdesk.api import error_body
from microsoft.events import EventMalformed, event_receive
from microsoft.signature import SignatureRejected, event_signature_verify

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 64 * 1024


@csrf_exempt  # Microsoft signs the event; there is no session to protect.
@require_POST
def partner_center_events(request: HttpRequest) -> JsonResponse:
    if int(request.headers.get("Content-Length") or 0) > MAX_EVENT_BYTES:
        return JsonResponse(
            error_body(
                "too_large",
                message_ja="イベントが大きすぎます。",
                message_en="The event is too large.",
                fields={"body": ["too_large"]},
            ),
            status=413,
        )
    body = request.body
    try:
        event_signature_verify(body=body, headers=request.headers)
    except SignatureRejected as rejected:
        logger.warning("Partner Center event refused: %s", rejected.reason)
        return JsonResponse(
            error_body(
                "webhook_signature_invalid",
                message_ja="イベントの署名を検証できません。",
                message_en="The event's signature could not be verified.",
                fields={"authorization": [rejected.reason]},
            ),
            status=401,
        )
    try:
        payload = json.loads(body)
        event = event_receive(payload=payload)
    except (ValueError, EventMalformed) as error:
        field = str(error) if isinstance(error, EventMalformed) else "body"
        return JsonResponse(error_body("malformed_json", fields={field: ["invalid"]}), status=400)
    return JsonResponse({"received": True, "duplicate": event is None})
