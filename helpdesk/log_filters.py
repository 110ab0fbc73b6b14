"""Filters of the project's logging (settings.LOGGING)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class DeniedWithoutTraceback(logging.Filter):
    """A denied page (PermissionDenied → the styled 403) is an expected answer, not a fault:
    Django's request logger passes the exception along, which prints a whole traceback for
    each one. Keep the one line ("Forbidden (Permission denied): /path") and drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
