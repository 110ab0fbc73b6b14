"""Shared fixtures: persona users (agent, supervisor, resellers A and B, outsider) and a
fresh SLA cache per test."""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import settings as hypothesis_settings

from accounts.models import Organisation, Profile
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    OrganisationFactory,
    ResellerFactory,
    SubscriptionFactory,
    SupportContractFactory,
    UserFactory,
)

# --reuse-db (pyproject's addopts) keeps each test database between runs. That is safe only
# while the database holds what its migrations wrote, and nothing else: each database (per
# DATABASE_URL and xdist worker) records the digest of the migrations it was built from, and
# only when a run left it as it found it. A run whose migrations differ, a database never
# recorded (a fresh clone, CI), or one a transactional test has flushed (its rows and the data
# migrations' rows are gone) is built anew. `--create-db` forces it.
_MIGRATIONS_STAMP = "helpdesk/test-database-migrations"
ROOT = Path(__file__).resolve().parents[1]
_flushed: list[str] = []


def _migrations_stamp_key() -> str:
    database = os.environ.get("DATABASE_URL", "sqlite")
    return f"{_MIGRATIONS_STAMP}/{database}/{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def pytest_configure(config: pytest.Config) -> None:
    reusing = config.getoption("reuse_db", False) and not config.getoption("create_db", False)
    cache = getattr(config, "cache", None)  # none under `-p no:cacheprovider`
    recorded = cache.get(_migrations_stamp_key(), None) if cache is not None else None
    if reusing and recorded != _migrations_digest():
        config.option.create_db = True


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _is_transactional(item):
        _flushed.append(item.nodeid)


# Whether a transactional test has flushed the database since its seeds were last written.
_emptied = [False]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """pytest-django runs the transactional tests after the others, as Django does, because
    they end with a flush that empties the tables, the migrations' seeds too. Under
    `--dist worksteal` a worker may still be handed other database tests after them (taken
    from the other worker's queue): before such a test, the seeds are written again."""
    yield
    if _is_transactional(item):
        _emptied[0] = True
    if (
        _emptied[0]
        and nextitem is not None
        and _uses_test_database(nextitem)
        and not _is_transactional(nextitem)
    ):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _reference_data_write(SEED_MIGRATIONS)
        _emptied[0] = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request: pytest.FixtureRequest):
    """pytest-django's database setup (tables from the models), completed with what the
    migrations add (tests/db_setup.py); at the end of the run, the stamp of its migrations if
    no transactional test has flushed it, else none (the next run builds it anew)."""
    from tests.db_setup import complete_after_syncdb

    with django_db_blocker.unblock():
        complete_after_syncdb()
    yield
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        cache.set(_migrations_stamp_key(), None if _flushed else _migrations_digest())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `waits` first: pytest-xdist (`--dist worksteal`, pyproject) gives the first
    half of this order to its first worker, so all of their idle seconds (a live worker, a real
    deadline) are on one worker and overlap the CPU-bound tests the other worker runs meanwhile,
    instead of both workers waiting at once or the run ending on one busy worker.

    A test that cannot reach the test database (pytest-django blocks it without the
    `django_db` mark or a database fixture) cannot depend on its backend: it is
    `backend_neutral`, and CI's second pass, on SQLite, leaves it out. Except a test marked
    `sqlite`, which runs SQLite itself (its own database file, in subprocesses)."""
    for item in items:
        if not _uses_test_database(item) and item.get_closest_marker("sqlite") is None:
            item.add_marker(pytest.mark.backend_neutral)
    items.sort(key=lambda item: item.get_closest_marker("waits") is None)


def _uses_test_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(
        {"django_db_setup", "live_server"} & fixtures
    )


@pytest.fixture(autouse=True)
def _fresh_sla_cache():
    """The calendar/policy cache is per process; a rolled-back test must not leak into it."""
    from sla import selectors

    selectors.cache_clear()
    yield
    selectors.cache_clear()


# Data migrations whose rows every test may rely on (the terms' policy and calendar, the role
# groups): written again before a transactional test that follows a flush.
REFERENCE_DATA_MIGRATIONS = [
    ("accounts", "0002_roles"),
    ("sla", "0002_seed_terms"),
]
# Every seeding migration: what a fresh test database holds, and so what the other database
# tests expect; written again before such a test that follows a flush (pytest_runtest_teardown).
SEED_MIGRATIONS = [
    *REFERENCE_DATA_MIGRATIONS,
    ("replies", "0002_default_templates"),
    ("sla", "0021_seed_internal_targets"),
    ("sla", "0081_seed_target_escalations"),
]


def _is_transactional(node: pytest.Item | pytest.FixtureRequest) -> bool:
    """Whether a test (or the test of a fixture request) commits, and so ends with a flush."""
    item = node.node if isinstance(node, pytest.FixtureRequest) else node
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """A transactional test ends with a flush that also empties the rows the data migrations
    wrote; the next transactional test writes them again (the seeds are idempotent)."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    _reference_data_write()


def _reference_data_write(migrations: list[tuple[str, str]] = REFERENCE_DATA_MIGRATIONS) -> None:
    """The rows of these data migrations, unless the database has the policy already."""
    from django.apps import apps
    from django.db.migrations import RunPython

    from sla.models import SupportPolicy

    if SupportPolicy.objects.exists():
        return
    for app_label, name in migrations:
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                # The reference data reads and writes through the app registry only: no
                # schema editor, and the global registry stands in for the migration state.
                operation.code(apps, None)  # type: ignore[arg-type]


@contextmanager
def data_for_the_module(django_db_blocker) -> Iterator[None]:
    """For a module-scoped fixture whose rows the module's tests share, as Django's
    TestCase.setUpTestData: written once in a transaction rolled back after the module's last
    test; each test's own atomic block (pytest-django's) is a savepoint inside it, so what a
    test writes is undone before the next. Not for a module with transactional tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def distributor_make() -> Organisation:
    return OrganisationFactory(name="シネックス", kind=Organisation.Kind.DISTRIBUTOR)


def desk_user_make(role: str, distributor: Organisation):
    """The desk persona of a role (username = role), in the distributor's organisation."""
    user = UserFactory(username=role, roles=[role])
    Profile.objects.create(user=user, organisation=distributor)
    return user


@pytest.fixture
def distributor(db) -> Organisation:
    return distributor_make()


@pytest.fixture
def agent(db, distributor):
    return desk_user_make("agent", distributor)


@pytest.fixture
def supervisor(db, distributor):
    return desk_user_make("supervisor", distributor)


@pytest.fixture
def manager(db, distributor):
    return desk_user_make("manager", distributor)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def reseller_a(db):
    return ResellerFactory(code="reseller-a", name="リセラーA株式会社")


@pytest.fixture
def reseller_b(db):
    return ResellerFactory(code="reseller-b", name="リセラーB株式会社")


@pytest.fixture
def reseller_a_user(reseller_a):
    user = UserFactory(username="api-a", roles=["reseller_api"])
    Profile.objects.create(user=user, reseller=reseller_a)
    return user


@pytest.fixture
def reseller_b_user(reseller_b):
    user = UserFactory(username="api-b", roles=["reseller_api"])
    Profile.objects.create(user=user, reseller=reseller_b)
    return user


@pytest.fixture
def customer_a(reseller_a):
    """A 24x365 customer of reseller A with a global admin and an active M365 subscription."""
    customer = CustomerFactory(reseller=reseller_a, name="顧客A1株式会社")
    SupportContractFactory(reseller=reseller_a, plan="24x365")
    return customer


@pytest.fixture
def admin_contact_a(customer_a):
    return ContactFactory(customer=customer_a, is_global_admin=True)


@pytest.fixture
def subscription_a(customer_a):
    return SubscriptionFactory(customer=customer_a)


# Hypothesis fails an example slower than 200 ms. CI runs the SQLite pass at the lowest CPU
# priority beside the PostgreSQL one (.ci/run), where an example may wait for a core: that pass
# loads this profile, which keeps every other setting.
hypothesis_settings.register_profile("low-priority", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
