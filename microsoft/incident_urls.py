from django.urls import path

from microsoft import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<str:issue_id>/", views.incident_detail, name="detail"),
    path("<str:issue_id>/update/", views.incident_update, name="update"),
    path("<str:issue_id>/resolve/", views.incident_resolve, name="resolve"),
    path("<str:issue_id>/link/", views.incident_link, name="link"),
]
