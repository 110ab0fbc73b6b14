"""Which URLs and addresses may receive a reseller's webhooks: the one home of the SSRF rules,
used at registration (the model field's validator, so the API and the admin both apply it),
before each delivery, and on the address each delivery's socket actually connected to.

A reseller chooses the URL, so it must never reach the desk's own network: loopback, private
ranges, link-local (cloud metadata at 169.254.169.254), shared address space (100.64.0.0/10),
and the IPv6 spellings that carry one of those IPv4 addresses inside them (IPv4-mapped and
-compatible, SIIT, NAT64, 6to4, Teredo, ISATAP). Plain http and private targets are allowed
only where settings say so explicitly (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE_NETWORKS),
never because DEBUG is on."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# SIIT's IPv4-translated addresses (RFC 2765).
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
# The well-known NAT64 prefix (RFC 6052): the IPv4 address is the last 32 bits. A host on an
# IPv6-only network with DNS64 reaches IPv4-only receivers through it, so a public one passes.
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215): the operator chooses where the IPv4 sits; never global.
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# ISATAP interface identifiers (RFC 5214): 0000:5efe or 0200:5efe (u/g bits aside), then IPv4.
_ISATAP_MASK = 0xFCFFFFFF
_ISATAP_MARK = 0x00005EFE

PROBLEM_MESSAGES = {
    "invalid_url": _("URL の形式が正しくありません。"),
    "https_required": _("https:// の URL を指定してください。"),
    "credentials_in_url": _("URL にユーザー名やパスワードを含めることはできません。"),
    "private_address": _("社内ネットワークやループバックのアドレスには送信できません。"),
    "unresolvable_host": _("ホスト名を解決できません。"),
}


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries by a standard embedding: a router or the
    host's own stack may deliver the packet to that IPv4 address."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found: list[ipaddress.IPv4Address] = []
    if any(ip in net for net in (_IPV4_MAPPED, _IPV4_COMPATIBLE, _IPV4_TRANSLATED)):
        found.append(low32)
    if ip in _NAT64_WELL_KNOWN:
        found.append(low32)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client), the client's address de-obfuscated
    if (int(ip) >> 32) & _ISATAP_MASK == _ISATAP_MARK:
        found.append(low32)
    return found


def _ipv4_refused(ip: ipaddress.IPv4Address) -> bool:
    # Not global covers private, loopback, link-local, shared (100.64.0.0/10, where some
    # clouds serve instance metadata), documentation and reserved ranges.
    return not ip.is_global or ip.is_multicast or ip.is_unspecified


def address_refused(address: str) -> bool:
    """True when `address` (an IP literal, maybe with a %zone) is outside the public internet,
    itself or through the IPv4 address it embeds."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_refused(ip)
    if ip in _NAT64_LOCAL:
        return True
    embedded = embedded_ipv4(ip)
    if any(_ipv4_refused(inner) for inner in embedded):
        return True
    if ip.ipv4_mapped is not None or ip in _NAT64_WELL_KNOWN:
        return False  # the IPv4 address it stands for is public
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_site_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def resolve(host: str) -> list[str]:
    """The addresses a host name resolves to (an IP literal is itself); OSError when none."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except UnicodeError as error:
        raise OSError(str(error)) from error


def url_problem(url: str, *, resolve_name: bool = False) -> str | None:
    """Why a reseller's URL may not receive webhooks (a stable code), or None.

    With `resolve_name` the host name is resolved and every address checked; a name that does
    not resolve is "unresolvable_host"."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "invalid_url"
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        return "https_required"
    if not host:
        return "invalid_url"
    if parts.username or parts.password:
        return "credentials_in_url"
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return None
    lowered = host.lower().rstrip(".")
    if lowered == "localhost" or lowered.endswith(".localhost"):
        return "private_address"
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if not resolve_name:
            return None
        try:
            addresses = resolve(host)
        except OSError:
            return "unresolvable_host"
    if any(address_refused(address) for address in addresses):
        return "private_address"
    return None


def validate_webhook_url(url: str) -> None:
    """Registration (the model field's validator: the API and the admin). The name is resolved
    now too, so a target inside a private network is refused when it is entered, not only when
    a delivery fails later. A name that does not resolve yet is accepted: DNS may be published
    after the registration, and every delivery checks again."""
    problem = url_problem(url, resolve_name=True)
    if problem is not None and problem != "unresolvable_host":
        raise ValidationError(PROBLEM_MESSAGES[problem], code=problem)
