"""Seed the internal targets' own rows of the escalation matrix (社内目標, DOMAIN.md point 13).
The terms' first-response rows are untouched (they became target `first_response`). Reversible:
backwards deletes the seeded rows.

Next reply: 重大 supervisors at the breach, managers 2 hours later; 高 supervisors an hour after
the breach, in business hours. Resolution: 重大 supervisors at the breach, managers 4 hours
later; 高 supervisors at the breach and managers a business day (8 hours) later, in business
hours; 重大でない supervisors at the breach, in business hours. The assignee (or, unassigned,
the supervisors) is alerted by the breach itself."""

from __future__ import annotations

from django.db import migrations

# (target, severity, level, delay after the target's due instant in minutes, audience,
#  wait for business hours)
ESCALATION = [
    ("next_reply", "critical", 1, 0, "supervisors", False),
    ("next_reply", "critical", 2, 120, "managers", False),
    ("next_reply", "high", 1, 60, "supervisors", True),
    ("resolution", "critical", 1, 0, "supervisors", False),
    ("resolution", "critical", 2, 240, "managers", False),
    ("resolution", "high", 1, 0, "supervisors", True),
    ("resolution", "high", 2, 480, "managers", True),
    ("resolution", "non_critical", 1, 0, "supervisors", True),
]


def seed(apps, schema_editor):
    EscalationRule = apps.get_model("sla", "EscalationRule")
    for target, severity, level, delay, audience, wait in ESCALATION:
        EscalationRule.objects.get_or_create(
            target=target,
            severity=severity,
            level=level,
            defaults={
                "delay_minutes": delay,
                "audience": audience,
                "wait_for_business_hours": wait,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("sla", "EscalationRule").objects.filter(
        target__in=["next_reply", "resolution"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0080_escalation_rule_target")]

    operations = [migrations.RunPython(seed, unseed)]
