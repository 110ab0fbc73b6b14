"""URL wiring: the admin, auth, and each app's own URLs.

Uploaded files (MEDIA_ROOT) have no URL of their own, in DEBUG neither: attachments leave only
through the views that check who may see their ticket (tickets/downloads.py)."""

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
    path("surveys/", include("surveys.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("reports/", include("reports.urls")),
    path("reply-templates/", include("replies.urls")),
    # The reseller REST API (/api/v1/), its OpenAPI schema and Swagger UI: helpdesk/api.py.
    path("api/", include("helpdesk.api")),
    path("", include("workspace.urls")),
]
