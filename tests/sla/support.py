"""Helpers for the database-level SLA tests: tickets opened through the intake service at a
frozen instant, on a contract of the given plan."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import time_machine

from tests.factories import (
    ContactFactory,
    CustomerFactory,
    ResellerFactory,
    SubscriptionFactory,
    SupportContractFactory,
)
from tickets.models import Category, Channel, Ticket
from tickets.services import ticket_open

TOKYO = ZoneInfo("Asia/Tokyo")


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


def open_ticket(
    *,
    plan: str,
    severity: str,
    submitted_at: datetime.datetime,
    channel: str = Channel.API,
    actor=None,
) -> Ticket:
    """A ticket submitted (and opened) at `submitted_at` by a customer whose reseller holds a
    `plan` contract."""
    with time_machine.travel(submitted_at, tick=False):
        reseller = ResellerFactory()
        SupportContractFactory(reseller=reseller, plan=plan)
        customer = CustomerFactory(reseller=reseller)
        return ticket_open(
            customer=customer,
            subscription=SubscriptionFactory(customer=customer),
            requester=ContactFactory(customer=customer),
            severity=severity,
            category=Category.STANDARD_FEATURE,
            subject="メールが送信できない",
            description="大多数のユーザーでメール送受信ができません。",
            channel=channel,
            actor=actor,
        )
