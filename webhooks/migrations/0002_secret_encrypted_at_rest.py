"""Webhook secrets encrypted at rest: the column becomes text holding a Fernet token, and the
rows written before are encrypted in place (reading a plain value still works meanwhile:
the field returns what it cannot decrypt as it is)."""

import encrypted_fields.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor) -> None:
    Webhook = apps.get_model("webhooks", "Webhook")
    for webhook in Webhook.objects.using(schema_editor.connection.alias).only("pk", "secret"):
        # Read decrypts (or passes a plain value through); update() encrypts.
        Webhook.objects.filter(pk=webhook.pk).update(secret=webhook.secret)


def decrypt_existing(apps, schema_editor) -> None:
    Webhook = apps.get_model("webhooks", "Webhook")
    table = schema_editor.quote_name(Webhook._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for webhook in Webhook.objects.using(schema_editor.connection.alias).only("pk", "secret"):
            cursor.execute(
                f"UPDATE {table} SET secret = %s WHERE id = %s", [webhook.secret, webhook.pk]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=encrypted_fields.fields.EncryptedCharField(
                max_length=200, verbose_name="署名用シークレット"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
