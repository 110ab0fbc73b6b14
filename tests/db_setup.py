"""The test database is built from the models, then given what the migrations add to them.

Applying the migrations one by one cost 35 s of CPU per test database (each xdist worker, each
run without a reusable database): Django re-renders the related historical models of the
migration state after nearly every operation, and simple-history's models relate to almost
everything. The settings (`helpdesk.settings_test`) therefore create the tables straight from
the models (`TEST["MIGRATE"] = False`, a second or two) and this module completes them:

- every migration is recorded as applied, so the tests of a migration (which migrate back to
  the state before it and forward again) find the graph where a migrated database has it;
- every data operation of the project's migrations runs, in the graph's order, against the
  current models: the seeds (the terms' policy and calendar, the roles, templates, internal
  targets) and the SQL that no model states (PostgreSQL's exclusion constraints and GIN
  indexes). A data migration that transforms existing rows finds none and does nothing.

What this skips is the check that the migrations build the models' schema: CI's
`makemigrations --check` says the migrations state the models, and the SQLite concurrency test
(tests/worker/test_sqlite.py) and the migration tests run real migrations."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import connection
from django.db.migrations import RunPython, RunSQL
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from helpdesk.settings import BASE_DIR


def _project_app(app_label: str) -> bool:
    config = global_apps.get_app_config(app_label)
    return config.path.startswith(str(BASE_DIR)) and ".venv" not in config.path


def complete_after_syncdb() -> bool:
    """Record the migrations and run their data operations, once, on a database built from the
    models; False when the database already records migrations (built by migrating, or
    completed by an earlier run and reused)."""
    recorder = MigrationRecorder(connection)
    if recorder.has_table() and recorder.migration_qs.exists():
        return False
    executor = MigrationExecutor(connection)
    plan = [
        migration
        for migration, _ in executor.migration_plan(
            executor.loader.graph.leaf_nodes(), clean_start=True
        )
    ]
    state = ProjectState(real_apps=set(executor.loader.unmigrated_apps))
    with connection.schema_editor(atomic=connection.features.can_rollback_ddl) as editor:
        for migration in plan:
            if not _project_app(migration.app_label):
                continue
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    # The current models stand in for the migration's historical ones.
                    operation.code(global_apps, editor)  # type: ignore[arg-type]
                elif isinstance(operation, RunSQL):
                    operation.database_forwards(migration.app_label, editor, state, state)
    recorder.ensure_schema()
    for migration in plan:
        recorder.record_applied(migration.app_label, migration.name)
    if hasattr(connection, "_test_serialized_contents"):
        # Django copied the database for serialized-rollback tests when it created it, before
        # the seeds were there: copy it again.
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    return True
