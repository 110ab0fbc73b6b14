from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task(ignore_result=True)
def monthly_reports_send() -> int:
    """Hourly: does something only on the first business day of a month (once per reseller)."""
    return services.monthly_reports_send()
