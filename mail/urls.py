from django.urls import path

from mail import views

app_name = "mail"

urlpatterns = [
    path("held/", views.held_list, name="held_list"),
]
