"""Once created the default beat schedules. They now live in one place, the setting
CELERY_BEAT_SCHEDULE (helpdesk/settings.py), which beat writes into the database when it starts;
this migration stays, empty, so that the migration graph of existing databases is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations: list[migrations.operations.base.Operation] = []
