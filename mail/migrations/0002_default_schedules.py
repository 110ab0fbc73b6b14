"""The email channel's beat schedules, in the database so admins can change them: the
mailbox is read every minute (a poll that waited longer is dropped: the next one reads the
same unseen mail), and waiting customers are reminded every 15 minutes."""

from django.db import migrations

SCHEDULES = [
    # (name, task, every seconds, expire seconds)
    ("メール: 受信メールの取り込み（毎分）", "mail.tasks.mailbox_poll", 60, 55),
    ("メール: お客様回答待ちのリマインダー（15分）", "mail.tasks.waiting_reminders_send", 900, 850),
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
        ("mail", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, delete)]
