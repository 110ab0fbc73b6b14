"""Who and why on django-simple-history's rows, set in one typed place.

simple-history reads `instance._history_user` and `instance._change_reason` when it writes the
historical row, so a save made outside a request (a task, a command, a service called by the
API) still names who did it and why. The attributes are not declared on the models, hence
these helpers rather than an assignment the type checker cannot see at every call.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model


def history_user_set(instance: Model, user: AbstractBaseUser | None) -> None:
    """Name `user` (None: nobody, e.g. the system) on the next history row of `instance`."""
    setattr(instance, "_history_user", user)  # noqa: B010 (undeclared on purpose, see above)


def history_change_reason_set(instance: Model, reason: str) -> None:
    """Record `reason` on the next history row of `instance`."""
    setattr(instance, "_change_reason", reason)  # noqa: B010 (undeclared on purpose, see above)
