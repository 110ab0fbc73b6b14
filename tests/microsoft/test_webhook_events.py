"""Partner Center's webhook events: only Microsoft's signature is accepted, and an accepted
event syncs what it names."""

from __future__ import annotations

import uuid

import pytest

from contracts.models import Customer
from microsoft.models import PartnerCenterEvent
from tests.factories import ResellerFactory
from tests.microsoft.fake import customer_item, event_body, subscription_item

pytestmark = pytest.mark.django_db

URL = "/microsoft/partner-center/events"
TENANT = str(uuid.UUID(int=42))


@pytest.fixture
def customer_at_microsoft(fake_microsoft):
    ResellerFactory(code="reseller-a", partner_center_id="1111111")
    fake_microsoft.state.customers = [
        customer_item(TENANT, "顧客株式会社", "kokyaku.onmicrosoft.com", partner_id="1111111")
    ]
    fake_microsoft.state.subscriptions = {
        TENANT: [subscription_item("sub-1", "OFFER:1", "Microsoft 365 E3", partner_id="1111111")]
    }


def _post(client, body: bytes, headers: dict):
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_signed_subscription_event_syncs_that_customer(
    client, signer, customer_at_microsoft, django_capture_on_commit_callbacks
):
    body = event_body(
        "subscription-updated",
        f"https://api.partnercenter.microsoft.com/v1/customers/{TENANT}/subscriptions/sub-1",
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(client, body, signer.headers(body))

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    event = PartnerCenterEvent.objects.get()
    assert (event.event_name, event.action) == ("subscription-updated", "customer_sync")
    # The sync is enqueued after the commit (tasks run in-process in tests).
    assert len(callbacks) == 1
    customer = Customer.objects.get(tenant_id=TENANT)
    assert customer.subscriptions.count() == 1


def test_the_same_event_twice_is_acted_on_once(client, signer, customer_at_microsoft):
    body = event_body("subscription-updated", f"/v1/customers/{TENANT}/subscriptions/sub-1")
    _post(client, body, signer.headers(body))

    response = _post(client, body, signer.headers(body))

    assert response.json() == {"received": True, "duplicate": True}
    assert PartnerCenterEvent.objects.count() == 1


@pytest.mark.parametrize(
    "forgery",
    [
        "signed_by_another_key",
        "certificate_of_an_untrusted_root",
        "certificate_from_elsewhere",
        "certificate_of_another_organisation",
        "body_changed_after_signing",
        "no_signature",
        "wrong_algorithm",
        "garbage_signature",
    ],
)
def test_a_forged_event_is_refused_and_changes_nothing(
    client, signer, fake_microsoft, customer_at_microsoft, forgery
):
    body = event_body("subscription-updated", f"/v1/customers/{TENANT}/subscriptions/sub-1")
    headers = signer.headers(body)
    expected = {
        "signed_by_another_key": "signature_invalid",
        "certificate_of_an_untrusted_root": "certificate_untrusted",
        "certificate_from_elsewhere": "certificate_url_not_allowed",
        "certificate_of_another_organisation": "certificate_not_microsoft",
        "body_changed_after_signing": "signature_invalid",
        "no_signature": "signature_missing",
        "wrong_algorithm": "algorithm_unsupported",
        "garbage_signature": "signature_malformed",
    }[forgery]
    if forgery == "signed_by_another_key":
        headers = signer.headers(body, key=signer.forger_key)
    elif forgery == "certificate_of_an_untrusted_root":
        headers = signer.headers(
            body, key=signer.forger_key, certificate_url=f"{fake_microsoft.url}/cert/forged.cer"
        )
    elif forgery == "certificate_from_elsewhere":
        headers = signer.headers(body, certificate_url="https://evil.example/cert/x.cer")
    elif forgery == "certificate_of_another_organisation":
        headers = signer.headers(
            body, key=signer.forger_key, certificate_url=f"{fake_microsoft.url}/cert/contoso.cer"
        )
    elif forgery == "body_changed_after_signing":
        body = body.replace(b"subscription-updated", b"subscription-deleted")
    elif forgery == "no_signature":
        del headers["HTTP_AUTHORIZATION"]
    elif forgery == "wrong_algorithm":
        headers["HTTP_X_MS_SIGNATURE_ALGORITHM"] = "rsa-sha1"
    elif forgery == "garbage_signature":
        headers["HTTP_AUTHORIZATION"] = "Signature ***"

    response = _post(client, body, headers)

    assert response.status_code == 401
    assert response.json()["code"] == "webhook_signature_invalid"
    assert response.json()["fields"] == {"authorization": [expected]}
    assert not PartnerCenterEvent.objects.exists()
    assert not Customer.objects.exists()


def test_gdap_events_start_a_gdap_sync(
    client, signer, fake_microsoft, django_capture_on_commit_callbacks
):
    body = event_body("granular-admin-relationship-approved", "/v1/delegatedAdminRelationships/x")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body, signer.headers(body))
    assert response.status_code == 200
    assert PartnerCenterEvent.objects.get().action == "gdap_sync"
    assert fake_microsoft.requests_to("/graph/v1.0/tenantRelationships/")


def test_a_signed_body_that_is_not_an_event_is_a_400(client, signer):
    body = b'{"nothing": true}'
    response = _post(client, body, signer.headers(body))
    assert response.status_code == 400
    assert response.json()["fields"] == {"EventName": ["invalid"]}


def test_only_post_is_answered(client):
    assert client.get(URL).status_code == 405
