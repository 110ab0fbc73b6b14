"""The agents' held list at /mail/held/: desk staff only, a constant number of queries."""

from __future__ import annotations

import pytest

from accounts.models import Profile
from mail import services
from mail.models import InboundMail, MailTemplate
from notifications.models import OutboxMessage
from tests.factories import ContactFactory, UserFactory
from tests.mail.conftest import delivered, receive, sample, ticket_of
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/mail/held/"


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def held(number: int) -> None:
    raw = (
        f"From: stranger{number}@example.com\r\nMessage-ID: <held{number}@example.com>\r\n"
        f"Subject: =?UTF-8?B?5Y+X5LuY?= {number}\r\n\r\nhi\r\n"
    ).encode()
    receive(raw)


def test_anonymous_users_log_in_first(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reseller_api_users_and_subcontractors_are_refused(client, reseller_a_user, world):
    held(1)
    subcontractor = UserFactory(username="sub", roles=["subcontractor_agent"])
    Profile.objects.create(user=subcontractor)

    for user in (reseller_a_user, subcontractor):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert b"stranger1@example.com" not in response.content


def test_agents_see_held_mail_newest_first(client, agent, world, django_assert_max_num_queries):
    for number in range(5):
        held(number)
    receive(sample("iso2022jp_plain.eml"))  # opens a ticket: not held
    client.force_login(agent)

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
    mails = [mail for mail, _shown in response.context["mails"]]
    assert [mail.from_address for mail in mails] == [
        f"stranger{number}@example.com" for number in (4, 3, 2, 1, 0)
    ]
    content = response.content.decode()
    assert "受付 3" in content
    assert "unknown_sender" in content
    assert "yamada@customer-a.example.jp" not in content


def test_admin_held_list_and_mail_page(client, world):
    held(1)
    opened_ticket = ticket_of(receive(sample("iso2022jp_plain.eml")))
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    listing = client.get("/admin/mail/heldmail/")
    mail = services.selectors.held_mails().get()
    page = client.get(f"/admin/mail/heldmail/{mail.pk}/change/")
    opened = client.get("/admin/mail/inboundmail/?status=ticket_opened")

    assert listing.status_code == 200
    assert "stranger1@example.com" in listing.content.decode()
    assert "yamada@customer-a.example.jp" not in listing.content.decode()
    assert page.status_code == 200
    assert "<pre" in page.content.decode() and "hi" in page.content.decode()
    assert opened.status_code == 200
    assert opened_ticket.number in opened.content.decode()


def test_admin_refuses_a_template_with_broken_syntax(client, db):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.post(
        "/admin/mail/mailtemplate/add/",
        {"key": "reply", "language": "ja", "subject": "{% if %}", "text": "本文", "html": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["subject"]
    assert not MailTemplate.objects.filter(key="reply").exists()  # (merged is seeded)


def test_a_held_mail_becomes_a_ticket_once_its_sender_is_a_known_global_admin(client, agent, world):
    # Given a mail held because its sender is unknown (the polite answer went out once)
    raw = (
        "From: Kimura <kimura@customer-a.example.jp>\r\nMessage-ID: <reprocess1@example.jp>\r\n"
        "Subject: =?UTF-8?B?44Oh44O844Or44GM5bGK44GL44Gq44GE?=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "\u91cd\u5927\u5ea6: \u91cd\u5927\r\n\u5168\u793e\u3067\u30e1\u30fc\u30eb\u4e0d\u901a\r\n"
    ).encode()
    inbound = receive(raw)
    assert inbound.status == "held"
    held_replies = OutboxMessage.objects.filter(dedup_key=f"mail:held:{inbound.pk}").count()
    client.force_login(agent)

    # When the agent retries before fixing anything, it stays held and nobody is mailed again
    response = client.post(f"/mail/held/{inbound.pk}/reprocess/")
    inbound.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == URL
    assert inbound.status == "held"
    assert OutboxMessage.objects.filter(dedup_key=f"mail:held:{inbound.pk}").count() == 1
    assert held_replies == 1

    # When the sender is registered as a global admin and the agent retries
    ContactFactory(customer=world.customer, email="kimura@customer-a.example.jp")
    response = client.post(f"/mail/held/{inbound.pk}/reprocess/")

    # Then the mail opens a ticket whose clock runs from the mail's arrival
    inbound.refresh_from_db()
    assert inbound.status == "ticket_opened"
    ticket = ticket_of(inbound)
    assert response["Location"] == f"/tickets/{ticket.number}/"
    assert (ticket.channel, ticket.severity) == ("email", "critical")
    assert ticket.submitted_at == inbound.received_at
    # and a second retry is refused without a second ticket
    response = client.post(f"/mail/held/{inbound.pk}/reprocess/")
    assert response.status_code == 404
    assert Ticket.objects.count() == 1


def test_reprocess_is_for_desk_staff_and_post_only(client, reseller_a_user, agent, world):
    held(7)
    inbound = InboundMail.objects.get()
    client.force_login(reseller_a_user)
    assert client.post(f"/mail/held/{inbound.pk}/reprocess/").status_code == 403
    client.force_login(agent)
    assert client.get(f"/mail/held/{inbound.pk}/reprocess/").status_code == 405
    inbound.refresh_from_db()
    assert inbound.status == "held"


# --- release of a mail whose sender was not authenticated (DOMAIN.md §12) ---------------------


def held_unauthenticated() -> InboundMail:
    inbound = services.inbound_receive(raw=delivered(sample("iso2022jp_plain.eml"), dmarc="fail"))
    assert (inbound.status, inbound.reason) == ("held", "sender_unauthenticated")
    return inbound


def test_the_held_list_offers_the_release_only_for_unauthenticated_senders(client, agent, world):
    unauthenticated = held_unauthenticated()
    held(1)
    client.force_login(agent)

    content = client.get(URL).content.decode()

    assert "sender_unauthenticated" in content
    assert content.count("/release/") == 1
    assert f"/mail/held/{unauthenticated.pk}/release/" in content


def test_an_agent_releases_a_held_mail_with_the_call_back_recorded(client, agent, world, frozen):
    inbound = held_unauthenticated()
    client.force_login(agent)
    url = f"/mail/held/{inbound.pk}/release/"

    page = client.get(url)
    assert page.status_code == 200
    assert "dmarc=fail header.from=customer-a.example.jp" in page.content.decode()
    assert "<li>山田 太郎 — 顧客A1株式会社</li>" in page.content.decode()

    # without saying how the sender was verified nothing happens
    refused = client.post(url, {"method": "phone_callback", "reason": "  "})
    inbound.refresh_from_db()
    assert refused.status_code == 400
    assert (inbound.status, inbound.released_at) == ("held", None)

    response = client.post(
        url, {"method": "phone_callback", "reason": "登録番号 03-… に折り返し、山田様が送信と確認"}
    )

    inbound.refresh_from_db()
    ticket = ticket_of(inbound)
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.number}/"
    assert (inbound.status, inbound.released_by) == ("ticket_opened", agent)
    # and the ticket's history names the agent and the reason
    timeline = client.get(response["Location"]).content.decode()
    assert "送信者を確認して保留メールを受付" in timeline
    assert "登録番号 03-… に折り返し、山田様が送信と確認" in timeline
    assert "登録済みの電話番号への折り返し電話" in timeline


def test_release_is_for_desk_staff_and_only_for_unauthenticated_mail(
    client, agent, reseller_a_user, world
):
    inbound = held_unauthenticated()
    held(2)
    other = InboundMail.objects.get(reason="unknown_sender")
    subcontractor = UserFactory(username="sub", roles=["subcontractor_agent"])
    Profile.objects.create(user=subcontractor)
    data = {"method": "phone_callback", "reason": "確認済み"}

    for user in (reseller_a_user, subcontractor):
        client.force_login(user)
        assert client.post(f"/mail/held/{inbound.pk}/release/", data).status_code == 403
    client.force_login(agent)
    assert client.post(f"/mail/held/{other.pk}/release/", data).status_code == 404
    inbound.refresh_from_db()
    assert (inbound.status, inbound.released_at) == ("held", None)


# --- a raw UTF-8 display name ---------------------------------------------------------------


def test_a_raw_utf8_display_name_is_answered_and_shown(client, agent, world, frozen):
    # given a mail whose From header carries UTF-8 bytes without encoded words
    raw = (
        "From: 木村 健 <kimura@unknown.example.jp>\r\nTo: support@example.jp\r\n"
        "Message-ID: <raw-utf8@unknown.example.jp>\r\nSubject: =?UTF-8?B?5Y+X5LuY?=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"
    ).encode()

    inbound = receive(raw)

    # then it is held as an unknown sender and answered by name
    assert (inbound.status, inbound.reason) == ("held", "unknown_sender")
    row = OutboxMessage.objects.get(dedup_key=f"mail:held:{inbound.pk}")
    assert "木村 健 様" in row.payload["text"]
    # and the held list and the outbox page show it
    client.force_login(agent)
    assert client.get(URL).status_code == 200
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    page = client.get(f"/admin/notifications/outboxmessage/{row.pk}/change/")
    assert page.status_code == 200
    assert "木村 健 様" in page.content.decode()
