from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("<str:signature>/", views.answer, name="answer"),
    path("opt-out/<str:signature>/", views.opt_out, name="opt_out"),
]
