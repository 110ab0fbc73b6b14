from django.urls import path

from microsoft import views

app_name = "microsoft"

urlpatterns = [
    path("partner-center/events", views.partner_center_events, name="partner_center_events"),
]
