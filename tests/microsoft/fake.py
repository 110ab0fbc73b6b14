"""A fake Microsoft on loopback: the identity platform's token endpoint, Partner Center and
Graph, serving the documented shapes from in-memory state. Tests change the state and the
behaviour (a 429 with Retry-After, expired tokens, malformed items) and read the request log.

    /login/{tenant}/oauth2/v2.0/token           client credentials and refresh tokens
    /pc/v1/customers[?size=N]                   paged with links.next + MS-ContinuationToken
    /pc/v1/customers/{tenant}/subscriptions     paged the same way
    /pc/v1/servicerequests/supporttopics        App+User only
    /pc/v1/servicerequests/{locale}  (POST)     App+User only
    /pc/v1/servicerequests/{id}                 App+User only
    /graph/v1.0/tenantRelationships/delegatedAdminRelationships   paged with @odata.nextLink
    /graph/v1.0/admin/serviceAnnouncement/issues                 the token's tenant's issues
"""

from __future__ import annotations

import base64
import copy
import datetime
import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from microsoft.roles import LICENSE_ADMINISTRATOR, SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR

PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PC_USER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation offline_access"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass
class Token:
    tenant: str
    scope: str


@dataclass
class FakeState:
    tenant_id: str
    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    page_size: int = 2
    customers: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    support_topics: list[dict[str, Any]] = field(default_factory=list)
    service_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Tenants whose service health the app may read (GDAP consent).
    readable_tenants: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    tokens: dict[str, Token] = field(default_factory=dict)
    # path prefix → queued (status, headers, body) answers served before the real one.
    failures: dict[str, list[tuple[int, dict[str, str], str]]] = field(default_factory=dict)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


class FakeMicrosoft:
    def __init__(self, tenant_id: str | None = None) -> None:
        self.state = FakeState(tenant_id=tenant_id or str(uuid.uuid4()))
        # Static files served as they are (the webhook signing certificates).
        self.files: dict[str, bytes] = {}
        self._counter = itertools.count(1)
        self.lock = threading.RLock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle and settings -----------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an IPv4 address, bound by start()
        return f"http://{host}:{port}"

    def start(self) -> FakeMicrosoft:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict[str, Any]:
        return {
            "MICROSOFT_TENANT_ID": self.state.tenant_id,
            "MICROSOFT_CLIENT_ID": self.state.client_id,
            "MICROSOFT_CLIENT_SECRET": self.state.client_secret,
            "MICROSOFT_LOGIN_BASE_URL": f"{self.url}/login",
            "PARTNER_CENTER_BASE_URL": f"{self.url}/pc",
            "GRAPH_BASE_URL": f"{self.url}/graph/v1.0",
            "MICROSOFT_RETRY_MAX_WAIT_SECONDS": 0.01,
            "MICROSOFT_TIMEOUT_SECONDS": 5.0,
        }

    # -- what tests change ---------------------------------------------------------------------

    def fail(
        self, prefix: str, status: int, *, times: int = 1, headers=None, body: str = ""
    ) -> None:
        with self.lock:
            queue = self.state.failures.setdefault(prefix, [])
            queue.extend([(status, dict(headers or {}), body)] * times)

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (as when Microsoft revokes them)."""
        with self.lock:
            self.state.tokens.clear()

    def issue_refresh_token(self) -> str:
        token = f"refresh-{next(self._counter)}-{uuid.uuid4().hex}"
        with self.lock:
            self.state.refresh_tokens.add(token)
        return token

    def requests_to(self, prefix: str) -> list[tuple[str, str, dict[str, str]]]:
        with self.lock:
            return [entry for entry in self.state.log if entry[1].startswith(prefix)]

    # -- serving -------------------------------------------------------------------------------

    def _send(self, handler, status: int, body: Any = None, headers=None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _handle(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.state.log.append((method, parts.path, headers))
            for prefix, queue in self.state.failures.items():
                if parts.path.startswith(prefix) and queue:
                    status, extra, body = queue.pop(0)
                    payload = body.encode()
                    handler.send_response(status)
                    for key, value in extra.items():
                        handler.send_header(key, value)
                    handler.send_header("Content-Length", str(len(payload)))
                    handler.end_headers()
                    handler.wfile.write(payload)
                    return
        if parts.path in self.files:
            payload = self.files[parts.path]
            handler.send_response(200)
            handler.send_header("Content-Type", "application/pkix-cert")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        try:
            if parts.path.startswith("/login/"):
                self._token(handler, parts.path, raw_body)
            elif parts.path.startswith("/pc/"):
                self._partner_center(handler, method, parts, headers, raw_body)
            elif parts.path.startswith("/graph/v1.0/"):
                self._graph(handler, parts, headers)
            else:
                self._send(handler, 404, {"error": "not found"})
        except Exception as error:  # a broken fake must show, not hang the test
            self._send(handler, 500, {"error": repr(error)})

    def _token(self, handler, path: str, raw_body: bytes) -> None:
        tenant = path.split("/")[2]
        form = {k: v[0] for k, v in parse_qs(raw_body.decode()).items()}
        state = self.state
        if form.get("client_id") != state.client_id or form.get("client_secret") != (
            state.client_secret
        ):
            self._send(handler, 401, {"error": "invalid_client"})
            return
        with self.lock:
            if form.get("grant_type") == "client_credentials":
                scope = form.get("scope", "")
                if tenant != state.tenant_id and tenant not in state.readable_tenants:
                    self._send(
                        handler,
                        400,
                        {"error": "invalid_request", "error_description": "AADSTS700016"},
                    )
                    return
                token = f"access-{next(self._counter)}"
                state.tokens[token] = Token(tenant=tenant, scope=scope)
                self._send(
                    handler,
                    200,
                    {"token_type": "Bearer", "expires_in": 3599, "access_token": token},
                )
                return
            if form.get("grant_type") == "refresh_token":
                old = form.get("refresh_token", "")
                if old not in state.refresh_tokens:
                    self._send(
                        handler,
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "AADSTS700082: The refresh token has expired.",
                        },
                    )
                    return
                state.refresh_tokens.discard(old)
                new = f"refresh-{next(self._counter)}-{uuid.uuid4().hex}"
                state.refresh_tokens.add(new)
                token = f"access-{next(self._counter)}"
                state.tokens[token] = Token(tenant=tenant, scope=PC_USER_SCOPE)
                self._send(
                    handler,
                    200,
                    {
                        "token_type": "Bearer",
                        "expires_in": 3599,
                        "access_token": token,
                        "refresh_token": new,
                    },
                )
                return
        self._send(handler, 400, {"error": "unsupported_grant_type"})

    def _auth(self, handler, headers, scopes: set[str]) -> Token | None:
        value = headers.get("authorization", "")
        token = self.state.tokens.get(value.removeprefix("Bearer "))
        if token is None or token.scope not in scopes:
            self._send(handler, 401, {"error": {"code": "InvalidAuthenticationToken"}})
            return None
        return token

    def _paged(self, handler, items, headers, uri: str) -> None:
        start = int(headers.get("ms-continuationtoken") or 0)
        size = self.state.page_size
        page = items[start : start + size]
        body: dict[str, Any] = {
            "totalCount": len(page),
            "items": copy.deepcopy(page),
            "attributes": {"objectType": "Collection"},
        }
        if start + size < len(items):
            body["links"] = {
                "next": {
                    "uri": uri,
                    "method": "GET",
                    "headers": [{"key": "MS-ContinuationToken", "value": str(start + size)}],
                }
            }
        self._send(handler, 200, body)

    def _partner_center(self, handler, method, parts, headers, raw_body: bytes) -> None:
        path = parts.path.removeprefix("/pc")
        segments = [s for s in path.split("/") if s]
        state = self.state
        if segments[:2] == ["v1", "servicerequests"]:
            if self._auth(handler, headers, {PC_USER_SCOPE}) is None:
                return
            self._service_requests(handler, method, segments[2:], raw_body)
            return
        if self._auth(handler, headers, {PC_SCOPE, PC_USER_SCOPE}) is None:
            return
        with self.lock:
            if segments == ["v1", "customers"]:
                self._paged(handler, state.customers, headers, f"/customers?size={state.page_size}")
            elif len(segments) == 3 and segments[1] == "customers":
                found = [c for c in state.customers if str(c.get("id", "")).lower() == segments[2]]
                if found:
                    self._send(handler, 200, found[0])
                else:
                    self._send(handler, 404, {"code": 600008, "description": "not found"})
            elif (
                len(segments) == 4
                and segments[1] == "customers"
                and segments[3] == ("subscriptions")
            ):
                items = state.subscriptions.get(segments[2], [])
                self._paged(handler, items, headers, f"/customers/{segments[2]}/subscriptions")
            else:
                self._send(handler, 404, {"code": 404})

    def _service_requests(self, handler, method, rest: list[str], raw_body: bytes) -> None:
        state = self.state
        with self.lock:
            if rest == ["supporttopics"]:
                self._send(
                    handler,
                    200,
                    {"totalCount": len(state.support_topics), "items": state.support_topics},
                )
            elif method == "POST" and len(rest) == 1:
                body = json.loads(raw_body or b"{}")
                if not body.get("Title") or body.get("Severity") not in (
                    "critical",
                    "moderate",
                    "minimal",
                ):
                    self._send(handler, 400, {"code": 400, "description": "bad request"})
                    return
                topic = next(
                    (t for t in state.support_topics if str(t["id"]) == body.get("SupportTopicId")),
                    None,
                )
                if topic is None:
                    self._send(handler, 400, {"code": 400, "description": "unknown topic"})
                    return
                request_id = str(616000000000000 + next(self._counter))
                created = {
                    "Title": body["Title"],
                    "Description": body["Description"],
                    "Severity": body["Severity"],
                    "SupportTopicId": str(topic["id"]),
                    "SupportTopicName": topic["name"],
                    "Id": request_id,
                    "Status": "open",
                    "CreatedDate": "2026-11-25T01:00:00Z",
                    "LastModifiedDate": "2026-11-25T01:00:00Z",
                    "Notes": [],
                }
                state.service_requests[request_id] = created
                self._send(handler, 201, created)
            elif method == "GET" and len(rest) == 1 and rest[0] in state.service_requests:
                self._send(handler, 200, state.service_requests[rest[0]])
            else:
                self._send(handler, 404, {"code": 404, "description": "not found"})

    def _graph(self, handler, parts, headers) -> None:
        path = parts.path.removeprefix("/graph/v1.0")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        token = self._auth(handler, headers, {GRAPH_SCOPE})
        if token is None:
            return
        state = self.state
        with self.lock:
            if path == "/tenantRelationships/delegatedAdminRelationships":
                if token.tenant != state.tenant_id:
                    self._send(handler, 403, {"error": {"code": "Forbidden"}})
                    return
                items = state.relationships
            elif path == "/admin/serviceAnnouncement/issues":
                items = state.issues.get(token.tenant, [])
            else:
                self._send(handler, 404, {"error": {"code": "NotFound"}})
                return
            start = int(query.get("$skiptoken") or 0)
            size = state.page_size
            body: dict[str, Any] = {"value": copy.deepcopy(items[start : start + size])}
            if start + size < len(items):
                body["@odata.nextLink"] = f"{self.url}/graph/v1.0{path}?$skiptoken={start + size}"
            self._send(handler, 200, body)


# --- documented shapes, for the tests to fill the fake with ------------------------------------


def customer_item(
    tenant_id: str, name: str, domain: str, *, partner_id: str = "", custom_domains=()
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": tenant_id,
        "commerceId": str(uuid.uuid4()),
        "companyProfile": {
            "tenantId": tenant_id,
            "domain": domain,
            "companyName": name,
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "relationshipToPartner": "reseller",
        "attributes": {"objectType": "Customer"},
    }
    if partner_id:
        item["associatedPartnerId"] = partner_id
    if custom_domains:
        item["customDomains"] = list(custom_domains)
    return item


def subscription_item(
    subscription_id: str,
    offer_id: str,
    offer_name: str,
    *,
    quantity: int = 10,
    status: str = "active",
    partner_id: str = "",
    suspension_reasons=(),
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": subscription_id,
        "offerId": offer_id,
        "offerName": offer_name,
        "friendlyName": offer_name,
        "quantity": quantity,
        "unitType": "Licenses",
        "creationDate": "2025-04-01T02:03:04.1234567Z",
        "effectiveStartDate": "2025-04-01T00:00:00Z",
        "commitmentEndDate": "2026-03-31T00:00:00Z",
        "status": status,
        "autoRenewEnabled": True,
        "billingType": "license",
        "partnerId": partner_id,
        "attributes": {"objectType": "Subscription"},
    }
    if suspension_reasons:
        item["suspensionReasons"] = list(suspension_reasons)
    return item


def relationship_item(
    relationship_id: str,
    tenant_id: str,
    *,
    name: str = "",
    status: str = "active",
    end: str = "2027-06-30T00:00:00Z",
    auto_extend: str = "PT0S",
    roles=(),
) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "id": relationship_id,
        "displayName": name or f"Default_{relationship_id}",
        "duration": "P730D",
        "customer": {"tenantId": tenant_id, "displayName": f"tenant {tenant_id[:8]}"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": role} for role in roles]},
        "status": status,
        "autoExtendDuration": auto_extend,
        "createdDateTime": "2025-06-30T00:00:00Z",
        "activatedDateTime": "2025-06-30T00:05:00Z",
        "lastModifiedDateTime": "2025-06-30T00:05:00Z",
        "endDateTime": end,
    }


# --- Partner Center's signed webhook events --------------------------------------------------


class WebhookSigner:
    """Signs events as Partner Center does (RSA-SHA256 over the body, `Authorization:
    Signature <base64>`, `x-ms-certificate-url`), with a test PKI the product is configured to
    trust: a root (written to a PEM file), an intermediate found through the leaf's AIA link,
    and a leaf of "Microsoft Corporation". `forger` is the same leaf name on a key of its own,
    issued by a root nobody trusts."""

    _keys: dict[str, Any] = {}

    def __init__(self, fake: FakeMicrosoft, ca_file: str) -> None:
        def key(name: str):
            if name not in WebhookSigner._keys:
                WebhookSigner._keys[name] = rsa.generate_private_key(
                    public_exponent=65537, key_size=2048
                )
            return WebhookSigner._keys[name]

        def subject(organisation: str, common_name: str):
            return x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )

        now = datetime.datetime.now(datetime.UTC)

        def certificate(name, issuer_name, public_key, signing_key, *, ca: bool, aia: str = ""):
            builder = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(issuer_name)
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(
                    x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
                )
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
                    critical=False,
                )
            )
            if ca:
                builder = builder.add_extension(
                    x509.BasicConstraints(ca=True, path_length=None), critical=True
                ).add_extension(
                    x509.KeyUsage(
                        digital_signature=False,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=True,
                        crl_sign=True,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
            if aia:
                builder = builder.add_extension(
                    x509.AuthorityInformationAccess(
                        [
                            x509.AccessDescription(
                                AuthorityInformationAccessOID.CA_ISSUERS,
                                x509.UniformResourceIdentifier(aia),
                            )
                        ]
                    ),
                    critical=False,
                )
            return builder.sign(signing_key, hashes.SHA256())

        root_key, intermediate_key, leaf_key = key("root"), key("intermediate"), key("leaf")
        root_name = subject("Test Root Authority", "Test Root")
        root = certificate(root_name, root_name, root_key.public_key(), root_key, ca=True)
        intermediate_name = subject("Test Root Authority", "Test Issuing CA")
        intermediate = certificate(
            intermediate_name, root_name, intermediate_key.public_key(), root_key, ca=True
        )
        leaf_name = subject("Microsoft Corporation", "pcnotifications-dispatch.microsoft.com")
        leaf = certificate(
            leaf_name,
            intermediate_name,
            leaf_key.public_key(),
            intermediate_key,
            ca=False,
            aia=f"{fake.url}/pki/issuing-ca.cer",
        )
        rogue_root_key, forger_key = key("rogue-root"), key("forger")
        rogue_name = subject("Rogue", "Rogue Root")
        forger = certificate(
            leaf_name, rogue_name, forger_key.public_key(), rogue_root_key, ca=False
        )
        other_name = subject("Contoso", "contoso.example")
        other = certificate(
            other_name,
            intermediate_name,
            forger_key.public_key(),
            intermediate_key,
            ca=False,
            aia=f"{fake.url}/pki/issuing-ca.cer",
        )
        der = serialization.Encoding.DER
        fake.files["/cert/pcnotifications-dispatch.microsoft.com.cer"] = leaf.public_bytes(der)
        fake.files["/pki/issuing-ca.cer"] = intermediate.public_bytes(der)
        fake.files["/cert/forged.cer"] = forger.public_bytes(der)
        fake.files["/cert/contoso.cer"] = other.public_bytes(der)
        with open(ca_file, "wb") as handle:
            handle.write(root.public_bytes(serialization.Encoding.PEM))
        self.fake = fake
        self.leaf_key = leaf_key
        self.forger_key = forger_key
        self.certificate_url = f"{fake.url}/cert/pcnotifications-dispatch.microsoft.com.cer"

    def headers(self, body: bytes, *, key=None, certificate_url: str | None = None) -> dict:
        signature = (key or self.leaf_key).sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "HTTP_AUTHORIZATION": f"Signature {base64.b64encode(signature).decode()}",
            "HTTP_X_MS_CERTIFICATE_URL": certificate_url or self.certificate_url,
            "HTTP_X_MS_SIGNATURE_ALGORITHM": "rsa-sha256",
        }


def event_body(name: str, resource_uri: str, changed: str = "2026-11-25T01:02:03.1234567+00:00"):
    return json.dumps(
        {
            "EventName": name,
            "ResourceUri": resource_uri,
            "ResourceName": name.split("-")[0],
            "AuditUri": None,
            "ResourceChangeUtcDate": changed,
        }
    ).encode()


def issue_item(
    issue_id: str,
    title: str,
    *,
    service: str = "Exchange Online",
    resolved: bool = False,
    status: str = "serviceDegradation",
    posts=("ユーザーがメールを受信できない問題を調査しています。",),
) -> dict[str, Any]:
    return {
        "startDateTime": "2026-11-25T00:30:00Z",
        "endDateTime": "2026-11-25T06:00:00Z" if resolved else None,
        "lastModifiedDateTime": "2026-11-25T01:00:00Z",
        "title": title,
        "id": issue_id,
        "impactDescription": "Users may be unable to receive email.",
        "classification": "incident",
        "origin": "microsoft",
        "status": "serviceRestored" if resolved else status,
        "service": service,
        "feature": "E-Mail and calendar access",
        "featureGroup": "E-Mail and calendar access",
        "isResolved": resolved,
        "details": [],
        "posts": [
            {
                "createdDateTime": "2026-11-25T00:40:00Z",
                "postType": "regular",
                "description": {"contentType": "html", "content": text},
            }
            for text in posts
        ],
    }


# --- a fake for staging and the README's walk-through ------------------------------------------


def demo_fill(fake: FakeMicrosoft) -> str:
    """The demo data of `seed_demo` as Microsoft would report it, plus one customer the desk
    does not know yet; returns a refresh token for service requests."""
    roles = (SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR, LICENSE_ADMINISTRATOR)
    rows = [
        (
            1,
            "株式会社さくら商事",
            "sakura-shoji",
            "5100001",
            "CFQ7TTC0LF8Q",
            "Microsoft 365 Business Standard",
        ),
        (2, "富士精工株式会社", "fuji-seiko", "5100001", "CFQ7TTC0LDPB", "Microsoft 365 E3"),
        (3, "みなと物流株式会社", "minato-logi", "5100002", "CFQ7TTC0LF8R", "Office 365 E1"),
        (
            4,
            "北斗設計事務所",
            "hokuto-sekkei",
            "5100002",
            "CFQ7TTC0LH18",
            "Dynamics 365 Sales Enterprise",
        ),
        (5, "あおば製薬株式会社", "aoba-pharma", "5100001", "CFQ7TTC0LDPB", "Microsoft 365 E3"),
    ]
    state = fake.state
    state.page_size = 2
    for suffix, name, domain, partner, offer, offer_name in rows:
        tenant = f"00000000-0000-4000-8000-{suffix:012d}"
        state.customers.append(
            customer_item(tenant, name, f"{domain}.onmicrosoft.com", partner_id=partner)
        )
        ended = suffix == 3  # cancelled at Microsoft: tickets on it are refused (Art. 7)
        state.subscriptions[tenant] = [
            subscription_item(
                f"sub-{suffix}",
                offer,
                offer_name,
                partner_id=partner,
                status="suspended" if ended else "active",
                suspension_reasons=["CustomerCancellation"] if ended else (),
            )
        ]
        # 2 ends soon without auto-extend (a warning); 4 was terminated by the customer.
        state.relationships.append(
            relationship_item(
                f"rel-{suffix}",
                tenant,
                name=f"CSP_{suffix}",
                status="terminated" if suffix == 4 else "active",
                end="2026-12-20T00:00:00Z" if suffix == 2 else "2027-09-30T00:00:00Z",
                auto_extend="PT0S" if suffix == 2 else "P180D",
                roles=roles,
            )
        )
        if suffix != 4:
            state.readable_tenants.add(tenant)
            state.issues[tenant] = [issue_item("EX1234567", "一部のユーザーがメールを受信できない")]
    state.support_topics = [
        {"id": "32444671", "name": "Exchange Online", "description": "Mail flow"},
        {"id": "32444672", "name": "Microsoft Teams", "description": "Meetings and chat"},
    ]
    return fake.issue_refresh_token()


if __name__ == "__main__":
    import argparse
    import os
    import time

    import django

    parser = argparse.ArgumentParser(description="A fake Microsoft for staging and the README.")
    parser.add_argument("--port", type=int, default=8765)
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    django.setup()
    fake = FakeMicrosoft(tenant_id="00000000-0000-4000-8000-00000000d15b")
    fake.server.server_close()
    fake.server = ThreadingHTTPServer(
        ("127.0.0.1", arguments.port), fake.server.RequestHandlerClass
    )
    fake.thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    token = demo_fill(fake.start())
    print("# A fake Microsoft is listening. Export these, then run the sync commands:")
    for name, value in fake.settings().items():
        if name.startswith(("MICROSOFT_RETRY", "MICROSOFT_TIMEOUT")):
            continue
        print(f"export {name}={value}")
    print(
        f"# refresh token for service requests (pipe it to partner_center_refresh_token):\n{token}"
    )
    while True:
        time.sleep(3600)
