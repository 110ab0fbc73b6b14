"""Login lockout (django-axes, `settings.AXES_HANDLER`): too many failed password logins lock
the account, and the address they came from, for a cool-off period. The workspace login and
the admin login both authenticate through Django's `authenticate()`, which axes guards.

The API's tokens are not password logins: a token is a 40-character random key, guessed no
faster than the per-token throttle allows, so no lockout applies to it."""

from __future__ import annotations

import logging
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (attempts shared by every web process), with two changes:
    a lockout is logged in one line operators can alert on, and a successful login clears
    the failures of its own account only."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False):
            logger.warning(
                "login locked out: username=%r address=%s path=%s failures=%s",
                get_client_username(request, credentials),
                getattr(request, "axes_ip_address", ""),
                getattr(request, "axes_path_info", request.path),
                getattr(request, "axes_failures_since_start", ""),
            )

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login forgets the failures of that account, from every address.
        Axes' own reset also forgets every failure from the caller's address whoever it was
        for: someone with an account of their own could then log in between guesses and
        never reach the limit of the account they attack."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """`settings.AXES_LOCKOUT_CALLABLE`: the page a locked login gets (429), in the language
    of the request, saying when to try again."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
