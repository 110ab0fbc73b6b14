"""GDAP relationships from Graph, the customers' delegated-access state derived from them
(Art. 4.1), and the warnings before a relationship ends without auto-extend.

The state is derived for customers that Microsoft knows (a relationship, or a Partner Center
link); a customer typed in by hand with no relationship keeps what was typed. Every change
goes through `contracts.services.customer_update`, so the customer's history keeps each
state with when and why. A relationship no longer listed by Graph is kept with the status
"absent" (never in force)."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from contracts import services as contract_services
from contracts.models import Customer
from microsoft.graph import GdapRelationship as GraphRelationship
from microsoft.graph import GraphClient
from microsoft.models import GdapRelationship, GdapWarning, SyncRun
from microsoft.roles import role_name
from microsoft.rules import warning_thresholds_due
from microsoft.runs import SyncReport, sync_run_finish, sync_run_start
from microsoft.selectors import access_state_for, facts
from notifications.models import OutboxMessage
from notifications.services import notification_create, outbox_enqueue
from webhooks.models import WebhookEvent
from webhooks.services import webhook_deliveries_enqueue_for_reseller

logger = logging.getLogger(__name__)

ABSENT = "absent"
# Who hears of an ending relationship on the desk side.
WARNING_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


def _upsert(
    graph: GraphRelationship, customer: Customer | None, report: SyncReport, now
) -> GdapRelationship:
    wanted = {
        "customer": customer,
        "customer_tenant_id": graph.customer_tenant_id,
        "customer_name": graph.customer_name,
        "display_name": graph.display_name,
        "status": graph.status,
        "created_at_microsoft": graph.created_at,
        "activated_at": graph.activated_at,
        "end_at": graph.end_at,
        "auto_extend_days": graph.auto_extend_days,
        "role_ids": list(graph.role_ids),
    }
    relationship = GdapRelationship.objects.filter(relationship_id=graph.id).first()
    label = f"{graph.display_name or graph.id} ({graph.customer_name or graph.customer_tenant_id})"
    if relationship is None:
        relationship = GdapRelationship.objects.create(
            relationship_id=graph.id, synced_at=now, **wanted
        )
        report.add("relationship_created", label, graph.status)
        return relationship
    changed = [name for name, value in wanted.items() if getattr(relationship, name) != value]
    if changed:
        for name, value in wanted.items():
            setattr(relationship, name, value)
        relationship.synced_at = now
        relationship.save()
        report.add("relationship_updated", label, ", ".join(changed))
    else:
        report.count("relationship_unchanged")
    return relationship


def _customer_apply(customer: Customer, report: SyncReport, now: datetime.datetime) -> None:
    state = access_state_for(customer, now=now)
    wanted: dict[str, object] = {
        "delegated_access": state.access,
        "gdap_roles": list(state.roles),
        "gdap_expires_on": timezone.localdate(state.ends_at) if state.ends_at else None,
        "gdap_holder": ", ".join(state.holders)[:200],
    }
    changed = {name: value for name, value in wanted.items() if getattr(customer, name) != value}
    if not changed:
        return
    if "delegated_access" in changed:
        changed["delegated_access_changed_at"] = now
        changed["delegated_access_changed_by"] = f"GDAP ({state.reason})"
        report.add(
            "access_changed",
            f"{customer.name} ({customer.tenant_id})",
            f"{customer.delegated_access} → {state.access} ({state.reason})",
        )
    contract_services.customer_update(customer=customer, **changed)


def _mail_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def _warn(
    relationship: GdapRelationship,
    customer: Customer,
    end_at: datetime.datetime,
    threshold: int,
    report: SyncReport,
    now: datetime.datetime,
) -> None:
    """The desk's leads (in-app and by mail) and the reseller's webhooks hear of it."""
    days_left = max((end_at - now).days, 0)

    def title_text() -> str:
        return _("【GDAP】%(customer)s の委任アクセスが %(date)s に終了します（自動延長なし）") % {
            "customer": customer.name,
            "date": timezone.localtime(end_at).strftime("%Y-%m-%d %H:%M"),
        }

    with translation.override(settings.LANGUAGE_CODE):
        title = title_text()
        body = _(
            "リレーションシップ「%(name)s」はあと %(days)s 日で終了し、自動延長されません。"
            "終了すると委任アクセスは失効します（第4条4.1）。保持ロール: %(roles)s"
        ) % {
            "name": relationship.display_name or relationship.relationship_id,
            "days": days_left,
            "roles": ", ".join(role_name(r) for r in relationship.role_ids) or "—",
        }
    key = f"gdap:{relationship.pk}:{threshold}:{end_at:%Y%m%d%H%M}"
    recipients = (
        get_user_model()
        .objects.filter(groups__name__in=WARNING_ROLES, is_active=True)
        .distinct()
        .order_by("pk")
    )
    for user in recipients:
        notification_create(
            recipient=user, title=title_text, kind="gdap_expiring", body=body, dedup_key=key
        )
        if user.email:
            outbox_enqueue(
                channel=OutboxMessage.Channel.EMAIL,
                dedup_key=f"email:{key}:user:{user.pk}",
                payload={
                    "to": [user.email],
                    "subject": title,
                    "text": body,
                    "html": None,
                    "headers": {},
                    "message_id": make_msgid(
                        idstring=f"gdap.{relationship.pk}", domain=_mail_domain()
                    ),
                    "in_reply_to": None,
                    "references": [],
                },
            )
    webhook_deliveries_enqueue_for_reseller(
        reseller_id=customer.reseller_id,
        event=WebhookEvent.CUSTOMER_GDAP_EXPIRING,
        key=key,
        data={
            "customer_id": customer.pk,
            "tenant_id": str(customer.tenant_id),
            "relationship": relationship.display_name or relationship.relationship_id,
            "ends_at": timezone.localtime(end_at).isoformat(),
            "days_left": days_left,
            "auto_extend": False,
            "roles": [role_name(r) for r in relationship.role_ids],
        },
    )
    report.add("gdap_warning", f"{customer.name}: {relationship.display_name}", f"{threshold}d")


def _warnings(relationship: GdapRelationship, report: SyncReport, now: datetime.datetime) -> None:
    customer, end_at = relationship.customer, relationship.end_at
    if customer is None or end_at is None:
        return  # no one to warn about, or nothing ends
    due = warning_thresholds_due(
        facts(relationship), thresholds=list(settings.GDAP_WARNING_DAYS), now=now
    )
    if not due:
        return
    done = set(
        GdapWarning.objects.filter(relationship=relationship, end_at=end_at).values_list(
            "threshold_days", flat=True
        )
    )
    new = [t for t in due if t not in done]
    if not new:
        return
    # Thresholds crossed together (a first sync 5 days before the end) warn once, the nearest.
    nearest = min(new)
    for threshold in new:
        GdapWarning.objects.create(
            relationship=relationship,
            threshold_days=threshold,
            end_at=end_at,
            sent=threshold == nearest,
        )
    _warn(relationship, customer, end_at, nearest, report, now)


def gdap_sync(
    *, client: GraphClient, dry_run: bool = False, now: datetime.datetime | None = None
) -> SyncReport:
    now = now or timezone.now()
    report = SyncReport()
    listing = client.delegated_admin_relationships()
    report.reject(listing.rejected)
    report.count("relationships_seen", len(listing.items))
    if dry_run:
        with transaction.atomic():
            _apply(listing.items, report, now)
            transaction.set_rollback(True)
        return report
    run = sync_run_start(kind=SyncRun.Kind.GDAP, now=now)
    try:
        _apply(listing.items, report, now)
    except BaseException as failure:
        sync_run_finish(run=run, report=report, error=repr(failure))
        raise
    sync_run_finish(run=run, report=report)
    return report


def _apply(items: list[GraphRelationship], report: SyncReport, now: datetime.datetime) -> None:
    by_tenant: dict[uuid.UUID, list[GraphRelationship]] = defaultdict(list)
    for item in items:
        by_tenant[item.customer_tenant_id].append(item)
    customers = {c.tenant_id: c for c in Customer.objects.filter(tenant_id__in=list(by_tenant))}
    seen = {item.id for item in items}
    # Customers Microsoft knows: the listed tenants, Partner Center's, and earlier ones.
    known = set(
        Customer.objects.filter(partner_center__isnull=False).values_list("pk", flat=True)
    ) | set(
        GdapRelationship.objects.filter(customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    known |= {c.pk for c in customers.values()}
    for tenant_id, graph_items in by_tenant.items():
        customer = customers.get(tenant_id)
        if customer is None:
            report.count("relationship_unmapped", len(graph_items))
    for customer_id in sorted(known):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            for item in by_tenant.get(customer.tenant_id, []):
                _upsert(item, customer, report, now)
            for gone in customer.gdap_relationships.exclude(relationship_id__in=seen).exclude(
                status=ABSENT
            ):
                gone.status = ABSENT
                gone.synced_at = now
                gone.save()
                report.add(
                    "relationship_updated", gone.display_name or gone.relationship_id, ABSENT
                )
            _customer_apply(customer, report, now)
            for relationship in customer.gdap_relationships.all():
                _warnings(relationship, report, now)
    # Relationships of tenants that are not our customers are kept too (they may become ours).
    for tenant_id, graph_items in by_tenant.items():
        if tenant_id not in customers:
            with transaction.atomic():
                for item in graph_items:
                    _upsert(item, None, report, now)
