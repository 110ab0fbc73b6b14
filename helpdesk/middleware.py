"""Request hygiene that every view would otherwise repeat."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string answers 400: no field of ours holds one, and
    PostgreSQL refuses it in a query parameter with an error (a 500 in views that filter on
    query values, e.g. the admin's list filters). Form and JSON fields reject NUL themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "invalid_characters",
                        "message": "The request contains a NUL character.",
                        "fields": {},
                    },
                    status=400,
                )
            return HttpResponseBadRequest("NUL characters are not allowed.")
        return self.get_response(request)
