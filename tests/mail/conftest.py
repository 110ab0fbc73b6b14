"""Fixtures of the email channel: the customer the sample mails come from, its people, the
clock of the samples (Wednesday 2026-11-25, 10:05 JST), and real mail servers on loopback."""

from __future__ import annotations

import base64
import datetime
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.headerregistry import Address
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts.models import Contact, Customer, Subscription
from mail import parsing, services
from mail.models import InboundMail
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    ResellerFactory,
    SubscriptionFactory,
    SupportContractFactory,
)
from tickets.models import Ticket

SAMPLES = Path(__file__).parent / "samples"
JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 25, 10, 5, tzinfo=JST)


# The desk's own receiving server, as it names itself in its Authentication-Results headers.
AUTHSERV_ID = "mx.example.jp"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def delivered(raw: bytes, *, dmarc: str = "pass") -> bytes:
    """A mail as the desk's receiving server hands it to the mailbox: with the
    Authentication-Results header it prepends (RFC 8601), here with the DMARC result `dmarc`
    for the From domain. Mail without a readable From gets none."""
    from_header = parsing.message_from_bytes(raw).get("From")
    addresses: tuple[Address, ...] = (
        getattr(from_header, "addresses", ()) if from_header is not None else ()
    )
    if len(addresses) != 1 or "@" not in addresses[0].addr_spec:
        return raw
    domain = addresses[0].addr_spec.rpartition("@")[2].lower()
    header = (
        f"Authentication-Results: {AUTHSERV_ID}; spf={dmarc} smtp.mailfrom={domain}; "
        f"dmarc={dmarc} (p=reject) header.from={domain}\r\n"
    )
    return header.encode() + raw


def ticket_of(inbound: InboundMail) -> Ticket:
    """The ticket a mail opened or was added to (the test fails when it has none)."""
    assert inbound.ticket is not None, f"no ticket: {inbound.status} {inbound.reason}"
    return inbound.ticket


def receive(raw: bytes, **kwargs) -> InboundMail:
    """A mail delivered through the desk's receiving server, taken by the product."""
    return services.inbound_receive(raw=delivered(raw), **kwargs)


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.DEFAULT_FROM_EMAIL = "CSP サポート <support@example.jp>"
    settings.MAIL_MESSAGE_ID_DOMAIN = "example.jp"
    settings.MAIL_DESK_ADDRESSES = []
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MAIL_SENDER_AUTH = ["dmarc", "dkim"]
    settings.MAIL_AUTHSERV_ID = [AUTHSERV_ID]
    return settings


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class MailWorld:
    customer: Customer
    subscription: Subscription
    yamada: Contact
    sato: Contact
    suzuki: Contact
    not_admin: Contact
    other_admin: Contact


@pytest.fixture
def world(db) -> MailWorld:
    """Customer A (24x365 through its reseller) whose global admins wrote the samples, a
    colleague without global admin rights, and a global admin of another customer."""
    reseller = ResellerFactory(code="reseller-mail", name="リセラーM株式会社")
    SupportContractFactory(reseller=reseller, plan="24x365")
    customer = CustomerFactory(
        reseller=reseller,
        name="顧客A1株式会社",
        primary_domain="customer-a.onmicrosoft.com",
        domains=["customer-a.example.jp"],
    )
    subscription = SubscriptionFactory(customer=customer)
    other = CustomerFactory(
        reseller=reseller, name="顧客B株式会社", primary_domain="other.example.jp"
    )
    SubscriptionFactory(customer=other)
    return MailWorld(
        customer=customer,
        subscription=subscription,
        yamada=ContactFactory(
            customer=customer, name="山田 太郎", email="yamada@customer-a.example.jp"
        ),
        sato=ContactFactory(
            customer=customer, name="佐藤 花子", email="sato@customer-a.example.jp"
        ),
        suzuki=ContactFactory(
            customer=customer, name="鈴木 一郎", email="suzuki@customer-a.example.jp"
        ),
        not_admin=ContactFactory(
            customer=customer,
            name="田中 次郎",
            email="tanaka@customer-a.example.jp",
            is_global_admin=False,
        ),
        other_admin=ContactFactory(customer=other, name="高橋", email="takahashi@other.example.jp"),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 10.0) -> bool:
    """A bounded poll for a server process to listen (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


# --- a DNS server on loopback: DKIM keys of the test's own domains --------------------------


class DnsZone:
    """TXT records by name, served over UDP by a real DNS server (dnspython's wire format) on a
    spare loopback port; the product's resolver (settings.MAIL_DNS_SERVERS) points at it."""

    def __init__(self) -> None:
        self.txt: dict[str, str] = {}
        self.queries: list[str] = []
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        import dns.message
        import dns.rcode
        import dns.rdataclass
        import dns.rdatatype
        import dns.rrset

        while not self._stop.is_set():
            try:
                data, peer = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.queries.append(name)
            value = self.txt.get(name)
            if value is None or question.rdtype != dns.rdatatype.TXT:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                # A TXT string holds at most 255 bytes: a 2048-bit key is split, as in a zone.
                chunks = [value[i : i + 255] for i in range(0, len(value), 255)]
                rdata = " ".join(f'"{chunk}"' for chunk in chunks)
                response.answer.append(
                    dns.rrset.from_text(question.name, 300, dns.rdataclass.IN, "TXT", rdata)
                )
            self.socket.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def dns_zone(settings):
    zone = DnsZone()
    settings.MAIL_DNS_SERVERS = [f"127.0.0.1:{zone.port}"]
    settings.MAIL_DNS_TIMEOUT = 5.0
    yield zone
    zone.close()


@dataclass
class DkimKey:
    selector: str
    domain: str
    private_pem: bytes
    public_txt: str


def dkim_key(selector: str, domain: str) -> DkimKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_txt = "v=DKIM1; k=rsa; p=" + base64.b64encode(public_der).decode()
    return DkimKey(selector, domain, private_pem, public_txt)


def dkim_sign(raw: bytes, key: DkimKey, *, length: bool = False) -> bytes:
    """The mail with a DKIM-Signature of `key`'s domain on top, as the sender's server adds it."""
    import dkim

    signature = dkim.sign(
        raw,
        key.selector.encode(),
        key.domain.encode(),
        key.private_pem,
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        length=length,
    )
    return signature + raw


# --- a real SMTP server (aiosmtpd) -----------------------------------------------------------


class SmtpSink:
    """An aiosmtpd handler that keeps what it receives, and its server: `start()` (again after
    `stop()`, on the same port: a stopped controller cannot start again) and `stop()`."""

    def __init__(self, controller_module: Any, port: int) -> None:
        self.envelopes: list = []
        self.port = port
        self.running = False
        self.controller: Any = None
        self._controller_module = controller_module

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = self._controller_module.Controller(
            self, hostname="127.0.0.1", port=self.port
        )
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on a spare loopback port; the product's SMTP backend points at it."""
    controller_module = pytest.importorskip(
        "aiosmtpd.controller", reason="aiosmtpd is not installed (pip install -e .[dev])"
    )
    port = free_port()
    sink = SmtpSink(controller_module, port)
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


# --- a real IMAP server (Debian's dovecot) ---------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"


@dataclass
class Imap:
    host: str
    port: int
    user: str
    password: str
    oauth2_token: str
    log: Path


OAUTH2_TOKEN = "desk-oauth2-access-token"


class _Introspection(BaseHTTPRequestHandler):
    """RFC 7662 token introspection: the one valid token belongs to the user `desk`."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        active = form.get("token") == [OAUTH2_TOKEN]
        body = json.dumps(
            {"active": "true", "username": "desk"} if active else {"active": "false"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        return


def _introspection_server() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
    # shutdown() waits for the loop's next poll: 0.5 s by default, at every test's end
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def _dovecot_config(
    root: Path, port: int, login_user: str, internal_user: str, mail_uid: int, mail_gid: int
) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
# Plain-text passwords only on loopback, in this throwaway instance.
disable_plaintext_auth = no
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
# XOAUTH2 as Exchange Online asks for it: the bearer token is checked by the test's
# introspection endpoint (RFC 7662).
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Processed {{
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def imap_server():
    """dovecot in the foreground on a spare loopback port with a generated configuration,
    a passwd-file user and a Maildir in a temporary folder; stopped at teardown."""
    if not os.path.exists(DOVECOT):
        pytest.skip(f"{DOVECOT} is missing: apt-get install dovecot-imapd")
    # Not under pytest's tmp_path: its parents are private (0700) and dovecot's own users
    # (auth, login) must read the configuration and the passwd file.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "home"):
        (root / folder).mkdir()
    if os.geteuid() == 0:
        # Dovecot refuses to run logins or mail access as root: the package's users do.
        login_user, internal_user = "dovenull", "dovecot"
        nobody = pwd.getpwnam("nobody")
        mail_uid, mail_gid = nobody.pw_uid, nobody.pw_gid
        shutil.chown(root / "home", mail_uid, mail_gid)
    else:
        login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        mail_uid, mail_gid = os.getuid(), os.getgid()
    (root / "passwd").write_text("desk:{PLAIN}desk-secret::::::\n")
    introspection = _introspection_server()
    (root / "oauth2.conf.ext").write_text(
        "introspection_mode = post\n"
        f"introspection_url = http://127.0.0.1:{introspection.server_port}/introspect\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n"
    )
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_dovecot_config(root, port, login_user, internal_user, mail_uid, mail_gid))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: stopped with its children, below
    )
    try:
        if not wait_for_port(port):
            process.kill()
            _out, err = process.communicate(timeout=5)
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            pytest.fail(f"dovecot did not start: {err.decode(errors='replace')}\n{log}")
        yield Imap(
            host="127.0.0.1",
            port=port,
            user="desk",
            password="desk-secret",
            oauth2_token=OAUTH2_TOKEN,
            log=root / "dovecot.log",
        )
    finally:
        # SIGTERM to the whole group (dovecot and its auth, login, anvil... processes) at once:
        # the master alone waits about a second for its children to die, on every test.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        introspection.shutdown()
        introspection.server_close()
        shutil.rmtree(root, ignore_errors=True)
