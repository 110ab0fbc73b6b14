"""DOMAIN.md §12 in the database: an address belongs to at most one active contact, and a
desk verification always says how it was done. 0004 made the existing rows fit."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0004_contacts_fit_the_verification_rules"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), condition=models.Q(('is_active', True)), name='contact_email_unique_active'),
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('global_admin_verification_method', ''), ('global_admin_verified_at__isnull', True)), models.Q(('global_admin_verified_at__isnull', False), models.Q(('global_admin_verification_method', ''), _negated=True)), _connector='OR'), name='contact_verification_has_method'),
        ),
    ]
