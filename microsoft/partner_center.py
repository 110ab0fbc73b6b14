"""Partner Center REST API (`PARTNER_CENTER_BASE_URL`/v1): customers, their subscriptions,
support topics and service requests, as typed results.

Collections answer `{"totalCount", "items": [...], "links": {"next": {"uri", "headers"}}}`;
the next page is the `next` link's URI with its `MS-ContinuationToken` header. Customers and
subscriptions are read with an app-only token; service requests need App+User, a token
obtained from a refresh token that Microsoft rotates (`RefreshTokenSource`)."""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from microsoft.http import (
    PARTNER_CENTER_SCOPE,
    PARTNER_CENTER_USER_SCOPE,
    ClientCredentials,
    MicrosoftResponseError,
    TokenResponse,
    TokenSource,
    Transport,
    same_origin,
)
from microsoft.shapes import (
    Listing,
    MalformedItem,
    get,
    instant,
    integer,
    items_of,
    parse_all,
    strings,
    tenant_uuid,
    text,
)

PAGE_SIZE = 100


@dataclass(frozen=True)
class PcCustomer:
    tenant_id: uuid.UUID
    company_name: str
    domain: str
    # Every domain Microsoft lists for the tenant, the default one first.
    domains: tuple[str, ...]
    # The indirect reseller's Partner (MPN) ID; "" when the customer has none.
    associated_partner_id: str
    relationship: str


@dataclass(frozen=True)
class PcSubscription:
    id: str
    offer_id: str
    offer_name: str
    quantity: int
    # none, active, pending, suspended, deleted, expired (Microsoft's words).
    status: str
    creation_date: datetime.datetime | None
    effective_start_date: datetime.datetime | None
    commitment_end_date: datetime.datetime | None
    suspension_reasons: tuple[str, ...]
    # The indirect reseller of record (MPN ID), in the indirect model.
    partner_id: str


@dataclass(frozen=True)
class SupportTopic:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class ServiceRequestNote:
    created_by: str
    created_at: datetime.datetime | None
    text: str


@dataclass(frozen=True)
class ServiceRequest:
    id: str
    title: str
    # none, open, closed, attention_needed
    status: str
    severity: str
    support_topic_id: str
    support_topic_name: str
    created_at: datetime.datetime | None
    last_modified_at: datetime.datetime | None
    last_closed_at: datetime.datetime | None
    notes: tuple[ServiceRequestNote, ...]


def parse_customer(raw: Any) -> PcCustomer:
    tenant_id = tenant_uuid(raw, "companyProfile", "tenantId")
    if get(raw, "id") and str(get(raw, "id")).lower() != str(tenant_id):
        raise MalformedItem("id and companyProfile.tenantId differ")
    domain = text(raw, "companyProfile", "domain", required=True, max_length=253).lower()
    extra = [d.lower() for d in strings(raw, "customDomains")]
    domains = tuple(dict.fromkeys([domain, *extra]))
    return PcCustomer(
        tenant_id=tenant_id,
        company_name=text(raw, "companyProfile", "companyName", required=True, max_length=200),
        domain=domain,
        domains=domains,
        associated_partner_id=text(raw, "associatedPartnerId", max_length=40),
        relationship=text(raw, "relationshipToPartner", max_length=40).lower(),
    )


def parse_subscription(raw: Any) -> PcSubscription:
    return PcSubscription(
        id=text(raw, "id", required=True, max_length=64),
        offer_id=text(raw, "offerId", required=True, max_length=80),
        offer_name=text(raw, "offerName", max_length=200) or text(raw, "friendlyName"),
        quantity=integer(raw, "quantity", default=1),
        status=text(raw, "status", required=True, max_length=20).lower(),
        creation_date=instant(raw, "creationDate"),
        effective_start_date=instant(raw, "effectiveStartDate"),
        commitment_end_date=instant(raw, "commitmentEndDate"),
        suspension_reasons=strings(raw, "suspensionReasons"),
        partner_id=text(raw, "partnerId", max_length=40),
    )


def parse_support_topic(raw: Any) -> SupportTopic:
    return SupportTopic(
        id=text(raw, "id", required=True, max_length=40),
        name=text(raw, "name", required=True, max_length=200),
        description=text(raw, "description", max_length=500),
    )


def parse_service_request(raw: Any) -> ServiceRequest:
    notes_raw = get(raw, "notes") or []
    if not isinstance(notes_raw, list):
        raise MalformedItem("notes is not a list")
    notes = tuple(
        ServiceRequestNote(
            created_by=text(note, "createdByName", max_length=200),
            created_at=instant(note, "createdDate"),
            text=text(note, "text", max_length=20000),
        )
        for note in notes_raw
        if text(note, "text", max_length=20000)
    )
    return ServiceRequest(
        id=text(raw, "id", required=True, max_length=40),
        title=text(raw, "title", max_length=255),
        status=(text(raw, "status", max_length=30) or "none").lower(),
        severity=text(raw, "severity", max_length=20).lower(),
        support_topic_id=text(raw, "supportTopicId", max_length=40),
        support_topic_name=text(raw, "supportTopicName", max_length=200),
        created_at=instant(raw, "createdDate"),
        last_modified_at=instant(raw, "lastModifiedDate"),
        last_closed_at=instant(raw, "lastClosedDate"),
        notes=notes,
    )


class RefreshTokenSource:
    """App+User tokens from the stored refresh token. Microsoft answers each refresh with a new
    refresh token, which `save` must keep (the old one stops working in time); `load` reads
    the current one. A refused refresh token raises MicrosoftAuthError (the caller records the
    alert) and is not retried until a new one is stored."""

    def __init__(
        self,
        transport: Transport,
        *,
        load: Callable[[], str],
        save: Callable[[TokenResponse], None],
    ) -> None:
        self.transport = transport
        self.load = load
        self.save = save
        self._token: TokenResponse | None = None
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            now = datetime.datetime.now(datetime.UTC)
            if self._token is None or self._token.expires_at - datetime.timedelta(minutes=2) <= now:
                answer = self.transport.token_request(
                    tenant_id=self.transport.config.tenant_id,
                    form={
                        "grant_type": "refresh_token",
                        "refresh_token": self.load(),
                        "scope": PARTNER_CENTER_USER_SCOPE,
                    },
                )
                self.save(answer)
                self._token = answer
            return self._token.access_token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None


class PartnerCenterClient:
    def __init__(self, transport: Transport, *, user_tokens: TokenSource | None = None) -> None:
        self.transport = transport
        self.base = transport.config.partner_center_base_url
        self.app_tokens = ClientCredentials(
            transport, tenant_id=transport.config.tenant_id, scope=PARTNER_CENTER_SCOPE
        )
        self.user_tokens = user_tokens

    def _headers(self) -> dict[str, str]:
        # Microsoft asks for a correlation id per call, for its support to trace it.
        return {"MS-CorrelationId": str(uuid.uuid4()), "MS-RequestId": str(uuid.uuid4())}

    def _pages(self, path: str, *, tokens: TokenSource) -> Iterator[list[Any]]:
        url = f"{self.base}/v1/{path}"
        headers = self._headers()
        while True:
            body = self.transport.json("GET", url, token_source=tokens, headers=headers)
            yield items_of(body, "items")
            next_link = get(body, "links", "next")
            uri = get(next_link, "uri") if next_link else None
            if not uri:
                return
            uri = str(uri)
            if uri.startswith("/") and not uri.startswith("/v1/"):
                uri = f"/v1{uri}"
            url = uri if uri.startswith("http") else f"{self.base}{uri}"
            if not same_origin(url, self.base):
                raise MicrosoftResponseError(f"continuation link to another host: {url[:100]}")
            headers = self._headers()
            for header in get(next_link, "headers") or []:
                key, value = get(header, "key"), get(header, "value")
                if isinstance(key, str) and isinstance(value, str):
                    headers[key] = value

    def customers(self) -> Iterator[Listing[PcCustomer]]:
        """The distributor's customers, a page at a time (each with its rejected items)."""
        for raw_items in self._pages(f"customers?size={PAGE_SIZE}", tokens=self.app_tokens):
            yield parse_all(
                raw_items, parse_customer, kind="customer", key_path=("companyProfile", "tenantId")
            )

    def customer(self, tenant_id: uuid.UUID) -> PcCustomer:
        body = self.transport.json(
            "GET",
            f"{self.base}/v1/customers/{tenant_id}",
            token_source=self.app_tokens,
            headers=self._headers(),
        )
        try:
            return parse_customer(body)
        except MalformedItem as error:
            raise MicrosoftResponseError(f"customer {tenant_id}: {error}") from error

    def subscriptions(self, tenant_id: uuid.UUID) -> Listing[PcSubscription]:
        listing: Listing[PcSubscription] = Listing()
        for raw_items in self._pages(
            f"customers/{tenant_id}/subscriptions", tokens=self.app_tokens
        ):
            page = parse_all(raw_items, parse_subscription, kind="subscription", key_path=("id",))
            listing.items += page.items
            listing.rejected += page.rejected
        return listing

    def _user_tokens(self) -> TokenSource:
        if self.user_tokens is None:
            raise MicrosoftResponseError("service requests need App+User credentials")
        return self.user_tokens

    def support_topics(self) -> Listing[SupportTopic]:
        listing: Listing[SupportTopic] = Listing()
        for raw_items in self._pages("servicerequests/supporttopics", tokens=self._user_tokens()):
            page = parse_all(raw_items, parse_support_topic, kind="support_topic", key_path=("id",))
            listing.items += page.items
            listing.rejected += page.rejected
        return listing

    def service_request_create(
        self,
        *,
        title: str,
        description: str,
        severity: str,
        support_topic_id: str,
        locale: str = "ja-JP",
    ) -> ServiceRequest:
        body = self.transport.json(
            "POST",
            f"{self.base}/v1/servicerequests/{quote(locale)}",
            token_source=self._user_tokens(),
            headers=self._headers(),
            json={
                "Title": title,
                "Description": description,
                "Severity": severity,
                "SupportTopicId": support_topic_id,
            },
        )
        try:
            return parse_service_request(body)
        except MalformedItem as error:
            raise MicrosoftResponseError(f"created service request: {error}") from error

    def service_request(self, request_id: str) -> ServiceRequest:
        body = self.transport.json(
            "GET",
            f"{self.base}/v1/servicerequests/{quote(request_id, safe='')}",
            token_source=self._user_tokens(),
            headers=self._headers(),
        )
        try:
            return parse_service_request(body)
        except MalformedItem as error:
            raise MicrosoftResponseError(f"service request {request_id}: {error}") from error
