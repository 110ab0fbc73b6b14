"""Writes of reports: the monthly report mail to each reseller that opted in."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mail.rendering import mail_render
from mail.services import email_payload
from notifications.services import outbox_enqueue
from reports.models import ResellerReportSetting
from reports.periods import previous_month
from reports.selectors import columns, sla_report
from sla.selectors import calendar_current
from tickets.models import Ticket

# Sent from this hour (JST) of the first business day: the desk is open to answer questions.
SEND_FROM_HOUR = 9


def first_business_day_of_month(day: datetime.date) -> datetime.date:
    """The first business day (DOMAIN.md §3) of `day`'s month, on the business calendar."""
    calendar = calendar_current()
    candidate = day.replace(day=1)
    while not calendar.is_business_day(candidate):
        candidate += datetime.timedelta(days=1)
    return candidate


def monthly_reports_send(*, now: datetime.datetime | None = None) -> int:
    """On the first business day of a month, from SEND_FROM_HOUR, queue last month's report to
    every reseller that opted in; the outbox key makes a rerun (each hour, a second worker)
    send nothing twice. Returns how many mails were queued."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    if local.hour < SEND_FROM_HOUR or today != first_business_day_of_month(today):
        return 0
    period = previous_month(today)
    queued = 0
    for setting in ResellerReportSetting.objects.filter(monthly_mail=True).select_related(
        "reseller"
    ):
        queued += _report_mail(setting=setting, period=period, now=now)
    return queued


@transaction.atomic
def _report_mail(*, setting: ResellerReportSetting, period, now: datetime.datetime) -> int:
    report = sla_report(
        tickets=Ticket.objects.filter(reseller_id=setting.reseller_id), period=period, now=now
    )
    figures = [(str(label), value(report.total)) for _key, label, value in columns()]
    rendered = mail_render(
        key="monthly_report",
        context={
            "reseller_name": setting.reseller.name,
            "month": period.label,
            "figures": figures,
        },
    )
    key = f"mail:report:{setting.reseller_id}:{period.label}"
    payload = email_payload(
        to=[setting.email],
        rendered=rendered,
        message_id=f"<report.{setting.reseller_id}.{period.label}@{settings.MAIL_MESSAGE_ID_DOMAIN}>",
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    _row, created = outbox_enqueue(channel="email", dedup_key=key, payload=payload)
    return 1 if created else 0
