"""Thin Celery tasks over the Microsoft syncs; each does nothing without the settings."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from microsoft.clients import graph_client, partner_center_client, transport_open
from microsoft.http import MicrosoftUnavailable, microsoft_configured
from microsoft.incidents import service_health_sync
from microsoft.runs import SyncAlreadyRunning
from microsoft.service_requests import (
    CredentialMissing,
    MicrosoftUnreachable,
    service_requests_poll,
    support_topics_refresh,
    user_client,
)
from microsoft.sync_customers import partner_center_sync, partner_center_sync_customer
from microsoft.sync_gdap import gdap_sync

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def partner_center_sync_all() -> None:
    if not microsoft_configured():
        logger.info("Microsoft settings not set: Partner Center not synced")
        return
    try:
        with transport_open() as transport:
            partner_center_sync(client=partner_center_client(transport))
    except SyncAlreadyRunning:
        logger.info("a Partner Center sync is already running")


@shared_task(
    ignore_result=True,
    autoretry_for=(MicrosoftUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def partner_center_sync_customer_task(tenant_id: str) -> None:
    if not microsoft_configured():
        return
    with transport_open() as transport:
        partner_center_sync_customer(
            client=partner_center_client(transport), tenant_id=uuid.UUID(tenant_id)
        )


@shared_task(ignore_result=True)
def gdap_sync_all() -> None:
    if not microsoft_configured():
        logger.info("Microsoft settings not set: GDAP not synced")
        return
    try:
        with transport_open() as transport:
            gdap_sync(client=graph_client(transport))
    except SyncAlreadyRunning:
        logger.info("a GDAP sync is already running")


@shared_task(ignore_result=True)
def service_requests_poll_all() -> int:
    """Status and new notes of the service requests open tickets wait on. Without a usable
    refresh token nothing is called (an admin was told when it was refused)."""
    if not microsoft_configured():
        return 0
    with transport_open() as transport:
        try:
            client = user_client(transport)
            support_topics_refresh(client=client)
        except (CredentialMissing, MicrosoftUnreachable):
            return 0
        return service_requests_poll(client=client)


@shared_task(ignore_result=True)
def service_health_sync_all() -> None:
    if not microsoft_configured():
        return
    try:
        with transport_open() as transport:
            service_health_sync(client=graph_client(transport))
    except SyncAlreadyRunning:
        logger.info("a service health poll is already running")
