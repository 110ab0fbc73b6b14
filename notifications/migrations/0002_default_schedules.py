"""The default beat schedules, in the database so admins can change them
(django-celery-beat): the SLA sweeps every minute, the outbox dispatcher every 30 s as the
safety net behind the dispatch enqueued at each commit. A sweep that waited longer than its
period is dropped (expire_seconds): the next one does the same work."""

from django.db import migrations

SCHEDULES = [
    # (name, task, every seconds, expire seconds)
    ("SLA: 期限超過の検出（毎分）", "sla.tasks.breach_sweep", 60, 55),
    ("SLA: エスカレーション（毎分）", "sla.tasks.escalation_sweep", 60, 55),
    ("SLA: 期限間近の警告（毎分）", "sla.tasks.at_risk_sweep", 60, 55),
    ("通知: 送信キューの配信（30秒）", "notifications.tasks.outbox_dispatch", 30, 25),
]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, expire in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": interval, "expire_seconds": expire},
        )


def delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, delete)]
