from django.urls import path

import tickets.converters  # noqa: F401  (registers <ticket_number:…>)
from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("<int:article_id>/", views.article_detail, name="detail"),
    path("<int:article_id>/edit/", views.article_edit, name="edit"),
    path("from-ticket/<ticket_number:number>/", views.article_from_ticket, name="from_ticket"),
]
