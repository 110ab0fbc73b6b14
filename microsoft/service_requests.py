"""Escalating a ticket to Microsoft: a Partner Center service request created from the ticket
or an existing one linked by number, its status and notes pulled back into the ticket.

Service requests need App+User credentials: a refresh token (set with `manage.py
partner_center_refresh_token`), stored encrypted and replaced by the one Microsoft returns at
each use. A refused token (expired, revoked) is recorded, admins are told once, and nothing
calls Microsoft with it again until a new one is set: never a loop of failing calls."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from helpdesk.exceptions import DomainError
from helpdesk.history import history_user_set
from microsoft.clients import transport_open
from microsoft.http import (
    MicrosoftAuthError,
    MicrosoftError,
    TokenResponse,
    Transport,
    microsoft_configured,
)
from microsoft.models import (
    PartnerCenterCredential,
    ServiceRequest,
    ServiceRequestNote,
    SupportTopic,
)
from microsoft.partner_center import PartnerCenterClient, RefreshTokenSource
from microsoft.partner_center import ServiceRequest as PcServiceRequest
from notifications.services import notification_create
from sla.models import Severity
from tickets import services as ticket_services
from tickets.events import event_record
from tickets.exceptions import InvalidTransition
from tickets.models import OPEN_STATUSES, Message, Status, Ticket, TicketEvent
from tickets.workflow import can_transition

logger = logging.getLogger(__name__)

# Art. 3.3 severities in Partner Center's words (Microsoft's Sev A / B / C).
SEVERITY_TO_MICROSOFT: dict[str, str] = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "moderate",
    Severity.NON_CRITICAL: "minimal",
}
TOPICS_MAX_AGE = datetime.timedelta(days=1)


class MicrosoftUnreachable(DomainError):
    code = "microsoft_unavailable"
    status_code = 503
    message_ja = "Microsoft（Partner Center）に接続できません。しばらくしてから再試行してください。"
    message_en = "Microsoft (Partner Center) cannot be reached; try again later."


class CredentialMissing(DomainError):
    code = "partner_center_credential_missing"
    status_code = 409
    message_ja = (
        "Partner Center の App+User 資格情報（リフレッシュ トークン）が未設定か、"
        "期限切れ・取り消しです。管理者に再設定を依頼してください。"
    )
    message_en = (
        "The Partner Center App+User credential (refresh token) is missing, expired or "
        "revoked; ask an admin to set a new one."
    )


class ServiceRequestUnknown(DomainError):
    code = "service_request_unknown"
    message_ja = "この番号のサービス リクエストは Partner Center にありません。"
    message_en = "Partner Center has no service request with this number."


class ServiceRequestTaken(DomainError):
    code = "service_request_taken"
    status_code = 409
    message_ja = "このサービス リクエストは別のチケットに関連付けられています。"
    message_en = "This service request is linked to another ticket."


# --- the refresh token ---------------------------------------------------------------------------


def credential_current() -> PartnerCenterCredential | None:
    return PartnerCenterCredential.objects.order_by("pk").first()


@transaction.atomic
def credential_set(*, refresh_token: str, actor=None) -> PartnerCenterCredential:
    credential = PartnerCenterCredential.objects.select_for_update().order_by("pk").first()
    credential = credential or PartnerCenterCredential()
    credential.refresh_token = refresh_token
    credential.status = PartnerCenterCredential.Status.OK
    credential.last_error = ""
    history_user_set(credential, actor)
    credential.save()
    return credential


def _token_saved(answer: TokenResponse) -> None:
    """Keep the refresh token Microsoft just returned: the old one stops working."""
    changes: dict[str, object] = {"last_refreshed_at": timezone.now()}
    if answer.refresh_token:
        changes["refresh_token"] = answer.refresh_token
    credential = credential_current()
    if credential is not None:
        for name, value in changes.items():
            setattr(credential, name, value)
        credential.save(update_fields=[*changes, "updated_at"])


def _admins():
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN), is_active=True)
        .distinct()
        .order_by("pk")
    )


def credential_refused(*, error: MicrosoftAuthError) -> None:
    """Record the refusal and tell the admins, once per refused token."""
    credential = credential_current()
    if credential is None or credential.status == PartnerCenterCredential.Status.REFUSED:
        return
    credential.status = PartnerCenterCredential.Status.REFUSED
    credential.last_error = str(error)[:2000]
    credential.save(update_fields=["status", "last_error", "updated_at"])

    def title() -> str:
        return _("Partner Center の App+User 資格情報が拒否されました")

    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "リフレッシュ トークンが期限切れか取り消されています。サービス リクエストの作成と"
            "状態の取得は、新しいトークンを設定するまで止まります: "
            "python manage.py partner_center_refresh_token"
        )
    marker = hashlib.sha256(f"{credential.pk}:{credential.updated_at}".encode()).hexdigest()[:16]
    for admin in _admins():
        notification_create(
            recipient=admin,
            title=title,
            kind="partner_center_credential",
            body=f"{body}\n{error}",
            dedup_key=f"pc-credential:{marker}",
        )
    logger.error("Partner Center refresh token refused: %s", error)


def _refresh_token_load() -> str:
    """The newest refresh token, read when a token is needed (another worker may have
    rotated it); CredentialMissing once the credential is gone."""
    credential = credential_current()
    if credential is None:
        raise CredentialMissing()
    return credential.refresh_token


def user_client(transport: Transport) -> PartnerCenterClient:
    """A Partner Center client with App+User tokens; CredentialMissing without a usable
    refresh token."""
    credential = credential_current()
    if credential is None or credential.status != PartnerCenterCredential.Status.OK:
        raise CredentialMissing()
    source = RefreshTokenSource(transport, load=_refresh_token_load, save=_token_saved)
    return PartnerCenterClient(transport, user_tokens=source)


def _call(function, *args, **kwargs):
    """Call Microsoft; its failures become the errors an agent reads."""
    try:
        return function(*args, **kwargs)
    except MicrosoftAuthError as error:
        if error.error in ("invalid_grant", "interaction_required", "invalid_client"):
            credential_refused(error=error)
            raise CredentialMissing() from error
        raise MicrosoftUnreachable() from error
    except MicrosoftError as error:
        raise MicrosoftUnreachable() from error


# --- support topics ------------------------------------------------------------------------------


def support_topics_refresh(*, client: PartnerCenterClient, force: bool = False) -> int:
    """Microsoft's topics, at most once a day unless forced; returns how many are active."""
    newest = SupportTopic.objects.order_by("-updated_at").values_list("updated_at", flat=True)
    latest = newest.first()
    if not force and latest is not None and timezone.now() - latest < TOPICS_MAX_AGE:
        return SupportTopic.objects.filter(is_active=True).count()
    listing = _call(client.support_topics)
    with transaction.atomic():
        seen = []
        for topic in listing.items:
            SupportTopic.objects.update_or_create(
                topic_id=topic.id,
                defaults={"name": topic.name, "description": topic.description, "is_active": True},
            )
            seen.append(topic.id)
        SupportTopic.objects.exclude(topic_id__in=seen).update(is_active=False)
    return len(seen)


def support_topics_active():
    return SupportTopic.objects.filter(is_active=True)


# --- from the ticket -----------------------------------------------------------------------------


def _check_can_wait(ticket: Ticket) -> None:
    """The workflow's refusal, before Microsoft is called (no orphan request at Microsoft's)."""
    if not can_transition(ticket.status, Status.WAITING_ON_MICROSOFT):
        raise InvalidTransition(fields={"status": [InvalidTransition.code]})


def service_request_description(ticket: Ticket, description: str) -> str:
    """What Microsoft reads: the customer's tenant first, so the engineer knows whose it is."""
    customer = ticket.customer
    return (
        f"Customer: {customer.name}\nTenant ID: {customer.tenant_id}\n"
        f"Domain: {customer.primary_domain}\nHelpdesk ticket: {ticket.number}\n\n{description}"
    )


def service_request_open(
    *,
    client: PartnerCenterClient,
    ticket: Ticket,
    title: str,
    description: str,
    support_topic: SupportTopic,
    actor=None,
) -> ServiceRequest:
    """Create a service request for the ticket's customer and wait on Microsoft with it."""
    _check_can_wait(ticket)
    created = _call(
        client.service_request_create,
        title=title.strip()[:255],
        description=service_request_description(ticket, description.strip()),
        severity=SEVERITY_TO_MICROSOFT[ticket.severity],
        support_topic_id=support_topic.topic_id,
    )
    return _record(ticket=ticket, found=created, actor=actor, linked=False)


def service_request_link(
    *, client: PartnerCenterClient | None, ticket: Ticket, request_id: str, actor=None
) -> ServiceRequest | Ticket:
    """Wait on Microsoft with an existing service request. With Microsoft connected it must
    exist there, and it is followed like a created one; without, the number is kept as the
    case number, as before the integration."""
    request_id = request_id.strip()
    if client is None:
        return ticket_services.ticket_wait_on_microsoft(
            ticket=ticket, case_number=request_id, actor=actor
        )
    _check_can_wait(ticket)
    try:
        found = _call(client.service_request, request_id)
    except MicrosoftUnreachable as error:
        status = getattr(error.__cause__, "status", None)
        if status in (400, 404):
            raise ServiceRequestUnknown(
                fields={"case_number": [ServiceRequestUnknown.code]}
            ) from None
        raise
    return _record(ticket=ticket, found=found, actor=actor, linked=True)


@transaction.atomic
def _record(*, ticket: Ticket, found: PcServiceRequest, actor, linked: bool) -> ServiceRequest:
    existing = ServiceRequest.objects.filter(request_id=found.id).first()
    if existing is not None and existing.ticket_id != ticket.pk:
        raise ServiceRequestTaken(fields={"case_number": [ServiceRequestTaken.code]})
    request = existing or ServiceRequest(ticket=ticket, request_id=found.id)
    request.title = found.title
    request.severity = found.severity
    request.support_topic_name = found.support_topic_name
    request.status = found.status if found.status in ServiceRequest.Status.values else "none"
    request.created_by = actor if getattr(actor, "is_authenticated", False) else None
    request.linked = linked
    request.last_polled_at = timezone.now()
    history_user_set(request, request.created_by)
    request.save()
    # Notes already on the request when it is linked are copied too.
    _notes_copy(request, found)
    ticket_services.ticket_wait_on_microsoft(ticket=ticket, case_number=found.id, actor=actor)
    return request


def _note_key(note) -> str:
    raw = f"{note.created_at.isoformat() if note.created_at else ''}|{note.created_by}|{note.text}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _notes_copy(request: ServiceRequest, found: PcServiceRequest) -> int:
    known = set(request.notes.values_list("note_key", flat=True))
    added = 0
    for note in found.notes:
        key = _note_key(note)
        if key in known:
            continue
        when = (
            timezone.localtime(note.created_at).strftime("%Y-%m-%d %H:%M")
            if note.created_at
            else ""
        )
        with translation.override(settings.LANGUAGE_CODE):
            header = _("Microsoft サービス リクエスト %(id)s のメモ（%(author)s, %(when)s）") % {
                "id": request.request_id,
                "author": note.created_by or "Microsoft",
                "when": when,
            }
        message = ticket_services.message_add(
            ticket=request.ticket,
            kind=Message.Kind.INTERNAL_NOTE,
            body=f"{header}\n\n{note.text}",
            move_status=False,
        )
        ServiceRequestNote.objects.create(service_request=request, note_key=key, message=message)
        known.add(key)
        added += 1
    return added


@transaction.atomic
def service_request_update(
    *, request: ServiceRequest, found: PcServiceRequest, now: datetime.datetime
) -> bool:
    """Apply what Microsoft says of the request; True when something changed."""
    request = ServiceRequest.objects.select_for_update().select_related("ticket").get(pk=request.pk)
    changed = _notes_copy(request, found) > 0
    status = found.status if found.status in ServiceRequest.Status.values else "none"
    if status != request.status:
        previous = request.status
        request.status = status
        if status == ServiceRequest.Status.CLOSED:
            request.closed_at_microsoft = found.last_closed_at or now
        elif previous == ServiceRequest.Status.CLOSED:
            request.closed_at_microsoft = None
        event_record(
            ticket=request.ticket,
            kind=TicketEvent.Kind.UPDATED,
            data={
                "field": "microsoft_service_request_status",
                "service_request": request.request_id,
                "from": previous,
                "to": status,
            },
        )
        if status in (ServiceRequest.Status.ATTENTION_NEEDED, ServiceRequest.Status.CLOSED):
            _tell_assignee(request, status, found)
        changed = True
    request.last_polled_at = now
    request.save()
    return changed


def _tell_assignee(request: ServiceRequest, status: str, found: PcServiceRequest) -> None:
    ticket = request.ticket
    assignee = ticket.assignee
    if assignee is None or not assignee.is_active:
        return

    def title() -> str:
        if status == ServiceRequest.Status.ATTENTION_NEEDED:
            return _("%(number)s: Microsoft がサービス リクエスト %(id)s で対応を求めています") % {
                "number": ticket.number,
                "id": request.request_id,
            }
        return _(
            "%(number)s: Microsoft がサービス リクエスト %(id)s をクローズしました"
            "（チケットは自動では解決されません）"
        ) % {"number": ticket.number, "id": request.request_id}

    moment = found.last_modified_at.isoformat() if found.last_modified_at else ""
    notification_create(
        recipient=assignee,
        title=title,
        kind=f"service_request_{status}",
        ticket=ticket,
        dedup_key=f"sr:{request.pk}:{status}:{moment}",
    )


def service_requests_poll(
    *, client: PartnerCenterClient, now: datetime.datetime | None = None
) -> int:
    """Pull each followed request of an open ticket; returns how many changed. A request
    Microsoft no longer answers for is skipped until the next poll."""
    now = now or timezone.now()
    changed = 0
    for request in ServiceRequest.objects.filter(ticket__status__in=OPEN_STATUSES).order_by("pk"):
        try:
            found = _call(client.service_request, request.request_id)
        except CredentialMissing:
            return changed
        except MicrosoftUnreachable:
            logger.warning("service request %s not polled", request.request_id, exc_info=True)
            continue
        changed += service_request_update(request=request, found=found, now=now)
    return changed


# --- the workspace's "Microsoft 回答待ちにする" ------------------------------------------------


def escalation_connected() -> bool:
    """Service requests can be created and followed: Microsoft is configured and the App+User
    credential has not been refused."""
    credential = credential_current()
    return (
        microsoft_configured()
        and credential is not None
        and credential.status == PartnerCenterCredential.Status.OK
    )


def escalation_topics() -> list[SupportTopic] | None:
    """The topics to choose from, or None when service requests cannot be created."""
    if not escalation_connected():
        return None
    return list(support_topics_active())


def ticket_escalate(
    *,
    ticket: Ticket,
    mode: str,
    case_number: str = "",
    title: str = "",
    description: str = "",
    topic_id: str = "",
    actor=None,
) -> ServiceRequest | Ticket:
    """Wait on Microsoft: with a new service request ("create"), or an existing request or
    case number ("link"). Without the connection, the number is kept as before."""
    if not escalation_connected():
        if mode == "create":
            raise CredentialMissing()
        return service_request_link(client=None, ticket=ticket, request_id=case_number, actor=actor)
    with transport_open() as transport:
        client = user_client(transport)
        if mode == "create":
            topic = SupportTopic.objects.filter(topic_id=topic_id, is_active=True).first()
            if topic is None:
                raise ServiceRequestUnknown(
                    "サポート トピックを選択してください。",
                    "Choose a support topic.",
                    fields={"support_topic": ["invalid_choice"]},
                )
            return service_request_open(
                client=client,
                ticket=ticket,
                title=title,
                description=description,
                support_topic=topic,
                actor=actor,
            )
        return service_request_link(
            client=client, ticket=ticket, request_id=case_number, actor=actor
        )
