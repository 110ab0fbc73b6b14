from django.urls import path

from mail import views

app_name = "mail"

urlpatterns = [
    path("held/", views.held_list, name="held_list"),
    path("held/<int:pk>/reprocess/", views.held_reprocess, name="held_reprocess"),
    path("held/<int:pk>/release/", views.held_release, name="held_release"),
]
