"""Every admin page renders for a superuser, and the ticket list's queries do not grow with
its rows."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client_with_data(admin_client):
    call_command("seed_demo", stdout=StringIO())
    return admin_client


def _admin_urls():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        yield f"admin:{meta.app_label}_{meta.model_name}_changelist", model_admin, model
        if model_admin.has_add_permission(_superuser_request()):
            yield f"admin:{meta.app_label}_{meta.model_name}_add", model_admin, model


def _superuser_request() -> HttpRequest:
    """A request from a superuser (not saved: its permissions need no rows)."""
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", is_active=True, is_staff=True, is_superuser=True)
    return request


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_renders(admin_client_with_data):
    seen = 0
    for name, _model_admin, _model in _admin_urls():
        response = admin_client_with_data.get(reverse(name), secure=True)
        assert response.status_code == 200, name
        seen += 1
    assert seen > 20


@pytest.mark.django_db
def test_ticket_changelist_queries_do_not_grow_with_rows(
    admin_client_with_data, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = admin_client_with_data.get(
            reverse("admin:tickets_ticket_changelist"), secure=True
        )
    assert response.status_code == 200
