from django.urls import path

import tickets.converters  # noqa: F401  (registers <ticket_number:…>)
from workspace import bulk, live_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.queue_list, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tickets/new/", views.phone_intake_search, name="phone_intake_search"),
    path("tickets/new/<int:customer_id>/", views.phone_intake, name="phone_intake"),
    path(
        "tickets/new/<int:customer_id>/refuse/",
        views.phone_intake_refuse,
        name="phone_intake_refuse",
    ),
    path("tickets/new/refused/<int:pk>/", views.refused_call, name="refused_call"),
    path("presence/", live_views.queue_presence, name="queue_presence"),
    path("live/", live_views.queue_live, name="queue_live"),
    path("live/bell/", live_views.notifications_bell, name="notifications_bell"),
    path("bulk/", bulk.queue_bulk, name="queue_bulk"),
    path("tickets/<ticket_number:number>/", views.ticket_detail, name="ticket"),
    path(
        "tickets/<ticket_number:number>/presence/",
        live_views.ticket_presence,
        name="ticket_presence",
    ),
    path(
        "tickets/<ticket_number:number>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "tickets/<ticket_number:number>/<slug:action>/", views.ticket_action, name="ticket_action"
    ),
]
