"""Microsoft 365 incidents: service health issues polled from the tenants the distributor may
read (its delegated access is in force), the tickets linked to them, one update answered on
every linked ticket through the normal reply path, and their resolution together.

Polling writes one tenant per transaction; the same data twice changes nothing."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from contracts.models import Customer, DelegatedAccess
from helpdesk.exceptions import DomainError
from microsoft.graph import GraphClient, HealthIssue
from microsoft.http import MicrosoftError
from microsoft.models import Incident, IncidentTenant, IncidentTicket, IncidentUpdate, SyncRun
from microsoft.runs import SyncReport, sync_run_finish, sync_run_start
from tickets import services as ticket_services
from tickets.events import event_record
from tickets.exceptions import ReasonRequired
from tickets.models import OPEN_STATUSES, Message, Ticket, TicketEvent

logger = logging.getLogger(__name__)


class IncidentNotResolved(DomainError):
    code = "incident_not_resolved"
    status_code = 409
    message_ja = "Microsoft がまだこのインシデントを解決していません。"
    message_en = "Microsoft has not resolved this incident yet."


class IncidentOtherTenant(DomainError):
    code = "incident_other_tenant"
    message_ja = "このインシデントはチケットの顧客のテナントで報告されていません。"
    message_en = "This incident is not reported in the ticket's customer's tenant."


def _posts(issue: HealthIssue) -> list[dict[str, str]]:
    return [
        {
            "created_at": post.created_at.isoformat() if post.created_at else "",
            "type": post.post_type,
            "text": post.text,
        }
        for post in issue.posts
    ]


def _incident_upsert(issue: HealthIssue, report: SyncReport, now: datetime.datetime) -> Incident:
    wanted = {
        "title": issue.title,
        "service": issue.service,
        "feature": issue.feature,
        "feature_group": issue.feature_group,
        "classification": issue.classification,
        "status": issue.status,
        "impact_description": issue.impact_description,
        "is_resolved": issue.is_resolved,
        "start_at": issue.start_at,
        "end_at": issue.end_at,
        "last_modified_at": issue.last_modified_at,
        "posts": _posts(issue),
    }
    incident = Incident.objects.select_for_update().filter(issue_id=issue.id).first()
    if incident is None:
        incident = Incident.objects.create(
            issue_id=issue.id,
            first_seen_at=now,
            resolved_seen_at=now if issue.is_resolved else None,
            **wanted,
        )
        report.add("incident_created", f"{issue.id} {issue.title}", issue.service)
        return incident
    changed = [name for name, value in wanted.items() if getattr(incident, name) != value]
    if not changed:
        report.count("incident_unchanged")
        return incident
    if issue.is_resolved and not incident.is_resolved:
        incident.resolved_seen_at = now
        report.add("incident_resolved", f"{issue.id} {issue.title}", issue.status)
    elif not issue.is_resolved:
        incident.resolved_seen_at = None
    for name, value in wanted.items():
        setattr(incident, name, value)
    incident.save()
    report.add("incident_updated", f"{issue.id} {issue.title}", ", ".join(changed))
    return incident


def readable_customers() -> Iterable[Customer]:
    """Tenants whose service health the distributor may read: its access is in force there."""
    return Customer.objects.filter(delegated_access=DelegatedAccess.ACTIVE).order_by("pk")


def service_health_sync(*, client: GraphClient, now: datetime.datetime | None = None) -> SyncReport:
    now = now or timezone.now()
    report = SyncReport()
    run = sync_run_start(kind=SyncRun.Kind.SERVICE_HEALTH, now=now)
    try:
        for customer in readable_customers():
            try:
                listing = client.service_health_issues(customer.tenant_id)
            except MicrosoftError as error:
                report.fail(f"{customer.tenant_id}: {error}")
                continue
            report.reject(listing.rejected)
            with transaction.atomic():
                for issue in listing.items:
                    incident = _incident_upsert(issue, report, now)
                    _, created = IncidentTenant.objects.get_or_create(
                        incident=incident, customer=customer, defaults={"first_seen_at": now}
                    )
                    if created:
                        report.add("incident_tenant_added", f"{issue.id}", customer.name)
            report.count("tenants_read")
    except BaseException as failure:
        sync_run_finish(run=run, report=report, error=repr(failure))
        raise
    sync_run_finish(run=run, report=report)
    return report


# --- agents' actions ----------------------------------------------------------------------------


def incidents_active_for(*, customer: Customer):
    """The unresolved incidents Microsoft reports in this customer's tenant."""
    return Incident.objects.filter(is_resolved=False, tenants__customer=customer).distinct()


@transaction.atomic
def incident_link(*, incident: Incident, ticket: Ticket, actor=None) -> IncidentTicket:
    if not incident.tenants.filter(customer_id=ticket.customer_id).exists():
        raise IncidentOtherTenant(fields={"incident": [IncidentOtherTenant.code]})
    link, created = IncidentTicket.objects.get_or_create(
        incident=incident,
        ticket=ticket,
        defaults={"linked_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    if created:
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.UPDATED,
            actor=actor,
            data={"field": "microsoft_incident", "to": incident.issue_id},
        )
    return link


@transaction.atomic
def incident_unlink(*, incident: Incident, ticket: Ticket, actor=None) -> None:
    deleted, _ = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if deleted:
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.UPDATED,
            actor=actor,
            data={"field": "microsoft_incident", "from": incident.issue_id, "to": None},
        )


def incident_post_update(
    *, incident: Incident, tickets: Iterable[Ticket], body: str, actor
) -> IncidentUpdate:
    """One update to the requester of every open linked ticket, each through the normal reply
    path (a first response, the SLA clocks and the mail to the requester all follow)."""
    body = body.strip()
    if not body:
        raise ReasonRequired(
            "本文を入力してください。",
            "The message body is required.",
            fields={"body": ["required"]},
        )
    answered = 0
    for ticket in tickets:
        if ticket.status not in OPEN_STATUSES:
            continue
        ticket_services.message_add(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            body=body,
            author_user=actor,
            actor=actor,
        )
        answered += 1
    return IncidentUpdate.objects.create(
        incident=incident, body=body, author=actor, tickets_answered=answered
    )


def incident_resolve_tickets(*, incident: Incident, tickets: Iterable[Ticket], actor) -> int:
    """Resolve the open linked tickets once Microsoft has resolved the incident."""
    if not incident.is_resolved:
        raise IncidentNotResolved()
    resolved = 0
    for ticket in tickets:
        if ticket.status in OPEN_STATUSES:
            ticket_services.ticket_resolve(ticket=ticket, actor=actor)
            resolved += 1
    return resolved
