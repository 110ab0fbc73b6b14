"""The reseller REST API's wiring: the router under /api/v1/, the schema and Swagger UI, and
the project-wide API policy (one error shape, pagination, per-token throttling, who may call).

Every 4xx answers one JSON shape, whatever raised it (a DomainError from a service, DRF's own
validation/authentication/permission/throttling errors, a malformed JSON body, an unknown URL):

    {"code": "...", "message": "...", "message_ja": "...", "message_en": "...",
     "fields": {"<field>": ["<code>", ...]}}

`message` is in the active language (Japanese unless the client asks for English with
Accept-Language); `fields` names what is wrong, with stable codes.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import IsoDateTimeFilter, NumberFilter
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

from accounts import permissions
from helpdesk.exceptions import DomainError
from sla.deadlines import DeadlineError

# --- the one error shape ------------------------------------------------------------------------

# code → (Japanese, English): the messages of the errors DRF raises itself.
_MESSAGES: dict[str, tuple[str, str]] = {
    "invalid": ("入力内容に誤りがあります。", "The request has invalid fields."),
    "malformed_json": (
        "リクエスト本文を解析できません（JSON の形式が正しくありません）。",
        "The request body could not be parsed (malformed JSON).",
    ),
    "not_authenticated": (
        "認証情報がありません。Authorization: Token <key> を指定してください。",
        "Authentication credentials were not provided (Authorization: Token <key>).",
    ),
    "authentication_failed": ("認証に失敗しました。", "Authentication failed."),
    "permission_denied": (
        "この操作を行う権限がありません。",
        "You do not have permission to perform this action.",
    ),
    "not_found": ("見つかりません。", "Not found."),
    "method_not_allowed": (
        "このメソッドは使用できません。",
        "This method is not allowed on this resource.",
    ),
    "not_acceptable": (
        "要求された形式では応答できません。",
        "The requested response format is not available.",
    ),
    "unsupported_media_type": (
        "この Content-Type は受け付けられません。",
        "This Content-Type is not supported.",
    ),
    "throttled": (
        "リクエストが多すぎます。しばらくしてから再試行してください。",
        "Too many requests; retry later.",
    ),
    "csrf_failed": (
        "CSRF トークンがないか正しくありません。ページを再読み込みしてからやり直してください。",
        "The CSRF token is missing or incorrect; reload the page and try again.",
    ),
    "request_too_large": (
        "リクエスト本文が大きすぎます。",
        "The request body is too large.",
    ),
    "too_many_fields": (
        "リクエストの項目またはファイルが多すぎます。",
        "The request has too many fields or files.",
    ),
    "invalid_characters": (
        "リクエストに NUL 文字が含まれています。",
        "The request contains a NUL character.",
    ),
    "error": ("リクエストを処理できませんでした。", "The request could not be processed."),
}


class CsrfFailed(exceptions.PermissionDenied):
    """A browser session's write without a valid CSRF token (403 `csrf_failed`)."""

    default_code = "csrf_failed"


class CsrfSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, its CSRF failure raised as `CsrfFailed` so that the
    client reads a stable code instead of DRF's sentence."""

    def enforce_csrf(self, request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise CsrfFailed(error.detail) from error


# DRF exception class → our stable code (DRF's own `default_code` differs between versions).
_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (CsrfFailed, "csrf_failed"),
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "malformed_json"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def error_body(
    code: str,
    *,
    message_ja: str | None = None,
    message_en: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    default_ja, default_en = _MESSAGES.get(code, _MESSAGES["error"])
    message_ja = message_ja or default_ja
    message_en = message_en or default_en
    return {
        "code": code,
        "message": message_en if _english() else message_ja,
        "message_ja": message_ja,
        "message_en": message_en,
        "fields": fields or {},
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "parent.child" or "items.0": [code, ...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {
                prefix or "non_field_errors": [getattr(i, "code", None) or str(i) for i in detail]
            }
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [getattr(detail, "code", None) or str(detail)]}


def _texts(detail: Any, prefix: str = "") -> list[str]:
    """The human-readable lines of a validation error, each naming its field (in the language
    the request was answered in: DRF translates its messages when it raises them)."""
    if isinstance(detail, dict):
        lines: list[str] = []
        for key, value in detail.items():
            lines += _texts(value, f"{prefix}.{key}" if prefix else str(key))
        return lines
    if isinstance(detail, list):
        lines = []
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list)
            lines += _texts(item, f"{prefix}.{index}" if nested and prefix else prefix)
        return lines
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    """The fields and their messages. DRF's messages exist in the active language only, so
    that language's message lists them, and the other names each field with its stable code:
    `message_en` stays English and `message_ja` Japanese whichever language was asked for."""
    fields = _flatten(exc.detail)
    texts = "; ".join(_texts(exc.detail))[:1000]
    codes = "; ".join(f"{name}: {', '.join(found)}" for name, found in fields.items())[:1000]
    english, japanese = (texts, codes) if _english() else (codes, texts)
    default_ja, default_en = _MESSAGES["invalid"]
    return error_body(
        "invalid",
        message_ja=f"{default_ja}（{japanese}）" if japanese else default_ja,
        message_en=f"{default_en} ({english})" if english else default_en,
        fields=fields,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error as `{"code", "message", "fields"}`.

    Domain errors carry their own status (400/404/409), code and ja/en messages; the rules of
    the terms thus reach the client with the codes the services raise."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(
                exc.code, message_ja=exc.message_ja, message_en=exc.message_en, fields=exc.fields
            ),
            status=exc.status_code,
        )
    if isinstance(exc, DeadlineError):
        # A question outside the business calendar's years: bad input, not a server fault.
        return Response(
            error_body(exc.code, message_en=str(exc), fields={"submitted_at": [exc.code]}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    # Imported here: `rest_framework.views` reads this module's classes while it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        return Response(
            request_too_large_body(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response(error_body("too_many_fields"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
        return response
    code = next((code for cls, code in _CODES if isinstance(exc, cls)), "error")
    response.data = error_body(code)
    # Throttled sets `wait` (seconds, or None), which djangorestframework-stubs do not declare.
    wait: float | None = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response.data["fields"] = {"retry_after": [str(int(wait))]}
    return response


def error_response(code: str, status_code: int, **kwargs: Any) -> JsonResponse:
    """The one shape outside DRF's views (middleware, Django's own failure views)."""
    return JsonResponse(
        error_body(code, **kwargs), status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def request_too_large_body(*, limit: int) -> dict[str, Any]:
    return error_body("request_too_large", fields={"limit_bytes": [str(limit)]})


if TYPE_CHECKING:
    _MixinBase = APIView  # the mixin goes before an APIView in the bases
else:
    _MixinBase = object


class JsonErrorsMixin(_MixinBase):
    """For API views whose answer is not JSON (the schema's YAML, Swagger UI's page): reads
    only, and any error in the one JSON shape rather than in the view's own format."""

    http_method_names: Sequence[str] = ["get", "head"]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """An unknown URL under /api/ answers the JSON 404 to every method, not the site's HTML
    page (and not a CSRF 403 either: nothing there to protect)."""
    return error_response("not_found", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: the JSON 403 under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response("csrf_failed", 403)
    return django_csrf_failure(request, reason=reason)


# --- pagination, throttling, who may call -------------------------------------------------------


class ApiPagination(PageNumberPagination):
    """`?page=N&page_size=M`, M up to 200 (default 50)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class IdFilter(NumberFilter):
    """An id in a query string: a whole number in the database's range (a huge or decimal
    value answers 400 naming the parameter, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested deeper than the decoder recurses (a few kilobytes
    of `[[[[…`) is malformed JSON (400), not a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON nested too deeply") from error


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id in a body: a whole number or its digits (form posts send strings).
    A float (`1.5`, `1e400`) is the wrong type, not silently truncated or an OverflowError."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, float):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def scope_to(self, queryset: QuerySet[Any]) -> None:
        """Accept only references to rows of `queryset` (the caller's own)."""
        # djangorestframework-stubs type `queryset` with Manager, a descriptor, so mypy rejects
        # every assignment to it through an instance; the value is a plain QuerySet.
        self.queryset = queryset  # type: ignore[arg-type]


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 in any offset, handed to the database in UTC: PostgreSQL refuses offsets past
    ±15:59 that Python accepts, and a time at the edge of year 1 or 9999 may not convert."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


class UtcDateTimeFilter(IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per user for session callers), at settings.API_THROTTLE_RATE,
    read at request time so the rate is configurable per environment (`none` switches off)."""

    scope = "token"

    def get_rate(self) -> str | None:
        rate = str(getattr(settings, "API_THROTTLE_RATE", "") or "").strip()
        return None if rate.lower() in ("", "none", "off") else rate

    def get_cache_key(self, request, view) -> str:
        token = getattr(request.auth, "key", None)
        if token:
            # The token itself never lands in the cache: only a digest of it.
            ident = "t" + hashlib.sha256(token.encode()).hexdigest()[:32]
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = "a" + self.get_ident(request)
        return f"throttle_{self.scope}_{ident}"


class IsApiCaller(BasePermission):
    """A reseller API user (acts for its reseller) or a desk user (agents' browser sessions)."""

    message = _MESSAGES["permission_denied"][0]

    def has_permission(self, request, view) -> bool:
        return permissions.may_use_api(request.user)


class CanWriteContacts(BasePermission):
    """Who may change the people of a customer, global-admin flag included (Art. 3.2 decides
    who may ask for support): a reseller for its own customers, and on the desk only users
    allowed to change contacts (supervisors, managers, admins), not every agent nor a
    subcontractor (Art. 12: only what their work needs)."""

    message = _MESSAGES["permission_denied"][0]

    def has_permission(self, request, view) -> bool:
        if request.method not in ("POST", "PUT", "PATCH"):
            return True  # reads, and methods the view refuses itself (405)
        return permissions.may_write_contacts(request.user)


class IsResellerCaller(BasePermission):
    """Only a reseller API user: resources that belong to one reseller (its webhooks)."""

    message = _MESSAGES["permission_denied"][0]

    def has_permission(self, request, view) -> bool:
        return permissions.may_manage_webhooks(request.user)


# --- the schema: document the error answers every operation can give ---------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "example": "requester_not_global_admin"},
        "message": {"type": "string"},
        "message_ja": {"type": "string"},
        "message_en": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"requester": ["requester_not_global_admin"]},
        },
    },
}
_ERROR_STATUSES = {
    "400": "Invalid input: `fields` names each field with a code (the terms' rules too: "
    "requester_not_global_admin, requester_not_verified, subscription_not_active, "
    "product_not_supported, out_of_scope, no_active_contract, reason_required, "
    "contact_email_taken, masked_value, malformed_json, ...).",
    "401": "No or invalid credentials (`Authorization: Token <key>`).",
    "403": "Authenticated but not allowed (`permission_denied`), or a session caller's write "
    "without a valid CSRF token (`csrf_failed`).",
    "404": "Not found, or belongs to another reseller.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "Conflict with the ticket's state (invalid_transition, ticket_closed).",
    "413": "Request body too large (`request_too_large`; `fields.limit_bytes` gives the limit).",
    "415": "Unsupported media type.",
    "429": "Throttled: too many requests for this token.",
}


def schema_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents the one error shape for
    each 4xx it can answer (drf-spectacular lists none by default)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_STATUSES.items():
                response = responses.setdefault(code, {"description": description})
                # A view that declares an error status (for its examples) still answers
                # the one error shape.
                response["description"] = description
                content = response.setdefault("content", {}).setdefault("application/json", {})
                content["schema"] = reference
    return result


# --- the router ---------------------------------------------------------------------------------


def _urlpatterns() -> list:
    # Built on first use, not at import: DRF imports this module (pagination, throttle and
    # handler settings) while `rest_framework.generics` is still loading, so the views must not
    # be imported from the top of this file.
    from csp.decorators import csp_update
    from django.urls import include, path, re_path
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
    from rest_framework.routers import SimpleRouter

    import helpdesk.schema  # noqa: F401  (registers the session scheme's schema extension)
    import tickets.converters  # noqa: F401  (registers <ticket_number:…>)
    from contracts.api import views as contract_views
    from knowledge.api import views as knowledge_views
    from reports.api import views as report_views
    from sla.api import views as sla_views
    from tickets.api import views as ticket_views
    from webhooks.api import views as webhook_views

    class SchemaView(JsonErrorsMixin, SpectacularAPIView):
        pass

    class SwaggerView(JsonErrorsMixin, SpectacularSwaggerSplitView):
        pass

    router = SimpleRouter()
    router.register("customers", contract_views.CustomerViewSet, basename="customer")
    router.register("contacts", contract_views.ContactViewSet, basename="contact")
    router.register("subscriptions", contract_views.SubscriptionViewSet, basename="subscription")
    router.register("tickets", ticket_views.TicketViewSet, basename="ticket")
    router.register("webhooks", webhook_views.WebhookViewSet, basename="webhook")
    router.register(
        "knowledge/articles", knowledge_views.ArticleViewSet, basename="knowledge-article"
    )

    v1 = [
        path("sla/preview/", sla_views.SlaPreviewView.as_view(), name="sla-preview"),
        path("reports/sla/", report_views.SlaReportView.as_view(), name="reports-sla"),
        path(
            "tickets/<ticket_number:number>/messages/",
            ticket_views.TicketMessageListCreateView.as_view(),
            name="ticket-messages",
        ),
        path(
            "tickets/<ticket_number:number>/attachments/<int:attachment_id>/",
            ticket_views.TicketAttachmentDownloadView.as_view(),
            name="ticket-attachment",
        ),
        path(
            "webhooks/<int:webhook_id>/deliveries/",
            webhook_views.WebhookDeliveryListView.as_view(),
            name="webhook-deliveries",
        ),
        *router.urls,
    ]
    return [
        path("v1/", include((v1, "api"), namespace="v1")),
        path("schema/", SchemaView.as_view(), name="api-schema"),
        # The split view serves Swagger UI's start-up script as a file of its own (?script), so
        # the page needs no inline script under the Content-Security-Policy; its icons are
        # data: SVG images, allowed on this page only.
        path(
            "docs/",
            csp_update({"img-src": ["data:"]})(
                SwaggerView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
            ),
            name="api-docs",
        ),
        re_path(r"^.*$", api_not_found),
    ]


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":
        patterns = _urlpatterns()
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(name)
