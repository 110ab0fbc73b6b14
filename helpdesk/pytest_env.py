"""Test-run environment, loaded as a pytest plugin (`-p helpdesk.pytest_env` in pyproject)
before pytest-django reads the settings; the settings themselves are `helpdesk.settings_test`.

The tests run production-like (DEBUG off) whatever the developer's shell exported for the
development server, with a test-only secret unless the environment provides its own. Tasks run
eagerly in the test process (no broker): the live worker tests start their own celery
processes on Redis. DATABASE_URL is kept, so the same command runs on SQLite or PostgreSQL."""

import atexit
import os
import shutil
import tempfile

# The package's import (helpdesk/__init__.py loads the Celery app) has already set the
# production default, which would beat pytest's ini: the test settings are said here.
os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings_test"
os.environ["DJANGO_DEBUG"] = "0"
# Microsoft is never reached from a test: tests that need it start a fake and set the URLs.
for name in (
    "REDIS_URL",
    "CACHE_URL",
    "EMAIL_BACKEND",
    "MICROSOFT_TENANT_ID",
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET",
):
    os.environ.pop(name, None)
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use")
os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["STATIC_MANIFEST"] = "0"
# DKIM keys are never looked up on the internet: a test that verifies a signature starts its own
# DNS server on loopback (tests/mail/conftest.py); any other lookup goes nowhere, quickly.
os.environ["MAIL_DNS_SERVERS"] = "127.0.0.1:9"
os.environ["MAIL_DNS_TIMEOUT"] = "1"
for name in ("MAIL_SENDER_AUTH", "MAIL_AUTHSERV_ID"):
    os.environ.pop(name, None)
# Files the tests upload land in a folder of this run, never the developer's media/.
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="helpdesk-test-media-")
atexit.register(shutil.rmtree, os.environ["MEDIA_ROOT"], ignore_errors=True)
