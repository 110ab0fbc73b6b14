"""Exactly one active contract applies to a customer at a moment (PostgreSQL only).

Two exclusion constraints: active reseller-wide contracts of one reseller never overlap in
time, and active customer-specific contracts of one customer never overlap. A customer
contract may overlap its reseller's: it overrides it (contracts.selectors.contract_for).
Other databases rely on contracts.services.contract_save, which checks the same rule."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE contracts_supportcontract ADD CONSTRAINT contract_reseller_no_overlap
       EXCLUDE USING gist (
         reseller_id WITH =,
         daterange(starts_on, ends_on, '[]') WITH &&
       ) WHERE (customer_id IS NULL AND status = 'active')""",
    """ALTER TABLE contracts_supportcontract ADD CONSTRAINT contract_customer_no_overlap
       EXCLUDE USING gist (
         customer_id WITH =,
         daterange(starts_on, ends_on, '[]') WITH &&
       ) WHERE (customer_id IS NOT NULL AND status = 'active')""",
]
DROP = [
    "ALTER TABLE contracts_supportcontract DROP CONSTRAINT IF EXISTS contract_customer_no_overlap",
    "ALTER TABLE contracts_supportcontract DROP CONSTRAINT IF EXISTS contract_reseller_no_overlap",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
