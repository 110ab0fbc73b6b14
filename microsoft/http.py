"""The one way this product speaks HTTP to Microsoft: the settings, the errors, access tokens
from the identity platform (cached until shortly before they expire), and a transport that
retries what Microsoft asks to be retried.

- 429 and 5xx (and network errors, timeouts) are retried up to MICROSOFT_MAX_RETRIES times,
  after the `Retry-After` Microsoft sends (seconds or an HTTP date), else with a short
  exponential backoff; no wait is longer than MICROSOFT_RETRY_MAX_WAIT_SECONDS.
- 401 drops the cached token and tries once more with a fresh one (a token revoked or expired
  early); a second 401 is an `MicrosoftAuthError`.
- Any other 4xx is a `MicrosoftRequestError` at once: retrying would not change the answer.
- Redirects are never followed, so a bearer token is only ever sent to the configured hosts.

The client modules (`partner_center`, `graph`) build on this and return typed results."""

from __future__ import annotations

import datetime
import email.utils
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

# The resources the app asks tokens for (fixed by Microsoft, whatever the base URL).
PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PARTNER_CENTER_USER_SCOPE = (
    "https://api.partnercenter.microsoft.com/user_impersonation offline_access"
)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A token is renewed this long before Microsoft says it expires (clock skew, slow calls).
_TOKEN_MARGIN = datetime.timedelta(seconds=120)


@dataclass(frozen=True)
class MicrosoftConfig:
    tenant_id: str
    client_id: str
    client_secret: str
    login_base_url: str
    partner_center_base_url: str
    graph_base_url: str
    timeout_seconds: float = 30.0
    max_retries: int = 4
    retry_max_wait_seconds: float = 120.0

    @classmethod
    def from_settings(cls) -> MicrosoftConfig:
        return cls(
            tenant_id=settings.MICROSOFT_TENANT_ID,
            client_id=settings.MICROSOFT_CLIENT_ID,
            client_secret=settings.MICROSOFT_CLIENT_SECRET,
            login_base_url=settings.MICROSOFT_LOGIN_BASE_URL.rstrip("/"),
            partner_center_base_url=settings.PARTNER_CENTER_BASE_URL.rstrip("/"),
            graph_base_url=settings.GRAPH_BASE_URL.rstrip("/"),
            timeout_seconds=settings.MICROSOFT_TIMEOUT_SECONDS,
            max_retries=settings.MICROSOFT_MAX_RETRIES,
            retry_max_wait_seconds=settings.MICROSOFT_RETRY_MAX_WAIT_SECONDS,
        )

    @property
    def configured(self) -> bool:
        """Without the three credentials nothing is called: the product runs as typed in."""
        return bool(self.tenant_id and self.client_id and self.client_secret)


def microsoft_configured() -> bool:
    return MicrosoftConfig.from_settings().configured


# --- errors -------------------------------------------------------------------------------------


class MicrosoftError(Exception):
    """Anything that went wrong talking to Microsoft; `code` is stable, `str()` says more."""

    code = "microsoft_error"


class MicrosoftNotConfigured(MicrosoftError):
    code = "microsoft_not_configured"


class MicrosoftUnavailable(MicrosoftError):
    """Network errors, timeouts, 429 and 5xx that outlasted the retries: try again later."""

    code = "microsoft_unavailable"


class MicrosoftAuthError(MicrosoftError):
    """The identity platform refused the credentials or the refresh token (expired, revoked,
    wrong secret), or the API refused a fresh token."""

    code = "microsoft_auth_failed"

    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(message)
        self.error = error  # the OAuth error code, e.g. invalid_grant


class MicrosoftRequestError(MicrosoftError):
    """A 4xx other than 401 / 429: the request itself is wrong or the object is unknown."""

    code = "microsoft_request_refused"

    def __init__(self, message: str, *, status: int, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class MicrosoftResponseError(MicrosoftError):
    """Microsoft answered 2xx with something that is not what its documentation describes."""

    code = "microsoft_malformed_response"


# --- tokens -------------------------------------------------------------------------------------


class TokenSource(Protocol):
    def token(self) -> str: ...

    def invalidate(self) -> None: ...


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    expires_at: datetime.datetime
    refresh_token: str = ""


def retry_after_seconds(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """The wait a `Retry-After` header asks for: delta-seconds or an HTTP date; None when the
    header is missing or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    return max((moment - now).total_seconds(), 0.0)


class Transport:
    """One HTTP client for every call to Microsoft, with the retry policy above."""

    def __init__(
        self,
        config: MicrosoftConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "CSP-Helpdesk/1.0"},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _wait(self, attempt: int, response: httpx.Response | None) -> None:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response else None
        wait = asked if asked is not None else min(2.0**attempt, 30.0)
        wait = min(wait, self.config.retry_max_wait_seconds)
        logger.info("Microsoft asked to retry: waiting %.2f s (attempt %s)", wait, attempt + 1)
        self.sleep(wait)

    def send(
        self,
        method: str,
        url: str,
        *,
        token_source: TokenSource | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying as Microsoft asks; a 2xx response or an error."""
        refreshed = False
        attempt = 0
        while True:
            request_headers = dict(headers or {})
            if token_source is not None:
                request_headers["Authorization"] = f"Bearer {token_source.token()}"
            try:
                response = self.client.request(
                    method, url, headers=request_headers, json=json, data=data, params=params
                )
            except httpx.HTTPError as error:
                if attempt >= self.config.max_retries:
                    raise MicrosoftUnavailable(f"{method} {url}: {error}") from error
                self._wait(attempt, None)
                attempt += 1
                continue
            if response.status_code in _RETRY_STATUSES:
                if attempt >= self.config.max_retries:
                    raise MicrosoftUnavailable(
                        f"{method} {url}: HTTP {response.status_code} after {attempt + 1} tries"
                    )
                self._wait(attempt, response)
                attempt += 1
                continue
            if response.status_code == 401 and token_source is not None and not refreshed:
                # A cached token Microsoft no longer takes: one more try with a new one.
                token_source.invalidate()
                refreshed = True
                continue
            if response.status_code == 401 and token_source is not None:
                raise MicrosoftAuthError(f"{method} {url}: HTTP 401", error="unauthorized")
            if response.status_code >= 400:
                raise MicrosoftRequestError(
                    f"{method} {url}: HTTP {response.status_code} {response.text[:300]}",
                    status=response.status_code,
                    body=response.text[:4000],
                )
            return response

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.send(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise MicrosoftResponseError(f"{method} {url}: the body is not JSON") from error

    # -- the identity platform --------------------------------------------------------------

    def token_request(self, *, tenant_id: str, form: Mapping[str, str]) -> TokenResponse:
        """POST to the v2.0 token endpoint of `tenant_id`. A refused grant (invalid_grant,
        invalid_client, …) is a MicrosoftAuthError with the OAuth error code."""
        url = f"{self.config.login_base_url}/{tenant_id}/oauth2/v2.0/token"
        form = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            **form,
        }
        try:
            response = self.send("POST", url, data=form)
        except MicrosoftRequestError as error:
            try:
                answer = httpx.Response(error.status, text=error.body).json()
            except ValueError:
                answer = {}
            oauth_error = str(answer.get("error") or "") if isinstance(answer, dict) else ""
            description = str(answer.get("error_description") or "") if oauth_error else ""
            raise MicrosoftAuthError(
                f"token endpoint of {tenant_id}: {oauth_error or error.status} {description[:200]}",
                error=oauth_error or "http_error",
            ) from error
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = int(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as error:
            raise MicrosoftResponseError(f"{url}: no access_token in the answer") from error
        return TokenResponse(
            access_token=token,
            expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=expires_in),
            refresh_token=str(body.get("refresh_token") or ""),
        )


class ClientCredentials:
    """App-only tokens (client credentials) for one tenant and one resource, cached until
    shortly before they expire. Thread-safe: one token per process and scope."""

    def __init__(self, transport: Transport, *, tenant_id: str, scope: str) -> None:
        self.transport = transport
        self.tenant_id = tenant_id
        self.scope = scope
        self._token: TokenResponse | None = None
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            now = datetime.datetime.now(datetime.UTC)
            if self._token is None or self._token.expires_at - _TOKEN_MARGIN <= now:
                self._token = self.transport.token_request(
                    tenant_id=self.tenant_id,
                    form={"grant_type": "client_credentials", "scope": self.scope},
                )
            return self._token.access_token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None


def same_origin(url: str, base: str) -> bool:
    """A continuation link is followed only on the configured host: a bearer token is never
    handed to another one."""
    link, origin = httpx.URL(url), httpx.URL(base)
    return (link.scheme, link.host, link.port) == (origin.scheme, origin.host, origin.port)
