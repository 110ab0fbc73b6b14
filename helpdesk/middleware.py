"""Request hygiene that every view would otherwise repeat."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers

from helpdesk.api import error_response, request_too_large_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string answers 400: no field of ours holds one, and
    PostgreSQL refuses it in a query parameter with an error (a 500 in views that filter on
    query values, e.g. the admin's list filters). Form and JSON fields reject NUL themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query):
            if _is_api(request):
                return error_response("invalid_characters", 400)
            return HttpResponseBadRequest("NUL characters are not allowed.")
        return self.get_response(request)


def request_body_limit(request: HttpRequest) -> int:
    """The largest body a request may declare: a multipart upload carries the message's files
    (settings.ATTACHMENT_MAX_TOTAL_BYTES) besides its fields; anything else, its fields only
    (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
        return settings.ATTACHMENT_MAX_TOTAL_BYTES + fields
    return fields


class RequestBodyLimitMiddleware:
    """A body declared larger than the limit answers 413 before anything reads it: Django
    streams uploaded files to disk without a total limit of its own, so a huge upload would
    otherwise fill the disk before any form could refuse it. Under /api/ the answer has the
    one JSON error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = request_body_limit(request)
        if declared > limit:
            if _is_api(request):
                return error_response(
                    "request_too_large", 413, fields=request_too_large_body(limit=limit)["fields"]
                )
            return HttpResponse(
                "リクエストが大きすぎます。 / The request is too large.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """Cache-Control: no-store (and private, max-age=0) on every response Django renders:
    workspace pages, API answers, the admin and attachment downloads carry personal data
    (Art. 14), which no browser cache or shared proxy may keep. Static files, served by
    whitenoise before this middleware, keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
