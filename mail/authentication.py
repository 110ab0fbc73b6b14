"""Who sent a mail (DOMAIN.md §12): a From header proves nothing; a mail counts as its sender's
only when the sender's domain authenticated it.

Two ways in, either is enough (settings.MAIL_SENDER_AUTH):

- `dmarc`: DMARC pass for the From domain, as reported in the Authentication-Results header
  (RFC 8601) that the desk's own receiving server added. That server is recognised by its
  authserv-id (settings.MAIL_AUTHSERV_ID); only its topmost header and those directly below
  it are read, so headers of other servers, and a forged copy a sender planted further down,
  are ignored. No authserv-id configured: no header is trusted at all.
- `dkim`: a DKIM signature (RFC 6376) the product verifies itself with dkimpy, whose signing
  domain `d=` is the From domain or a parent of it (the owner of a parent domain controls its
  subdomains' DNS anyway), that signs the From header and covers the whole body (an `l=` tag
  would let anyone append text under a real signature). Keys come from DNS
  (settings.MAIL_DNS_SERVERS, else the system's resolver).

A mail with more than one From header or address never authenticates: DMARC judges one of
them and the desk would read another.

Pure but for `dns_txt_lookup`, the one edge to the outside world (DNS). dkimpy and
dnspython are imported where a signature is verified: together they take about half a second
to load, which every process start (web, worker, beat, each manage.py command) would pay."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import Message

import authres
from django.conf import settings

from contracts.verification import email_domain
from mail import parsing

logger = logging.getLogger(__name__)

DMARC = "dmarc"
DKIM = "dkim"
OFF = "off"
METHODS = frozenset({DMARC, DKIM})
# Each signature may cost a DNS lookup: a mail with more is judged on its first ones.
DKIM_SIGNATURES_MAX = 5

DnsTxt = Callable[..., bytes | None]


@dataclass(frozen=True)
class Verdict:
    """How a mail's sender was authenticated: `method` is 'dmarc', 'dkim' or 'off' when it
    was, '' when not; `domain` the domain that vouched; `detail` what was found, for agents."""

    method: str
    domain: str
    detail: str

    @property
    def passed(self) -> bool:
        return bool(self.method)


@dataclass(frozen=True)
class Config:
    methods: frozenset[str]
    authserv_ids: frozenset[str]
    dns_txt: DnsTxt | None = None

    @property
    def off(self) -> bool:
        return not self.methods


def config_from_settings() -> Config:
    methods = frozenset(settings.MAIL_SENDER_AUTH) - {OFF}
    return Config(
        methods=methods,
        authserv_ids=frozenset(a.lower() for a in settings.MAIL_AUTHSERV_ID),
        dns_txt=dns_txt_lookup(servers=settings.MAIL_DNS_SERVERS, timeout=settings.MAIL_DNS_TIMEOUT)
        if DKIM in methods
        else None,
    )


def configuration_problems(
    *, methods: list[str], authserv_ids: list[str], dns_servers: list[str]
) -> list[tuple[str, str]]:
    """What an operator must hear about the sender checks at every start, as (level, text)
    pairs with level 'error', 'warning' or 'info' (mail.checks turns them into system checks;
    mail.apps logs them in every process, the worker's too)."""
    problems: list[tuple[str, str]] = []
    if methods == [OFF]:
        problems.append(
            (
                "warning",
                "MAIL_SENDER_AUTH=off: mail is taken for whatever its From header says, so "
                "anyone can open tickets in a global admin's name (DOMAIN.md §12).",
            )
        )
    elif DMARC in methods and not authserv_ids:
        if DKIM in methods:
            problems.append(
                (
                    "info",
                    "MAIL_AUTHSERV_ID is not set: no Authentication-Results header is trusted; "
                    "senders authenticate by their DKIM signatures only.",
                )
            )
        else:
            problems.append(
                (
                    "error",
                    "MAIL_SENDER_AUTH=dmarc without MAIL_AUTHSERV_ID: no Authentication-Results "
                    "header is trusted, so every mail would be held as sender_unauthenticated.",
                )
            )
    for server in dns_servers:
        try:
            dns_server_address(server)
        except ValueError:
            problems.append(("error", f"MAIL_DNS_SERVERS: {server!r} is not an IP address[:port]."))
    return problems


def sender_authenticate(*, raw: bytes, config: Config) -> Verdict:
    """The verdict on one raw mail. Never raises on a mail's content."""
    if config.off:
        return Verdict(method=OFF, domain="", detail="MAIL_SENDER_AUTH=off")
    try:
        message = parsing.message_from_bytes(raw)
        from_domain, problem = _single_from_domain(message)
    except Exception as error:  # a mail that cannot be read cannot be authenticated
        return Verdict(method="", domain="", detail=f"unreadable: {type(error).__name__}")
    if problem:
        return Verdict(method="", domain="", detail=problem)
    notes: list[str] = []
    if DMARC in config.methods:
        passed, note = dmarc_passed(
            message, from_domain=from_domain, authserv_ids=config.authserv_ids
        )
        if passed:
            return Verdict(method=DMARC, domain=from_domain, detail=note)
        notes.append(note)
    if DKIM in config.methods and config.dns_txt is not None:
        domain, note = dkim_aligned_domain(raw, from_domain=from_domain, dns_txt=config.dns_txt)
        if domain:
            return Verdict(method=DKIM, domain=domain, detail=note)
        notes.append(note)
    return Verdict(method="", domain=from_domain, detail="; ".join(notes)[:500])


def _single_from_domain(message: Message) -> tuple[str, str]:
    """The domain of the one From address, or the reason there is none to trust."""
    headers = message.get_all("From") or []
    if len(headers) != 1:
        return "", f"from_headers: {len(headers)}"
    addresses: tuple[Address, ...] = getattr(headers[0], "addresses", ())
    if len(addresses) != 1:
        return "", f"from_addresses: {len(addresses)}"
    domain = email_domain(addresses[0].addr_spec)
    if not domain:
        return "", "from_address_invalid"
    return domain, ""


def aligned(*, signing_domain: str, from_domain: str) -> bool:
    """The signing domain is the From domain or a parent of it (never a sibling: another
    tenant under onmicrosoft.com is not this one)."""
    signing_domain = signing_domain.lower().rstrip(".")
    from_domain = from_domain.lower()
    if not signing_domain or "." not in signing_domain:
        return False
    return from_domain == signing_domain or from_domain.endswith("." + signing_domain)


# --- DMARC, as the desk's receiving server reported it -----------------------------------------


def _results_of(value: str, authserv_ids: frozenset[str]) -> list | None:
    """The results of one Authentication-Results header if the desk's server wrote it."""
    try:
        header = authres.AuthenticationResultsHeader.parse_value(" ".join(str(value).split()))
    except Exception:  # authres raises its own errors on malformed headers
        return None
    if (header.authserv_id or "").lower() not in authserv_ids:
        return None
    return list(header.results)


def _trusted_results(message: Message, authserv_ids: frozenset[str]) -> list:
    """The results of the desk server's own Authentication-Results headers: the topmost one
    with its authserv-id and those right below it. A server prepends its header above
    everything the mail arrived with (RFC 8601 §5), so a copy a sender planted sits further
    down, below at least the server's own Received header, and is never read."""
    results: list = []
    found = False
    for key, value in message.raw_items():
        ours = _results_of(value, authserv_ids) if key.lower() == "authentication-results" else None
        if ours is not None:
            results.extend(ours)
            found = True
        elif found:
            break
    return results


def _property(result, ptype: str, name: str) -> str:
    for prop in getattr(result, "properties", []) or []:
        if prop.type == ptype and prop.name == name:
            return str(prop.value or "").lower()
    return ""


def dmarc_passed(
    message: Message, *, from_domain: str, authserv_ids: frozenset[str]
) -> tuple[bool, str]:
    """True when the desk's server reported dmarc=pass for exactly the From domain."""
    if not authserv_ids:
        return False, "dmarc: MAIL_AUTHSERV_ID not set, headers not trusted"
    for result in _trusted_results(message, authserv_ids):
        if result.method != "dmarc":
            continue
        header_from = _property(result, "header", "from")
        if result.result == "pass" and header_from == from_domain:
            return True, f"dmarc=pass header.from={header_from}"
        return False, f"dmarc={result.result} header.from={header_from or '?'}"
    return False, "dmarc: no result from the desk's server"


# --- DKIM, verified here -------------------------------------------------------------------------


def dkim_aligned_domain(raw: bytes, *, from_domain: str, dns_txt: DnsTxt) -> tuple[str, str]:
    """The `d=` of the first valid signature aligned with the From domain, or '' with what
    was found instead."""
    import dkim

    try:
        count = sum(
            1 for name, _value in dkim.DKIM(raw).headers if name.lower() == b"dkim-signature"
        )
    except Exception as error:  # dkimpy's parser raises on some broken mail
        return "", f"dkim: unreadable ({type(error).__name__})"
    if count == 0:
        return "", "dkim: no signature"
    notes: list[str] = []
    for index in range(min(count, DKIM_SIGNATURES_MAX)):
        verifier = dkim.DKIM(raw, minkey=1024, logger=logger)
        try:
            valid, problem = verifier.verify(idx=index, dnsfunc=dns_txt), ""
        except dkim.DKIMException as error:
            valid, problem = False, f" ({str(error)[:80]})"
        fields = verifier.signature_fields or {}
        domain = fields.get(b"d", b"").decode("ascii", "replace").lower()
        signed = {h.strip().lower() for h in fields.get(b"h", b"").split(b":")}
        if not valid:
            notes.append(f"dkim=fail header.d={domain or '?'}{problem}")
        elif b"l" in fields:
            notes.append(f"dkim=pass header.d={domain} (l= tag: body not fully signed)")
        elif b"from" not in signed:
            notes.append(f"dkim=pass header.d={domain} (From not signed)")
        elif not aligned(signing_domain=domain, from_domain=from_domain):
            notes.append(f"dkim=pass header.d={domain} (not aligned with {from_domain})")
        else:
            return domain, f"dkim=pass header.d={domain}"
    return "", "; ".join(notes)


def dns_server_address(entry: str) -> tuple[str, int]:
    """'192.0.2.53', '192.0.2.53:5353', '[2001:db8::53]:53' or '2001:db8::53' as (address,
    port). An address, not a name: resolving a DNS server's name would need DNS itself."""
    text = entry.strip()
    port = 53
    if text.startswith("["):
        host, _bracket, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = int(port_text)
    else:
        host = text
    ipaddress.ip_address(host)
    if not 0 < port < 65536:
        raise ValueError(f"port out of range: {port}")
    return host, port


def dns_txt_lookup(*, servers: list[str], timeout: float) -> DnsTxt:
    """dkimpy's `dnsfunc`: the TXT record of a name, from `servers` or the system's resolver.
    A timeout is dkimpy's DnsTimeoutError (the signature then counts as not verified)."""
    import dkim
    import dns.exception
    import dns.nameserver
    import dns.rdatatype
    import dns.resolver

    nameservers = [dns.nameserver.Do53Nameserver(*dns_server_address(server)) for server in servers]

    def lookup(name: bytes | str, timeout: float = timeout) -> bytes | None:
        qname = name.decode("ascii") if isinstance(name, bytes) else name
        try:
            resolver = dns.resolver.Resolver(configure=not servers)
            if servers:
                resolver.nameservers = nameservers
            answer = resolver.resolve(
                qname, dns.rdatatype.TXT, lifetime=timeout, search=False, raise_on_no_answer=False
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers, dns.resolver.NoAnswer):
            return None
        except (dns.exception.Timeout, dns.resolver.NoResolverConfiguration) as error:
            raise dkim.DnsTimeoutError(str(error)) from error
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset)).strings)
        return None

    return lookup
