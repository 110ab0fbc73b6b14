"""What a verified Partner Center event sets off: a targeted sync, enqueued after the event
is recorded. The periodic pulls stay: events arrive late, out of order or not at all."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import IntegrityError, transaction

from microsoft import tasks
from microsoft.models import PartnerCenterEvent
from microsoft.shapes import get, text

logger = logging.getLogger(__name__)

_CUSTOMER_IN_URI = re.compile(r"/customers/([0-9a-fA-F-]{36})(?:/|$|\?)")
_GDAP_EVENTS = ("granular-admin-", "dap-admin-")
_CUSTOMER_EVENTS = ("subscription-", "customer-", "reseller-relationship-", "indirect-reseller-")


class EventMalformed(ValueError):
    pass


def _action(name: str, resource_uri: str) -> tuple[str, str | None]:
    if name.startswith(_GDAP_EVENTS):
        return PartnerCenterEvent.Action.GDAP_SYNC, None
    if name.startswith(_CUSTOMER_EVENTS):
        match = _CUSTOMER_IN_URI.search(resource_uri)
        if match:
            return PartnerCenterEvent.Action.CUSTOMER_SYNC, match.group(1).lower()
        return PartnerCenterEvent.Action.FULL_SYNC, None
    return PartnerCenterEvent.Action.NONE, None


def event_receive(*, payload: Any) -> PartnerCenterEvent | None:
    """Record the event and enqueue its sync on commit; None for a repeated delivery."""
    name = text(payload, "EventName", max_length=100).lower()
    if not name:
        raise EventMalformed("EventName")
    resource_uri = text(payload, "ResourceUri", max_length=500)
    action, tenant_id = _action(name, resource_uri)
    try:
        with transaction.atomic():
            event = PartnerCenterEvent.objects.create(
                event_name=name,
                resource_uri=resource_uri,
                resource_name=text(payload, "ResourceName", max_length=100),
                resource_changed_at=str(get(payload, "ResourceChangeUtcDate") or "")[:40],
                action=action,
            )
    except IntegrityError:
        return None
    if action == PartnerCenterEvent.Action.CUSTOMER_SYNC:
        transaction.on_commit(lambda: _enqueue(tasks.partner_center_sync_customer_task, tenant_id))
    elif action == PartnerCenterEvent.Action.FULL_SYNC:
        transaction.on_commit(lambda: _enqueue(tasks.partner_center_sync_all))
    elif action == PartnerCenterEvent.Action.GDAP_SYNC:
        transaction.on_commit(lambda: _enqueue(tasks.gdap_sync_all))
    return event


def _enqueue(task, *args: object) -> None:
    """Best effort: with the broker down the periodic pull does the same work later, and the
    event stays recorded."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception:
        logger.warning("%s not enqueued for a Partner Center event", task.name, exc_info=True)
