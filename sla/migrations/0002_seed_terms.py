"""Seed the calendar and the policy of the terms (in force from 2021-07-01), reversibly:
Mon–Fri 09:00–17:00, the company holidays Dec 29 – Jan 3, the Art. 3.3 table, and a default
escalation matrix."""

import datetime

from django.db import migrations

TERMS_EFFECTIVE_FROM = datetime.date(2021, 7, 1)
TERMS_NAME = "カスタマー・サポート・サービス約款 (2021-07-01 施行)"

# (plan, severity) -> (reception, target_kind, target_value): Art. 3.3.
TERMS_RULES = {
    ("business_hours", "critical"): ("always", "wall_minutes", 60),
    ("business_hours", "high"): ("business_hours", "none", None),
    ("business_hours", "non_critical"): ("business_hours", "none", None),
    ("24x365", "critical"): ("always", "wall_minutes", 60),
    ("24x365", "high"): ("always", "business_day_end", 1),
    ("24x365", "non_critical"): ("always", "none", None),
}

# (severity, level, delay after breach in minutes, audience, wait for business hours)
ESCALATION = [
    ("critical", 1, 0, "supervisors", False),
    ("critical", 2, 60, "managers", False),
    ("high", 1, 0, "supervisors", True),
    ("high", 2, 240, "managers", True),
]


def seed(apps, schema_editor):
    OpeningHours = apps.get_model("sla", "OpeningHours")
    CompanyHoliday = apps.get_model("sla", "CompanyHoliday")
    SupportPolicy = apps.get_model("sla", "SupportPolicy")
    PolicyRule = apps.get_model("sla", "PolicyRule")
    EscalationRule = apps.get_model("sla", "EscalationRule")

    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            weekday=weekday, opens=datetime.time(9), defaults={"closes": datetime.time(17)}
        )
    CompanyHoliday.objects.get_or_create(
        name="年末年始休業",
        defaults={"start_month": 12, "start_day": 29, "end_month": 1, "end_day": 3},
    )
    policy, _ = SupportPolicy.objects.get_or_create(
        effective_from=TERMS_EFFECTIVE_FROM,
        defaults={"name": TERMS_NAME, "notes": "第3条3.3の表（重大度 × サポートの種類）"},
    )
    for (plan, severity), (reception, kind, value) in TERMS_RULES.items():
        PolicyRule.objects.get_or_create(
            policy=policy,
            plan=plan,
            severity=severity,
            defaults={"reception": reception, "target_kind": kind, "target_value": value},
        )
    for severity, level, delay, audience, wait in ESCALATION:
        EscalationRule.objects.get_or_create(
            severity=severity,
            level=level,
            defaults={
                "delay_minutes": delay,
                "audience": audience,
                "wait_for_business_hours": wait,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("sla", "SupportPolicy").objects.filter(
        effective_from=TERMS_EFFECTIVE_FROM
    ).delete()
    apps.get_model("sla", "CompanyHoliday").objects.filter(name="年末年始休業").delete()
    apps.get_model("sla", "OpeningHours").objects.all().delete()
    apps.get_model("sla", "EscalationRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
