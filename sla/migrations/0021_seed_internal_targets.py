"""Seed sensible internal targets (社内目標, DOMAIN.md point 13) into every policy: the terms'
first-response cells (PolicyRule) are not touched. Reversible: backwards deletes the seeded
rows.

Next reply (after each customer message that follows an agent's reply): 重大 2 hours of wall
clock, 高 4 business hours, 重大でない the end of the next business day. Resolution: 重大 the end
of the 2nd business day, 高 the end of the 5th, 重大でない the end of the 10th. Both pause while
the ticket waits on the customer (Art. 3.4); the resolution also while it waits on Microsoft
(the next reply does not: the customer is still owed news)."""

from __future__ import annotations

from django.db import migrations

PLANS = ("business_hours", "24x365")
DEFAULTS = {
    ("critical", "next_reply"): ("wall_minutes", 120, True, False),
    ("high", "next_reply"): ("business_minutes", 240, True, False),
    ("non_critical", "next_reply"): ("business_day_end", 1, True, False),
    ("critical", "resolution"): ("business_day_end", 2, True, True),
    ("high", "resolution"): ("business_day_end", 5, True, True),
    ("non_critical", "resolution"): ("business_day_end", 10, True, True),
}


def seed(apps, schema_editor):
    SupportPolicy = apps.get_model("sla", "SupportPolicy")
    InternalTarget = apps.get_model("sla", "InternalTarget")
    for policy in SupportPolicy.objects.all():
        for plan in PLANS:
            for (severity, target), (kind, value, customer, microsoft) in DEFAULTS.items():
                InternalTarget.objects.get_or_create(
                    policy=policy,
                    plan=plan,
                    severity=severity,
                    target=target,
                    defaults={
                        "target_kind": kind,
                        "target_value": value,
                        "pauses_on_customer": customer,
                        "pauses_on_microsoft": microsoft,
                    },
                )


def unseed(apps, schema_editor):
    apps.get_model("sla", "InternalTarget").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0020_internal_targets")]

    operations = [migrations.RunPython(seed, unseed)]
