"""Writes of reports: the monthly report mail to each reseller that opted in."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mail.rendering import mail_render
from mail.services import email_payload
from notifications.services import outbox_enqueue
from reports.models import ResellerReportSetting
from reports.periods import previous_month
from reports.selectors import columns, sla_report
from sla.deadlines import OutOfCalendarRange, business_seconds_many
from sla.selectors import calendar_current
from tickets import clocks
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


def business_seconds_backfill(*, batch_size: int = 5000) -> int:
    """Store the business seconds of first responses and fulfilled targets given before the
    columns existed (`reports.selectors` computes those rows itself, slower): by primary key
    in batches, with the current business calendar. Returns the rows written."""
    from django.db import connection

    from tickets.models import TicketClock

    calendar = calendar_current()
    written = 0
    sources: list[tuple[Any, str, str, str]] = [
        (Ticket, "received_at", "first_responded_at", "first_response_business_seconds"),
        (TicketClock, "started_at", "fulfilled_at", "business_seconds"),
    ]
    for model, start, end, stored in sources:
        pending = model.objects.filter(
            **{f"{start}__isnull": False, f"{end}__isnull": False, f"{stored}__isnull": True}
        )
        last = 0
        while True:
            rows = list(
                pending.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", start, end)[:batch_size]
            )
            if not rows:
                break
            last = rows[-1][0]
            try:
                seconds: list[int | None] = list(
                    business_seconds_many(((row[1], row[2]) for row in rows), calendar)
                )
            except OutOfCalendarRange:
                seconds = [clocks.business_seconds_elapsed(row[1], row[2]) for row in rows]
            ids = [row[0] for row in rows]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {model._meta.db_table} SET {stored} = v.seconds "
                        "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, seconds) "
                        f"WHERE {model._meta.db_table}.id = v.id",
                        [ids, seconds],
                    )
            else:
                objects = [
                    model(pk=pk, **{stored: value}) for pk, value in zip(ids, seconds, strict=True)
                ]
                model.objects.bulk_update(objects, [stored])
            written += len(rows)
    return written
