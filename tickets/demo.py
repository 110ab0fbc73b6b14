"""Demo data: two resellers with customers on both plans, contacts, subscriptions of every
family, desk users of every role, and tickets in every status. Idempotent: running it again
changes nothing (every row is looked up by a natural key first)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Organisation, Profile
from accounts.roles import Role
from contracts import services as contracts_services
from contracts.models import (
    Contact,
    Customer,
    DelegatedAccess,
    Plan,
    Product,
    Reseller,
    Subscription,
    SupportContract,
    VerificationMethod,
)
from sla.models import Closure
from tickets import services
from tickets.models import Category, Channel, Message, RefusalReason, Status, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()
JST = datetime.timezone(datetime.timedelta(hours=9))


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    token: str | None = None


PRODUCTS = [
    (
        "CFQ7TTC0LF8Q",
        "Microsoft 365 Business Standard",
        Product.Family.MICROSOFT_365,
        True,
        Product.SupportScope.FULL,
    ),
    (
        "CFQ7TTC0LDPB",
        "Microsoft 365 E3",
        Product.Family.MICROSOFT_365,
        True,
        Product.SupportScope.FULL,
    ),
    ("CFQ7TTC0LF8R", "Office 365 E1", Product.Family.OFFICE_365, True, Product.SupportScope.FULL),
    (
        "CFQ7TTC0LH18",
        "Dynamics 365 Sales Enterprise",
        Product.Family.DYNAMICS_365,
        True,
        Product.SupportScope.FULL,
    ),
    (
        "DG7GMGF0FKZV",
        "Windows 10/11 ESU (Software in CSP)",
        Product.Family.PERPETUAL,
        True,
        Product.SupportScope.PRODUCT_KEY_ONLY,
    ),
    (
        "CFQ7TTC0HL8W",
        "Microsoft Teams Rooms Pro (9x5 サポート)",
        Product.Family.OTHER,
        True,
        Product.SupportScope.USER_AND_LICENCE_ONLY,
    ),
    (
        "CFQ7TTC0KXG6",
        "Visio Plan 2（サポートなし）",
        Product.Family.OTHER,
        False,
        Product.SupportScope.NONE,
    ),
]

# The demo resellers' Partner Center (MPN) IDs: the fake Microsoft of the README maps its
# customers to them (python -m tests.microsoft.fake).
PARTNER_CENTER_IDS = {"demo-a": "5100001", "demo-b": "5100002"}

# reseller code, name, customers: (name, domain, plan, tenant uuid suffix, own contract?)
RESELLERS = [
    (
        "demo-a",
        "サンプル販売株式会社",
        [
            ("株式会社さくら商事", "sakura-shoji.onmicrosoft.com", Plan.BUSINESS_HOURS, 1, False),
            ("富士精工株式会社", "fuji-seiko.onmicrosoft.com", Plan.TWENTY_FOUR_SEVEN, 2, True),
        ],
    ),
    (
        "demo-b",
        "クラウドパートナーズ合同会社",
        [
            ("みなと物流株式会社", "minato-logi.onmicrosoft.com", Plan.TWENTY_FOUR_SEVEN, 3, False),
            ("北斗設計事務所", "hokuto-sekkei.onmicrosoft.com", Plan.BUSINESS_HOURS, 4, True),
        ],
    ),
]


def _user(username: str, password: str, role: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.jp"}
    )
    if created:
        user.set_password(password)
        user.is_staff = superuser or role in (Role.SUPERVISOR, Role.MANAGER)
        user.is_superuser = superuser
        user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _contact(
    *,
    email: str,
    name: str,
    phone: str,
    is_global_admin: bool,
    customer: Customer | None = None,
    reseller: Reseller | None = None,
) -> Contact:
    """The demo person with this address, created through the service (its rules hold for
    demo data too: one active contact per address, DOMAIN.md §12)."""
    existing = Contact.objects.filter(email__iexact=email, is_active=True).first()
    if existing is not None:
        return existing
    return contracts_services.contact_create(
        name=name,
        email=email,
        phone=phone,
        is_global_admin=is_global_admin,
        customer=customer,
        reseller_id=reseller.pk if reseller is not None else None,
    )


def _reseller_admins_verify(*, actor: User, now: datetime.datetime) -> None:
    """The resellers' own global admins write from the resellers' domains, which are no
    customer's here: the desk verified them by a call-back (DOMAIN.md §12)."""
    for code, _name, _rows in RESELLERS:
        contact = Contact.objects.get(email=f"admin@{code}.example.jp", is_active=True)
        if contact.global_admin_verified_at is None:
            contracts_services.contact_verify_global_admin(
                contact=contact,
                actor=actor,
                method=VerificationMethod.PHONE_CALLBACK,
                note="デモデータ: 登録済みの電話番号に折り返して確認",
                now=now,
            )


def _customers(now: datetime.datetime) -> list[Customer]:
    products = {}
    for sku, name, family, included, scope in PRODUCTS:
        products[sku], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "family": family,
                "support_included": included,
                "support_scope": scope,
            },
        )
    customers = []
    for code, reseller_name, customer_rows in RESELLERS:
        reseller, _ = Reseller.objects.get_or_create(
            code=code,
            defaults={"name": reseller_name, "partner_center_id": PARTNER_CENTER_IDS.get(code)},
        )
        _contact(
            reseller=reseller,
            email=f"admin@{code}.example.jp",
            name=f"{reseller_name} 管理者",
            phone="03-0000-0000",
            is_global_admin=True,
        )
        reseller_wide_plan = next(plan for *_, plan, _n, own in customer_rows if not own)
        if not SupportContract.objects.filter(reseller=reseller, customer__isnull=True).exists():
            SupportContract.objects.create(
                reseller=reseller, plan=reseller_wide_plan, starts_on=datetime.date(2024, 4, 1)
            )
        for name, domain, plan, suffix, own_contract in customer_rows:
            customer, _ = Customer.objects.get_or_create(
                tenant_id=uuid.UUID(f"00000000-0000-4000-8000-{suffix:012d}"),
                defaults={
                    "reseller": reseller,
                    "name": name,
                    "primary_domain": domain,
                    "delegated_access": DelegatedAccess.REVOKED
                    if suffix == 4
                    else DelegatedAccess.ACTIVE,
                    "delegated_access_changed_at": now,
                    "delegated_access_changed_by": "テナント管理者",
                    "gdap_roles": [
                        "Service Support Administrator",
                        "User Administrator",
                        "License Administrator",
                    ],
                    "gdap_expires_on": datetime.date(2027, 9, 30),
                },
            )
            if own_contract and not SupportContract.objects.filter(customer=customer).exists():
                SupportContract.objects.create(
                    reseller=reseller,
                    customer=customer,
                    plan=plan,
                    starts_on=datetime.date(2024, 4, 1),
                )
            _contact(
                customer=customer,
                email=f"admin@{domain}",
                name=f"{name} 情報システム部",
                phone="03-1111-2222",
                is_global_admin=True,
            )
            _contact(
                customer=customer,
                email=f"user@{domain}",
                name=f"{name} 一般社員",
                phone="03-3333-4444",
                is_global_admin=False,
            )
            available = datetime.datetime(2024, 4, 1, 9, tzinfo=JST)
            for sku, status in [
                ("CFQ7TTC0LF8Q", Subscription.Status.ACTIVE),
                ("CFQ7TTC0LH18", Subscription.Status.ACTIVE),
                ("DG7GMGF0FKZV", Subscription.Status.ACTIVE),
                ("CFQ7TTC0LF8R", Subscription.Status.PENDING),
                ("CFQ7TTC0LDPB", Subscription.Status.ENDED),
            ]:
                Subscription.objects.get_or_create(
                    customer=customer,
                    product=products[sku],
                    defaults={
                        "quantity": 25,
                        "ordered_at": available,
                        "status": status,
                        "available_at": None
                        if status == Subscription.Status.PENDING
                        else available,
                        "ended_at": available + datetime.timedelta(days=365)
                        if status == Subscription.Status.ENDED
                        else None,
                        "end_reason": Subscription.EndReason.CANCELLED
                        if status == Subscription.Status.ENDED
                        else "",
                    },
                )
            customers.append(customer)
    return customers


# (customer index, severity, category, subject, hours ago, status to reach)
TICKETS = [
    (1, "critical", Category.CLOUD_OUTAGE, "全ユーザーでメールの送受信ができない", 3, Status.NEW),
    (2, "critical", Category.CLOUD_OUTAGE, "Teams 会議に参加できない", 0.3, Status.NEW),
    (
        2,
        "high",
        Category.STANDARD_FEATURE,
        "Outlook on the Web のフォルダー表示が崩れる",
        2,
        Status.IN_PROGRESS,
    ),
    (
        0,
        "non_critical",
        Category.TECHNICAL_INFORMATION,
        "パスワードを無期限にする方法",
        30,
        Status.WAITING_ON_CUSTOMER,
    ),
    (
        1,
        "high",
        Category.STANDARD_FEATURE,
        "管理センターで設定できないが PowerShell では可能",
        50,
        Status.WAITING_ON_MICROSOFT,
    ),
    (
        3,
        "non_critical",
        Category.STANDARD_FEATURE,
        "Teams で予定表が表示されない",
        100,
        Status.RESOLVED,
    ),
    (0, "high", Category.ISOLATION, "SharePoint サイトが時々遅い", 200, Status.CLOSED),
    (2, "non_critical", Category.CLIENT_SETUP, "Excel のマクロの書き方", 5, Status.REFUSED),
]


def _tickets(customers: list[Customer], agent: User, now: datetime.datetime) -> int:
    created = 0
    for index, (customer_index, severity, category, subject, hours_ago, status) in enumerate(
        TICKETS
    ):
        customer = customers[customer_index]
        key = f"demo-{index}"
        if Ticket.objects.filter(reseller_id=customer.reseller_id, idempotency_key=key).exists():
            continue
        subscription = customer.subscriptions.get(product__sku="CFQ7TTC0LF8Q")
        requester = customer.contacts.get(is_global_admin=True)
        submitted = now - datetime.timedelta(hours=hours_ago)
        ticket, _ = services.ticket_open_idempotent(
            idempotency_key=key,
            customer=customer,
            subscription=subscription,
            requester=requester,
            severity=severity,
            category=category,
            subject=subject,
            description=f"{subject}。詳細は添付のログをご確認ください。",
            channel=[Channel.PHONE, Channel.EMAIL, Channel.WEB, Channel.API][index % 4],
            submitted_at=submitted,
            actor=agent,
            now=now,
        )
        created += 1
        _reach(ticket, status, agent, now)
    return created


def _reach(ticket: Ticket, status: str, agent: User, now: datetime.datetime) -> None:
    if status == Status.NEW:
        return
    if status == Status.REFUSED:
        services.ticket_refuse(
            ticket=ticket,
            reason=RefusalReason.APP_USAGE,
            actor=agent,
            now=now,
            note="Excel 等の操作方法のお問い合わせはサポート範囲外のため、"
            "お受けできません（約款 3.1）。",
        )
        return
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        author_user=agent,
        actor=agent,
        now=now,
        body="お問い合わせありがとうございます。調査を開始しました。",
        requests_information=status == Status.WAITING_ON_CUSTOMER,
    )
    if status == Status.WAITING_ON_MICROSOFT:
        services.ticket_wait_on_microsoft(
            ticket=ticket, case_number="2611250040001234", actor=agent, now=now
        )
    elif status in (Status.RESOLVED, Status.CLOSED):
        services.ticket_resolve(ticket=ticket, actor=agent, now=now)
        if status == Status.CLOSED:
            services.ticket_close(ticket=ticket, actor=agent, now=now)


@transaction.atomic
def seed_demo(*, password: str, now: datetime.datetime | None = None) -> tuple[list[Login], int]:
    """Create (or find) the demo data; returns the logins and how many tickets were new."""
    now = now or timezone.now()
    customers = _customers(now)
    distributor, _ = Organisation.objects.get_or_create(
        name="シネックス サポートセンター", defaults={"kind": Organisation.Kind.DISTRIBUTOR}
    )
    subcontractor, _ = Organisation.objects.get_or_create(
        name="株式会社サポートパートナー（再委託先）",
        defaults={"kind": Organisation.Kind.SUBCONTRACTOR},
    )
    logins: list[Login] = []
    admin = _user("admin", password, Role.ADMIN, superuser=True)
    logins.append(Login("admin", password, "admin (superuser)"))
    _reseller_admins_verify(actor=admin, now=now)
    agent = _user("demo-agent", password, Role.AGENT)
    supervisor = _user("demo-supervisor", password, Role.SUPERVISOR)
    manager = _user("demo-manager", password, Role.MANAGER)
    sub_agent = _user("demo-subcontractor", password, Role.SUBCONTRACTOR_AGENT)
    for user, organisation in [
        (agent, distributor),
        (supervisor, distributor),
        (manager, distributor),
        (sub_agent, subcontractor),
        (admin, distributor),
    ]:
        Profile.objects.get_or_create(user=user, defaults={"organisation": organisation})
        if user is not admin:
            group = user.groups.first()
            assert group is not None, "_user() put it in its role's group"
            logins.append(Login(user.username, password, group.name))
    for code in ("demo-a", "demo-b"):
        username = f"demo-reseller-{code[-1]}"
        api_user = _user(username, password, Role.RESELLER_API)
        Profile.objects.get_or_create(
            user=api_user, defaults={"reseller": Reseller.objects.get(code=code)}
        )
        token, _ = Token.objects.get_or_create(user=api_user)
        logins.append(Login(username, password, f"reseller API ({code})", token.key))
    Closure.objects.get_or_create(
        name="社内システムメンテナンス（デモ）",
        defaults={
            "starts_at": datetime.datetime(2027, 2, 5, 13, tzinfo=JST),
            "ends_at": datetime.datetime(2027, 2, 5, 17, tzinfo=JST),
        },
    )
    created = _tickets(customers, agent, now)
    # One ticket for the subcontractor's queue.
    first = Ticket.objects.filter(idempotency_key="demo-2").first()
    if first is not None and first.assigned_organisation_id != subcontractor.pk:
        services.ticket_assign(
            ticket=first, assignee=sub_agent, actor=supervisor, organisation=subcontractor
        )
    return logins, created
