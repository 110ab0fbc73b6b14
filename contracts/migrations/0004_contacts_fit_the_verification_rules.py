"""Existing contacts made to fit the rules 0005 puts in the database (DOMAIN.md §12).

- An address shared by several active contacts: which of them is the person's real home cannot
  be told from the data (the later claim may be the hijack), so none is guessed: all of them
  are deactivated, with a history row saying why, and the desk re-activates the right one.
- `global_admin_verified_at` was set without anyone recording who verified or how: it is not a
  desk verification, and is cleared.

Reversing changes no row back: the deactivated contacts stay inactive (safe either way)."""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

REASON = "DOMAIN.md §12: address shared by several active contacts"


def forwards(apps, schema_editor):
    Contact = apps.get_model("contracts", "Contact")
    HistoricalContact = apps.get_model("contracts", "HistoricalContact")
    shared = (
        Contact.objects.filter(is_active=True)
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .values_list("address", flat=True)
    )
    duplicates = list(
        Contact.objects.annotate(address=Lower("email")).filter(
            is_active=True, address__in=list(shared)
        )
    )
    now = timezone.now()
    field_names = [
        field.attname for field in Contact._meta.concrete_fields if field.attname != "id"
    ]
    for contact in duplicates:
        contact.is_active = False
        contact.save(update_fields=["is_active"])
        HistoricalContact.objects.create(
            id=contact.id,
            history_date=now,
            history_type="~",
            history_change_reason=REASON,
            **{name: getattr(contact, name) for name in field_names},
        )
    Contact.objects.filter(
        global_admin_verified_at__isnull=False, global_admin_verification_method=""
    ).update(global_admin_verified_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0003_contact_verification_customer_domains"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
