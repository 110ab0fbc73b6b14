"""Test-run environment, loaded as a pytest plugin (`-p helpdesk.pytest_env` in pyproject)
before pytest-django reads the settings: the tests run production-like (DEBUG off) with a
test-only secret unless the environment provides its own."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
