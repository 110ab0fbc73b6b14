import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
application = get_wsgi_application()

# What start-up loaded (modules, settings, URL patterns, the apps' registries) lives as long as
# the process: moved out of the garbage collector's reach, a full collection during a request
# scans only what requests made. Before, one queue request in ten paused 50–90 ms for it
# (`python -m bench.search`, which starts the application through this module too).
gc.freeze()
