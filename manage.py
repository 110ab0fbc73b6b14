#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A missing or bad setting (e.g. no DJANGO_SECRET_KEY outside DEBUG): one line, not a
        # traceback. See .env.example.
        sys.exit(f"configuration error: {error}")


if __name__ == "__main__":
    main()
