"""The clients wired from the settings, for tasks, commands and views."""

from __future__ import annotations

from microsoft.graph import GraphClient
from microsoft.http import MicrosoftConfig, MicrosoftNotConfigured, Transport
from microsoft.partner_center import PartnerCenterClient


def transport_open() -> Transport:
    """A transport on the settings; MicrosoftNotConfigured without the credentials."""
    config = MicrosoftConfig.from_settings()
    if not config.configured:
        raise MicrosoftNotConfigured(
            "MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET are not set"
        )
    return Transport(config)


def partner_center_client(transport: Transport) -> PartnerCenterClient:
    return PartnerCenterClient(transport)


def graph_client(transport: Transport) -> GraphClient:
    return GraphClient(transport)
