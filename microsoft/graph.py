"""Microsoft Graph (`GRAPH_BASE_URL`, v1.0): the distributor's GDAP relationships
(`/tenantRelationships/delegatedAdminRelationships`) and the service health issues of a
customer's tenant (`/admin/serviceAnnouncement/issues`), as typed results.

Collections answer `{"value": [...], "@odata.nextLink": "<absolute URL>"}`; the next link is
followed only on the configured host. Relationships are read with an app-only token of the
distributor's tenant; a customer's service health with an app-only token of that customer's
tenant, which the distributor's app obtains through its delegated (GDAP) access."""

from __future__ import annotations

import datetime
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from microsoft.http import (
    GRAPH_SCOPE,
    ClientCredentials,
    MicrosoftResponseError,
    TokenSource,
    Transport,
    same_origin,
)
from microsoft.shapes import (
    Listing,
    MalformedItem,
    get,
    instant,
    items_of,
    parse_all,
    tenant_uuid,
    text,
)

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_days(value: str) -> int:
    """Whole days of an ISO 8601 duration of days/hours (P180D, PT0S, P0D); anything else is
    malformed."""
    match = _DURATION.match(value or "")
    if not match or value in ("P", "PT"):
        raise MalformedItem(f"duration {value!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return days + (hours * 3600 + minutes * 60 + seconds) // 86400


@dataclass(frozen=True)
class GdapRelationship:
    id: str
    display_name: str
    customer_tenant_id: uuid.UUID
    customer_name: str
    # created, approvalPending, approved, activating, active, expiring, expired, terminating,
    # terminated, terminationRequested, unknownFutureValue (Graph's words, lower-cased here).
    status: str
    created_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    end_at: datetime.datetime | None
    auto_extend_days: int
    role_ids: tuple[str, ...]


@dataclass(frozen=True)
class HealthIssuePost:
    created_at: datetime.datetime | None
    post_type: str
    text: str


@dataclass(frozen=True)
class HealthIssue:
    id: str
    title: str
    service: str
    feature: str
    feature_group: str
    status: str
    classification: str
    impact_description: str
    is_resolved: bool
    start_at: datetime.datetime | None
    end_at: datetime.datetime | None
    last_modified_at: datetime.datetime | None
    posts: tuple[HealthIssuePost, ...]


def parse_relationship(raw: Any) -> GdapRelationship:
    roles_raw = get(raw, "accessDetails", "unifiedRoles") or []
    if not isinstance(roles_raw, list):
        raise MalformedItem("accessDetails.unifiedRoles is not a list")
    role_ids = tuple(
        sorted({text(role, "roleDefinitionId", required=True).lower() for role in roles_raw})
    )
    return GdapRelationship(
        id=text(raw, "id", required=True, max_length=100),
        display_name=text(raw, "displayName", max_length=100),
        customer_tenant_id=tenant_uuid(raw, "customer", "tenantId"),
        customer_name=text(raw, "customer", "displayName", max_length=200),
        status=text(raw, "status", required=True, max_length=30).lower(),
        created_at=instant(raw, "createdDateTime"),
        activated_at=instant(raw, "activatedDateTime"),
        end_at=instant(raw, "endDateTime"),
        auto_extend_days=duration_days(text(raw, "autoExtendDuration") or "PT0S"),
        role_ids=role_ids,
    )


def parse_issue(raw: Any) -> HealthIssue:
    posts_raw = get(raw, "posts") or []
    if not isinstance(posts_raw, list):
        raise MalformedItem("posts is not a list")
    resolved = get(raw, "isResolved")
    if not isinstance(resolved, bool):
        raise MalformedItem("isResolved is not a boolean")
    return HealthIssue(
        id=text(raw, "id", required=True, max_length=40),
        title=text(raw, "title", required=True, max_length=500),
        service=text(raw, "service", max_length=200),
        feature=text(raw, "feature", max_length=200),
        feature_group=text(raw, "featureGroup", max_length=200),
        status=text(raw, "status", max_length=40),
        classification=text(raw, "classification", max_length=40).lower(),
        impact_description=text(raw, "impactDescription", max_length=4000),
        is_resolved=resolved,
        start_at=instant(raw, "startDateTime"),
        end_at=instant(raw, "endDateTime"),
        last_modified_at=instant(raw, "lastModifiedDateTime"),
        posts=tuple(
            HealthIssuePost(
                created_at=instant(post, "createdDateTime"),
                post_type=text(post, "postType", max_length=40),
                text=text(post, "description", "content", max_length=20000),
            )
            for post in posts_raw
        ),
    )


class GraphClient:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.base = transport.config.graph_base_url
        self.partner_tokens = ClientCredentials(
            transport, tenant_id=transport.config.tenant_id, scope=GRAPH_SCOPE
        )
        self._customer_tokens: dict[uuid.UUID, ClientCredentials] = {}
        self._lock = threading.Lock()

    def _customer_token_source(self, tenant_id: uuid.UUID) -> TokenSource:
        with self._lock:
            if tenant_id not in self._customer_tokens:
                self._customer_tokens[tenant_id] = ClientCredentials(
                    self.transport, tenant_id=str(tenant_id), scope=GRAPH_SCOPE
                )
            return self._customer_tokens[tenant_id]

    def _pages(self, path: str, *, tokens: TokenSource) -> Iterator[list[Any]]:
        url: str | None = f"{self.base}/{path}"
        while url:
            body = self.transport.json("GET", url, token_source=tokens)
            yield items_of(body, "value")
            next_link = get(body, "@odata.nextLink")
            if next_link and not (isinstance(next_link, str) and same_origin(next_link, self.base)):
                raise MicrosoftResponseError("continuation link to another host")
            url = next_link or None

    def delegated_admin_relationships(self) -> Listing[GdapRelationship]:
        listing: Listing[GdapRelationship] = Listing()
        for raw_items in self._pages(
            "tenantRelationships/delegatedAdminRelationships", tokens=self.partner_tokens
        ):
            page = parse_all(raw_items, parse_relationship, kind="relationship", key_path=("id",))
            listing.items += page.items
            listing.rejected += page.rejected
        return listing

    def service_health_issues(self, tenant_id: uuid.UUID) -> Listing[HealthIssue]:
        listing: Listing[HealthIssue] = Listing()
        for raw_items in self._pages(
            "admin/serviceAnnouncement/issues", tokens=self._customer_token_source(tenant_id)
        ):
            page = parse_all(raw_items, parse_issue, kind="issue", key_path=("id",))
            listing.items += page.items
            listing.rejected += page.rejected
        return listing
