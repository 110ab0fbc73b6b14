"""python manage.py sla_sweep — run the breach, escalation and at-risk sweeps once, now.

For a site without a worker (the development server on SQLite) and for operators who want a
sweep without waiting for beat; the worker runs the same services every minute."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets import escalation


class Command(BaseCommand):
    help = "Mark breaches, fire due escalation levels and at-risk warnings once, now."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        breached = escalation.breaches_mark(now=now)
        escalated = escalation.escalations_fire(now=now)
        warned = escalation.at_risk_warn(now=now)
        self.stdout.write(
            f"breached: {breached.tickets}, escalated levels: {escalated.tickets}, "
            f"at-risk warnings: {warned.tickets}"
        )
