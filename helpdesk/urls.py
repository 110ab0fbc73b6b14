"""URL wiring: the admin, auth, and each app's own URLs."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from helpdesk.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/", include("notifications.urls")),
    path("mail/", include("mail.urls")),
    path("microsoft/", include("microsoft.urls")),
    path("incidents/", include("microsoft.incident_urls")),
    # The reseller REST API (/api/v1/), its OpenAPI schema and Swagger UI: helpdesk/api.py.
    path("api/", include("helpdesk.api")),
    path("", include("workspace.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
