"""Settings the type checker loads (django-stubs' plugin imports them to learn the apps and
models): the development settings, whatever the shell exported. Never served."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from helpdesk.settings import *  # noqa: F403
