"""Settings of the test run: the production settings (helpdesk.settings, read from the
environment that `helpdesk.pytest_env` prepares) with what only tests want, in one place.

pytest-django exports DJANGO_SETTINGS_MODULE, so the celery and Django subprocesses the live
tests start use this module too."""

from helpdesk.settings import *  # noqa: F403

# Test users need a password, not a slow one: PBKDF2 at Django's 1,000,000 iterations costs
# 0.4 s a user on this machine, which was half the suite's time. Never outside tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test database is made from the models, not by applying every migration (35 s of CPU per
# database); tests/db_setup.py records the migrations and runs their data operations.
DATABASES["default"]["TEST"]["MIGRATE"] = False  # noqa: F405
