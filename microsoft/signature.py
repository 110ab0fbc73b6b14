"""Verifying a Partner Center webhook event, as Microsoft documents it: the body is signed
with RSA-SHA256 (`x-ms-signature-algorithm: rsa-sha256`), the base64 signature comes in
`Authorization: Signature <signature>` (or `x-ms-signature`), and `x-ms-certificate-url` says
where the signing certificate is. We

1. take the certificate only from a configured location (PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS,
   Microsoft's by default): anyone can put a URL in a header;
2. check that it chains to a trusted root (PARTNER_CENTER_WEBHOOK_CA_FILE, the public roots by
   default; intermediates come from the certificate's AIA link), is valid now, and names the
   organisation Microsoft signs as (PARTNER_CENTER_WEBHOOK_CERTIFICATE_ORGANIZATION);
3. verify the signature over the exact bytes received.

A forged event fails one of these; the endpoint then answers 401 and does nothing."""

from __future__ import annotations

import base64
import binascii
import datetime
import threading
import time
from collections.abc import Mapping

import certifi
import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store
from django.conf import settings

_MAX_CERTIFICATE_BYTES = 64 * 1024
_CACHE_SECONDS = 24 * 3600


class SignatureRejected(Exception):
    """Why an event is refused; `reason` is a stable code for the log and the answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_certificates: dict[str, tuple[float, list[x509.Certificate]]] = {}
_lock = threading.Lock()


def cache_clear() -> None:
    with _lock:
        _certificates.clear()


def _load(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _download(url: str) -> bytes:
    try:
        with httpx.Client(timeout=10.0, follow_redirects=False) as client:
            response = client.get(url)
    except httpx.HTTPError as error:
        raise SignatureRejected("certificate_unreachable") from error
    if response.status_code != 200 or len(response.content) > _MAX_CERTIFICATE_BYTES:
        raise SignatureRejected("certificate_unreachable")
    return response.content


def certificate_url_allowed(url: str) -> bool:
    """Only a configured location, taken as a prefix of scheme, host and path: no user
    information, query or fragment that could bend it."""
    try:
        parts = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    if parts.userinfo or parts.query or parts.fragment or ".." in parts.path:
        return False
    return any(
        url.startswith(prefix) for prefix in settings.PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS
    )


def _issuers(certificate: x509.Certificate) -> list[x509.Certificate]:
    """The issuing certificates its Authority Information Access names (one level): the
    signed event's chain is verified against the trusted roots whatever these are."""
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return []
    found: list[x509.Certificate] = []
    for description in access.value:
        location = description.access_location
        if description.access_method != AuthorityInformationAccessOID.CA_ISSUERS or not isinstance(
            location, x509.UniformResourceIdentifier
        ):
            continue
        if not location.value.startswith(("http://", "https://")):
            continue
        try:
            found += _load(_download(location.value))
        except (SignatureRejected, ValueError):
            continue
    return found


def _chain(url: str) -> list[x509.Certificate]:
    now = time.monotonic()
    with _lock:
        cached = _certificates.get(url)
        if cached is not None and now - cached[0] < _CACHE_SECONDS:
            return cached[1]
    try:
        certificates = _load(_download(url))
    except ValueError as error:
        raise SignatureRejected("certificate_unreadable") from error
    if not certificates:
        raise SignatureRejected("certificate_unreadable")
    if len(certificates) == 1:
        certificates += _issuers(certificates[0])
    with _lock:
        _certificates[url] = (now, certificates)
    return certificates


def _roots() -> list[x509.Certificate]:
    path = settings.PARTNER_CENTER_WEBHOOK_CA_FILE or certifi.where()
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificates(handle.read())


def _verify_certificate(chain: list[x509.Certificate], now: datetime.datetime) -> x509.Certificate:
    leaf, intermediates = chain[0], chain[1:]
    verifier = (
        PolicyBuilder()
        .store(Store(_roots()))
        .time(now)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, intermediates)
    except Exception as error:  # the verifier raises its own VerificationError and ValueErrors
        raise SignatureRejected("certificate_untrusted") from error
    organisations = [
        attribute.value
        for attribute in leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    ]
    if settings.PARTNER_CENTER_WEBHOOK_CERTIFICATE_ORGANIZATION not in organisations:
        raise SignatureRejected("certificate_not_microsoft")
    return leaf


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "").strip()


def event_signature_verify(
    *, body: bytes, headers: Mapping[str, str], now: datetime.datetime | None = None
) -> None:
    """Return when the event is Microsoft's, raise SignatureRejected otherwise."""
    now = now or datetime.datetime.now(datetime.UTC)
    authorization = _header(headers, "authorization") or _header(headers, "x-ms-signature")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "signature" or not token.strip():
        raise SignatureRejected("signature_missing")
    if _header(headers, "x-ms-signature-algorithm").lower() != "rsa-sha256":
        raise SignatureRejected("algorithm_unsupported")
    url = _header(headers, "x-ms-certificate-url")
    if not certificate_url_allowed(url):
        raise SignatureRejected("certificate_url_not_allowed")
    try:
        signature = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureRejected("signature_malformed") from error
    leaf = _verify_certificate(_chain(url), now)
    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureRejected("algorithm_unsupported")
    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise SignatureRejected("signature_invalid") from error
