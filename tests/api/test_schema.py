"""The OpenAPI contract: the schema documents the one error shape, Swagger UI is served from
this site, and schemathesis fuzzes every operation of the live app (in-process WSGI, bounded
examples, fixed seed): no 5xx, and every response conforms to the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25


def test_schema_documents_every_error_status(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/tickets/"]["post"]
    for status in ("400", "401", "403", "404", "409", "429"):
        reference = operation["responses"][status]["content"]["application/json"]["schema"]
        assert reference == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "fields"]
    parameters = {p["name"] for p in operation.get("parameters", [])}
    assert "Idempotency-Key" in parameters
    request_examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"].get("severity") == "critical" for e in request_examples.values())
    error_examples = operation["responses"]["400"]["content"]["application/json"]["examples"]
    assert [e["value"]["code"] for e in error_examples.values()] == ["requester_not_global_admin"]


def test_swagger_ui_is_served_locally(anon_client, settings):
    # Plain static storage: the manifest exists only after collectstatic in production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    page = anon_client.get("/api/docs/").content.decode()

    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


@pytest.fixture
def fuzz_world(world_a, world_b, reseller_a_user, settings):
    settings.API_THROTTLE_RATE = "none"
    token, _ = Token.objects.get_or_create(user=reseller_a_user)
    # The raw WSGI handler closes the database connection after each request (Django's test
    # client switches that off, schemathesis' WSGI transport does not): on PostgreSQL that
    # would close the test's transaction under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The fuzzer looks for answers outside the schema; the API's queries are the ORM's on either
# database, and the rest of the API's tests run on both.
# Slow by nature (about 15 s): EXAMPLES_PER_OPERATION generated requests for each of the
# schema's operations, each through the whole WSGI stack.
@pytest.mark.backend_neutral
def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzz_world):
    # given the live schema, loaded through the WSGI app like any client would
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    headers = {"Authorization": f"Token {fuzz_world.key}"}
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if isinstance(result, Err)] == []
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20

    failures: list[str] = []
    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,  # a fixed seed: the same cases on every run
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        # when every operation is fuzzed
        try:
            check()
        except Exception as error:  # collect all operations' failures, then report them together
            failures.append(f"{operation.label}: {error}")

    # then nothing failed
    assert failures == []


def test_the_schema_generates_without_warnings_and_documents_every_resource(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(path))

    import yaml

    paths = yaml.safe_load(path.read_text())["paths"]
    for resource in ("customers", "contacts", "subscriptions", "tickets", "webhooks"):
        assert f"/api/v1/{resource}/" in paths, resource
    assert "patch" in paths["/api/v1/contacts/{id}/"]
