# ruff: noqa: F811  (the subcontractor fixtures are imported from the workspace tests)
"""One access matrix: every role × every page and endpoint of the URL conf (the admin's
included) → the status it answers, and whether a contact's email and phone reach it masked or
shown (Art. 12, 14; issue 10).

The matrix is checked against the URL conf itself: a URL pattern with no entry here fails
`test_every_url_pattern_has_an_entry`, so a new page cannot be forgotten. Admin pages are
generated per registered model (list, add, change, history, delete, old version) from
`ADMIN_MODELS`, which must name every model the admin registers.

Statuses: 200 allowed; 302 to a login page (`LOGIN`) or after a write; 403 refused; 404 not
found or not yours (nothing leaks that it exists); 401 the API without credentials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Profile
from contracts.models import Contact, Customer
from mail.models import InboundMail
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, UserFactory
from tests.files import png
from tests.workspace.conftest import (
    make_ticket,
    subcontractor_agent,  # noqa: F401
    subcontractor_org,  # noqa: F401
)
from tickets.models import Attachment, Message, Ticket
from tickets.services import AttachmentUpload, message_add, ticket_assign
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

ROLES = ("anon", "reseller", "agent", "subcontractor", "supervisor", "superuser")
EMAIL = "hanako.sato@customer-matrix.example.jp"
PHONE = "03-9876-5432"
LOGIN = 302  # to the login page
MISSING = "999999"


def row(anon, reseller, agent, subcontractor, supervisor, superuser) -> dict[str, int]:
    return dict(
        zip(ROLES, (anon, reseller, agent, subcontractor, supervisor, superuser), strict=True)
    )


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


WORKSPACE = row(LOGIN, 403, 200, 200, 200, 200)
DISTRIBUTOR_DESK = row(LOGIN, 403, 200, 403, 200, 200)
LOGGED_IN = row(LOGIN, 200, 200, 200, 200, 200)
API_ALL = row(401, 200, 200, 200, 200, 200)
API_OWN = row(401, 200, 200, 404, 200, 200)  # reseller A's object; the subcontractor's not


@dataclass
class Page:
    url: Callable[[World], str]
    expected: dict[str, int]
    method: str = "get"
    data: Callable[[World], dict] = field(default=lambda w: {})
    # "masked": the contact's email and phone never appear; "shown": the reseller reads its
    # own contact as registered, desk users masked.
    personal_data: str = ""


@dataclass
class World:
    ticket: Ticket
    handed: Ticket
    contact: Contact
    customer: Customer
    attachment: Attachment
    held: InboundMail
    webhook: Webhook


# Named patterns (namespace:name) and unnamed ones (their route) → what each role gets.
PAGES: dict[str, Page] = {
    "healthz": Page(lambda w: "/healthz", everyone(200)),
    "set_language": Page(
        lambda w: "/i18n/setlang/", everyone(302), "post", lambda w: {"language": "en"}
    ),
    "login": Page(lambda w: "/accounts/login/", everyone(200)),
    "logout": Page(lambda w: "/accounts/logout/", everyone(302), "post"),
    "password_change": Page(lambda w: "/accounts/password_change/", LOGGED_IN),
    "password_change_done": Page(lambda w: "/accounts/password_change/done/", LOGGED_IN),
    "password_reset": Page(lambda w: "/accounts/password_reset/", everyone(200)),
    "password_reset_done": Page(lambda w: "/accounts/password_reset/done/", everyone(200)),
    "password_reset_confirm": Page(lambda w: "/accounts/reset/MQ/bad-token/", everyone(200)),
    "password_reset_complete": Page(lambda w: "/accounts/reset/done/", everyone(200)),
    "notifications:list": Page(lambda w: "/notifications/", LOGGED_IN),
    "notifications:read": Page(
        lambda w: "/notifications/999999/read/", row(LOGIN, 404, 404, 404, 404, 404), "post"
    ),
    "notifications:read_all": Page(lambda w: "/notifications/read-all/", everyone(302), "post"),
    "mail:held_list": Page(lambda w: "/mail/held/", DISTRIBUTOR_DESK, personal_data="masked"),
    "mail:held_reprocess": Page(
        lambda w: f"/mail/held/{w.held.pk}/reprocess/", row(LOGIN, 403, 302, 403, 302, 302), "post"
    ),
    "mail:held_release": Page(
        lambda w: f"/mail/held/{w.held.pk}/release/", DISTRIBUTOR_DESK, personal_data="masked"
    ),
    "microsoft:partner_center_events": Page(
        lambda w: "/microsoft/partner-center/events", everyone(401), "post"
    ),
    "incidents:list": Page(lambda w: "/incidents/", WORKSPACE),
    "incidents:detail": Page(lambda w: "/incidents/none/", row(LOGIN, 403, 404, 404, 404, 404)),
    "incidents:update": Page(
        lambda w: "/incidents/none/update/", row(LOGIN, 403, 404, 404, 404, 404), "post"
    ),
    "incidents:resolve": Page(
        lambda w: "/incidents/none/resolve/", row(LOGIN, 403, 404, 404, 404, 404), "post"
    ),
    "incidents:link": Page(
        lambda w: "/incidents/none/link/", row(LOGIN, 403, 404, 404, 404, 404), "post"
    ),
    "v1:sla-preview": Page(
        lambda w: (
            "/api/v1/sla/preview/?plan=24x365&severity=high&submitted_at=2026-11-25T01:00:00Z"
        ),
        API_ALL,
    ),
    "v1:ticket-messages": Page(lambda w: f"/api/v1/tickets/{w.ticket.number}/messages/", API_OWN),
    "v1:ticket-attachment": Page(
        lambda w: f"/api/v1/tickets/{w.ticket.number}/attachments/{w.attachment.pk}/", API_OWN
    ),
    "v1:webhook-deliveries": Page(
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/deliveries/", row(401, 200, 403, 403, 403, 403)
    ),
    "v1:customer-list": Page(lambda w: "/api/v1/customers/", API_ALL),
    "v1:customer-detail": Page(lambda w: f"/api/v1/customers/{w.customer.pk}/", API_OWN),
    "v1:contact-list": Page(lambda w: "/api/v1/contacts/", API_ALL, personal_data="shown"),
    "v1:contact-detail": Page(
        lambda w: f"/api/v1/contacts/{w.contact.pk}/", API_OWN, personal_data="shown"
    ),
    "v1:subscription-list": Page(lambda w: "/api/v1/subscriptions/", API_ALL),
    "v1:subscription-detail": Page(
        lambda w: f"/api/v1/subscriptions/{w.ticket.subscription_id}/", API_OWN
    ),
    "v1:ticket-list": Page(lambda w: "/api/v1/tickets/", API_ALL, personal_data="masked"),
    "v1:ticket-detail": Page(
        lambda w: f"/api/v1/tickets/{w.ticket.number}/", API_OWN, personal_data="masked"
    ),
    "v1:webhook-list": Page(lambda w: "/api/v1/webhooks/", row(401, 200, 403, 403, 403, 403)),
    "v1:webhook-detail": Page(
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/", row(401, 200, 403, 403, 403, 403)
    ),
    "api-schema": Page(lambda w: "/api/schema/", everyone(200)),
    "api-docs": Page(lambda w: "/api/docs/", everyone(200)),
    "api/^.*$": Page(lambda w: "/api/v1/nothing-here/", everyone(404)),
    "workspace:queue": Page(lambda w: "/", WORKSPACE, personal_data="masked"),
    "workspace:dashboard": Page(lambda w: "/dashboard/", row(LOGIN, 403, 403, 403, 200, 200)),
    "workspace:phone_intake_search": Page(
        lambda w: f"/tickets/new/?search={w.customer.name}", DISTRIBUTOR_DESK
    ),
    "workspace:phone_intake": Page(
        lambda w: f"/tickets/new/{w.customer.pk}/", DISTRIBUTOR_DESK, personal_data="masked"
    ),
    "workspace:phone_intake_refuse": Page(
        lambda w: f"/tickets/new/{w.customer.pk}/refuse/",
        row(LOGIN, 403, 302, 403, 302, 302),
        "post",
        lambda w: {
            "refusal-caller_name": "Caller",
            "refusal-reason": "out_of_scope",
            "refusal-summary": "How to use Excel",
        },
    ),
    "workspace:refused_call": Page(
        lambda w: f"/tickets/new/refused/{MISSING}/", row(LOGIN, 403, 404, 403, 404, 404)
    ),
    "workspace:ticket": Page(
        lambda w: f"/tickets/{w.ticket.number}/",
        row(LOGIN, 403, 200, 404, 200, 200),
        personal_data="masked",
    ),
    "workspace:attachment": Page(
        lambda w: f"/tickets/{w.ticket.number}/attachments/{w.attachment.pk}/",
        row(LOGIN, 403, 200, 404, 200, 200),
    ),
    "workspace:ticket_action": Page(
        lambda w: f"/tickets/{w.ticket.number}/take/", row(LOGIN, 403, 302, 404, 302, 302), "post"
    ),
    # The queue's rows refreshed by its script: the queue's own rule and masking.
    "workspace:queue_live": Page(
        lambda w: f"/live/?queue=all&search={w.ticket.number}", WORKSPACE, personal_data="masked"
    ),
    "workspace:queue_presence": Page(
        lambda w: f"/presence/?numbers={w.ticket.number}", row(LOGIN, 403, 200, 200, 200, 200)
    ),
    # The nav bell's count, polled by pages that poll nothing else: anyone signed in.
    "workspace:notifications_bell": Page(lambda w: "/live/bell/", LOGGED_IN),
    # Bulk actions are the supervisors': a post without tickets goes back to the queue.
    "workspace:queue_bulk": Page(lambda w: "/bulk/", row(LOGIN, 403, 403, 403, 302, 302), "post"),
    # Presence is reported by POST (the page's script); a GET is refused.
    "workspace:ticket_presence": Page(
        lambda w: f"/tickets/{w.ticket.number}/presence/", row(LOGIN, 403, 405, 405, 405, 405)
    ),
    "replies:list": Page(lambda w: "/reply-templates/", WORKSPACE),
    "replies:new": Page(lambda w: "/reply-templates/new/", WORKSPACE),
    "replies:edit": Page(
        lambda w: f"/reply-templates/{MISSING}/", row(LOGIN, 403, 404, 404, 404, 404)
    ),
    "knowledge:list": Page(lambda w: "/knowledge/", WORKSPACE),
    "knowledge:create": Page(lambda w: "/knowledge/new/", DISTRIBUTOR_DESK),
    "knowledge:detail": Page(
        lambda w: f"/knowledge/{MISSING}/", row(LOGIN, 403, 404, 404, 404, 404)
    ),
    "knowledge:edit": Page(
        lambda w: f"/knowledge/{MISSING}/edit/", row(LOGIN, 403, 404, 403, 404, 404)
    ),
    # Only a resolved ticket becomes an article draft; the world's ticket is open.
    "knowledge:from_ticket": Page(
        lambda w: f"/knowledge/from-ticket/{w.ticket.number}/",
        row(LOGIN, 403, 403, 403, 403, 403),
        "post",
    ),
    "reports:page": Page(lambda w: "/reports/", row(LOGIN, 403, 403, 403, 200, 200)),
    # A link that is not signed by the desk: nothing to answer, nothing to opt out of.
    "surveys:answer": Page(lambda w: "/surveys/not-a-signature/", everyone(404)),
    # The opt-out page asks before it changes anything (mail scanners follow links): its GET
    # answers whatever the link, its POST checks the signature.
    "surveys:opt_out": Page(lambda w: "/surveys/opt-out/not-a-signature/", everyone(200)),
    "v1:knowledge-article-list": Page(lambda w: "/api/v1/knowledge/articles/", API_ALL),
    "v1:knowledge-article-detail": Page(
        lambda w: f"/api/v1/knowledge/articles/{MISSING}/", row(401, 404, 404, 404, 404, 404)
    ),
    "v1:reports-sla": Page(lambda w: "/api/v1/reports/sla/?month=2026-11", API_ALL),
    # The admin's own pages (each model's pages are generated below).
    "admin:index": Page(lambda w: "/admin/", row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200)),
    # A desk login that is not staff is offered the admin's login form again.
    "admin:login": Page(lambda w: "/admin/login/", row(200, 200, 200, 200, 302, 302)),
    "admin:logout": Page(lambda w: "/admin/logout/", everyone(302), "post"),
    "admin:password_change": Page(
        lambda w: "/admin/password_change/", row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200)
    ),
    "admin:password_change_done": Page(
        lambda w: "/admin/password_change/done/", row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200)
    ),
    "admin:autocomplete": Page(
        lambda w: (
            "/admin/autocomplete/?app_label=contracts&model_name=customer&field_name=customer"
        ),
        row(LOGIN, LOGIN, LOGIN, LOGIN, 403, 403),
    ),
    "admin:jsi18n": Page(lambda w: "/admin/jsi18n/", row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200)),
    "admin:view_on_site": Page(
        lambda w: "/admin/r/999999/1/", row(LOGIN, LOGIN, LOGIN, LOGIN, 404, 404)
    ),
    "admin:app_list": Page(lambda w: "/admin/tickets/", row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200)),
    "admin:auth_user_password_change": Page(
        lambda w: f"/admin/auth/user/{MISSING}/password/",
        row(LOGIN, LOGIN, LOGIN, LOGIN, 403, 404),
    ),
    "admin:contracts_contact_reveal": Page(
        lambda w: f"/admin/contracts/contact/{w.contact.pk}/reveal/",
        row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200),
        personal_data="masked",
    ),
    "admin:sla_recompute_deadlines": Page(
        lambda w: "/admin/sla/supportpolicy/recompute-deadlines/",
        row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200),
    ),
    "admin/(?P<url>.*)$": Page(
        lambda w: "/admin/nothing/here/", row(LOGIN, LOGIN, LOGIN, LOGIN, 404, 404)
    ),
}

# --- the admin, per registered model --------------------------------------------------------------


# What a supervisor (staff, the role's model permissions) may open of each model, and what a
# superuser may not: "view" opens the list, an object and its history; "none" is a 403.
# `add` / `delete`: whether the superuser may add or delete one (False: refused to everyone:
# written only by the services, or a record that stays).
@dataclass(frozen=True)
class AdminModel:
    supervisor: str = "none"
    add: bool = True
    delete: bool = True
    # An object of the world opened on its change and history pages (else a missing id).
    obj: Callable[[World], Model] | None = None
    personal_data: str = ""


ADMIN_MODELS: dict[str, AdminModel] = {
    "auth.group": AdminModel(),
    "auth.user": AdminModel(),
    "authtoken.tokenproxy": AdminModel(),
    "django_celery_beat.periodictask": AdminModel(),
    "django_celery_beat.clockedschedule": AdminModel(),
    "django_celery_beat.crontabschedule": AdminModel(),
    "django_celery_beat.solarschedule": AdminModel(),
    "django_celery_beat.intervalschedule": AdminModel(),
    "axes.accessattempt": AdminModel(add=False),
    "axes.accesslog": AdminModel(add=False),
    "axes.accessfailurelog": AdminModel(add=False),
    "accounts.organisation": AdminModel(),
    "accounts.profile": AdminModel(),
    "contracts.reseller": AdminModel(supervisor="view"),
    "contracts.customer": AdminModel(supervisor="view", obj=lambda w: w.customer),
    "contracts.contact": AdminModel(
        supervisor="view", obj=lambda w: w.contact, personal_data="masked"
    ),
    "contracts.product": AdminModel(supervisor="view"),
    "contracts.subscription": AdminModel(supervisor="view"),
    "contracts.supportcontract": AdminModel(supervisor="view"),
    "sla.openinghours": AdminModel(),
    "sla.nationalholiday": AdminModel(),
    "sla.holidayoverride": AdminModel(),
    "sla.companyholiday": AdminModel(),
    "sla.closure": AdminModel(),
    "sla.supportpolicy": AdminModel(supervisor="view"),
    "sla.policyrule": AdminModel(supervisor="view"),
    "sla.escalationrule": AdminModel(supervisor="view"),
    "tickets.ticket": AdminModel(
        supervisor="view", add=False, obj=lambda w: w.ticket, personal_data="masked"
    ),
    "tickets.message": AdminModel(supervisor="view", add=False, personal_data="masked"),
    "tickets.attachment": AdminModel(supervisor="view", add=False, obj=lambda w: w.attachment),
    "tickets.ticketevent": AdminModel(supervisor="view", add=False, delete=False),
    "tickets.ticketsequence": AdminModel(),
    "notifications.notification": AdminModel(),
    "notifications.outboxmessage": AdminModel(add=False),
    "webhooks.webhook": AdminModel(),
    "webhooks.webhookdelivery": AdminModel(add=False),
    "workspace.contactreveal": AdminModel(add=False, delete=False),
    "mail.inboundmail": AdminModel(add=False, obj=lambda w: w.held, personal_data="masked"),
    "mail.heldmail": AdminModel(add=False, obj=lambda w: w.held, personal_data="masked"),
    "mail.mailtemplate": AdminModel(),
    "microsoft.syncrun": AdminModel(add=False),
    "microsoft.partnercentercredential": AdminModel(add=False),
    "microsoft.gdaprelationship": AdminModel(add=False),
    "microsoft.gdapwarning": AdminModel(add=False),
    "microsoft.partnercenterevent": AdminModel(add=False),
    "microsoft.partnercentersubscription": AdminModel(add=False),
    "microsoft.servicerequest": AdminModel(add=False),
    "microsoft.supporttopic": AdminModel(add=False),
    "knowledge.article": AdminModel(),
    "surveys.survey": AdminModel(add=False),
    "surveys.surveyoptout": AdminModel(),
    "surveys.resellersurveysetting": AdminModel(),
    "reports.resellerreportsetting": AdminModel(),
    "replies.replytemplate": AdminModel(),
}
NOT_STAFF = ("anon", "reseller", "agent", "subcontractor")


def _admin_pages(label: str, spec: AdminModel) -> dict[str, Page]:
    """The pages of one registered model, with what each role gets."""
    app_label, model_name = label.split(".")
    base = f"/admin/{app_label}/{model_name}/"
    model_admin = admin.site._registry[_model(label)]
    has_history = hasattr(model_admin, "history_form_view")

    def expected(supervisor: int, superuser: int) -> dict[str, int]:
        return {**dict.fromkeys(NOT_STAFF, LOGIN), "supervisor": supervisor, "superuser": superuser}

    def obj_id(w: World) -> str:
        return str(spec.obj(w).pk) if spec.obj else MISSING

    # A missing object: a permitted user is sent back to the index (302).
    found = 200 if spec.obj else 302
    view = spec.supervisor == "view"
    prefix = f"admin:{app_label}_{model_name}"
    pages = {
        f"{prefix}_changelist": Page(
            lambda w: base, expected(200 if view else 403, 200), personal_data=spec.personal_data
        ),
        f"{prefix}_add": Page(lambda w: f"{base}add/", expected(403, 200 if spec.add else 403)),
        f"{prefix}_change": Page(
            lambda w: f"{base}{obj_id(w)}/change/",
            expected(found if view else 403, found),
            personal_data=spec.personal_data,
        ),
        f"{prefix}_history": Page(
            lambda w: f"{base}{obj_id(w)}/history/",
            # The desk's history page: a missing object is a 404 for those who may read the
            # model; Django's own (models without a kept history) redirects first.
            expected((200 if spec.obj else 404) if view else 403, 200 if spec.obj else 404)
            if has_history
            else expected(found if view or not spec.obj else 403, found),
            personal_data=spec.personal_data,
        ),
        f"{prefix}_delete": Page(
            lambda w: f"{base}{obj_id(w)}/delete/",
            expected(403, (found if spec.delete else 403)),
        ),
        # Django's redirect to the change page: the change page decides.
        f"admin/{app_label}/{model_name}/<path:object_id>/": Page(
            lambda w: f"{base}{obj_id(w)}/", expected(302, 302)
        ),
    }
    if has_history:
        # No old version is opened as a form, nor restored: refused to everyone (issue 10).
        pages[f"{prefix}_simple_history"] = Page(
            lambda w: f"{base}{obj_id(w)}/history/1/", expected(403, 403)
        )
    return pages


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def all_pages() -> dict[str, Page]:
    pages = dict(PAGES)
    for label, spec in ADMIN_MODELS.items():
        pages.update(_admin_pages(label, spec))
    return pages


# --- the URL conf -------------------------------------------------------------------------------


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield f"{namespace}{pattern.name}" if pattern.name else route


def url_conf_keys() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def test_every_url_pattern_has_an_entry():
    """A page added to the URL conf without saying who may open it fails here."""
    missing = sorted(url_conf_keys() - set(all_pages()))
    assert missing == [], f"URL patterns with no entry in the access matrix: {missing}"


def test_every_registered_admin_model_has_an_entry():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


def test_the_matrix_names_no_page_that_does_not_exist():
    assert sorted(set(all_pages()) - url_conf_keys()) == []


# --- the requests -------------------------------------------------------------------------------


@pytest.fixture
def world(customer_a, reseller_b, subcontractor_org, agent) -> World:
    customer_a.primary_domain = "customer-matrix.example.jp"
    customer_a.save()
    contact = ContactFactory(customer=customer_a, email=EMAIL, phone=PHONE, is_global_admin=True)
    subscription = SubscriptionFactory(customer=customer_a)
    ticket = make_ticket(customer_a, subscription=subscription, requester=contact)
    # The subcontractor's ticket: another reseller's customer, so nothing of reseller A's is
    # the subcontractor's business.
    customer_b = CustomerFactory(reseller=reseller_b)
    handed = make_ticket(customer_b)
    ticket_assign(ticket=handed, assignee=None, organisation=subcontractor_org, actor=agent)
    message = message_add(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="ログを添付します。",
        author_contact=contact,
        attachments=[
            AttachmentUpload(
                "screen.png", "image/png", SimpleUploadedFile("screen.png", png(), "image/png")
            )
        ],
    )
    held = InboundMail.objects.create(
        message_id="<matrix-held@customer-matrix.example.jp>",
        from_address=EMAIL,
        subject="至急",
        status=InboundMail.Status.HELD,
        reason="sender_unauthenticated",
        raw=b"From: " + EMAIL.encode() + b"\r\nSubject: x\r\n\r\nhi",
        received_at="2026-11-25T01:00:00Z",
    )
    webhook = Webhook.objects.create(
        reseller=customer_a.reseller,
        url="https://hooks.example.com/x",
        secret="s3cret-for-the-matrix-0123456789",
        events=["ticket.created"],
    )
    return World(
        ticket=ticket,
        handed=handed,
        contact=contact,
        customer=customer_a,
        attachment=message.attachments.get(),
        held=held,
        webhook=webhook,
    )


@pytest.fixture
def users(reseller_a_user, agent, subcontractor_agent, distributor) -> dict[str, object]:
    supervisor = UserFactory(username="matrix-supervisor", roles=["supervisor"], is_staff=True)
    Profile.objects.create(user=supervisor, organisation=distributor)
    return {
        "reseller": reseller_a_user,
        "agent": agent,
        "subcontractor": subcontractor_agent,
        "supervisor": supervisor,
        "superuser": UserFactory(username="matrix-root", is_superuser=True, is_staff=True),
    }


def _request(client: Client, page: Page, world: World):
    url = page.url(world)
    if page.method == "post":
        return client.post(url, page.data(world))
    return client.get(url)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


# Slow by nature for the superuser and the supervisor (about 5 s each): every page of the
# product and the admin, rendered for the role; one test per role keeps the world built once.
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_answer_on_every_page(role, world, users, settings):
    settings.API_THROTTLE_RATE = "none"
    client = Client()
    if role != "anon":
        client.force_login(users[role])
    wrong = []
    for key, page in sorted(all_pages().items()):
        # Each page on the same world: what a write did is rolled back before the next.
        with transaction.atomic():
            response = _request(client, page, world)
            transaction.set_rollback(True)
        if role != "anon" and key in ("logout", "admin:logout"):
            client.force_login(users[role])
        expected = page.expected[role]
        if response.status_code != expected:
            wrong.append(f"{key}: {response.status_code} (expected {expected})")
            continue
        body = _body(response)
        if response.status_code == 200 and page.personal_data:
            unmasked = role == "reseller" and page.personal_data == "shown"
            leaked = EMAIL in body or PHONE in body
            if unmasked and EMAIL not in body:
                wrong.append(f"{key}: the reseller's own contact is not shown")
            if not unmasked and leaked:
                wrong.append(f"{key}: personal data unmasked")
    assert wrong == [], "\n".join(wrong)
