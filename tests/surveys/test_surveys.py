"""Satisfaction surveys (Art. 14.2.2): sent on resolution through the outbox, answered once on
a signed public page, opt-outs and relayed tickets respected, results on the ticket, by
webhook and for the reports."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from notifications.models import OutboxMessage
from surveys import links, selectors
from surveys.models import ResellerSurveySetting, Survey, SurveyOptOut
from surveys.services import survey_opt_out
from tests.factories import TicketFactory
from tickets import services as ticket_services
from tickets.models import Channel, TicketEvent
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent

NOW = datetime.datetime(2026, 11, 25, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def phone_ticket(customer_a, subscription_a, admin_contact_a, agent):
    return TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        channel=Channel.PHONE,
        actor=agent,
    )


def _resolve(ticket, agent):
    ticket_services.message_add(
        ticket=ticket, kind="reply", body="設定を修正しました。", author_user=agent, actor=agent
    )
    return ticket_services.ticket_resolve(ticket=ticket, actor=agent)


def _survey_mail(ticket) -> OutboxMessage | None:
    return OutboxMessage.objects.filter(ticket=ticket, dedup_key__startswith="mail:survey:").first()


def _link(mail: OutboxMessage | None) -> str:
    assert mail is not None, "no survey mail"
    match = re.search(r"https?://\S+/surveys/(\S+?)/\s", mail.payload["text"])
    assert match, mail.payload["text"]
    return reverse("surveys:answer", args=[match.group(1)])


@pytest.mark.django_db
def test_resolution_sends_one_survey_mail_with_a_signed_link_and_the_purpose(phone_ticket, agent):
    # when
    _resolve(phone_ticket, agent)
    # then
    survey = Survey.objects.get(ticket=phone_ticket)
    assert survey.contact == phone_ticket.requester
    assert survey.agent == agent
    mail = _survey_mail(phone_ticket)
    assert mail is not None
    assert mail.payload["to"] == [phone_ticket.requester.email]
    assert "14.2.2" in mail.payload["text"]
    assert _link(mail)
    # Reopened and resolved again: no second survey.
    ticket_services.ticket_reopen(ticket=phone_ticket, actor=agent)
    ticket_services.ticket_resolve(ticket=phone_ticket, actor=agent)
    assert Survey.objects.filter(ticket=phone_ticket).count() == 1
    assert OutboxMessage.objects.filter(dedup_key__startswith="mail:survey:").count() == 1


@pytest.mark.django_db
def test_opted_out_contact_is_not_surveyed(phone_ticket, agent):
    survey_opt_out(contact=phone_ticket.requester, via=SurveyOptOut.Via.DESK)
    _resolve(phone_ticket, agent)
    assert not Survey.objects.exists()
    assert _survey_mail(phone_ticket) is None
    assert selectors.survey_skip_reason(ticket=phone_ticket) == selectors.SKIP_OPTED_OUT


@pytest.mark.django_db
def test_relayed_api_tickets_are_surveyed_only_when_the_reseller_opts_in(
    customer_a, subscription_a, admin_contact_a, agent, reseller_a
):
    relayed = TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        channel=Channel.API,
    )
    _resolve(relayed, agent)
    assert not Survey.objects.exists()

    ResellerSurveySetting.objects.create(reseller=reseller_a, survey_api_tickets=True)
    second = TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        channel=Channel.API,
    )
    _resolve(second, agent)
    assert Survey.objects.filter(ticket=second).exists()


@pytest.mark.django_db
def test_answer_on_the_public_page_once_then_change_within_seven_days(
    phone_ticket, agent, reseller_a
):
    Webhook.objects.create(
        reseller=reseller_a,
        url="https://hooks.example.com/x",
        secret="whsec-test-0123456789abcdefghij",
        events=[WebhookEvent.TICKET_SURVEY_ANSWERED],
    )
    with time_machine.travel(NOW, tick=False):
        _resolve(phone_ticket, agent)
    url = _link(_survey_mail(phone_ticket))
    client = Client()  # no login

    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        page = client.get(url)
        assert page.status_code == 200
        assert "14.2.2" in page.content.decode()
        answered = client.post(url, {"rating": "4", "comment": "迅速な対応でした"})
        assert answered.status_code == 200

    survey = Survey.objects.get(ticket=phone_ticket)
    assert (survey.rating, survey.comment) == (4, "迅速な対応でした")
    event = TicketEvent.objects.get(ticket=phone_ticket, kind=TicketEvent.Kind.SURVEY_ANSWERED)
    assert event.data["rating"] == 4
    delivery = WebhookDelivery.objects.get(event=WebhookEvent.TICKET_SURVEY_ANSWERED)
    assert delivery.outbox is not None
    body = delivery.outbox.payload["body"]
    assert body["data"]["rating"] == 4
    assert body["ticket"]["number"] == phone_ticket.number

    with time_machine.travel(NOW + datetime.timedelta(days=6), tick=False):
        assert client.post(url, {"rating": "5", "comment": ""}).status_code == 200
    survey.refresh_from_db()
    assert survey.rating == 5
    assert survey.answered_at == NOW + datetime.timedelta(hours=1)

    with time_machine.travel(NOW + datetime.timedelta(days=8), tick=False):
        late = client.post(url, {"rating": "1"})
        assert late.status_code == 409
    survey.refresh_from_db()
    assert survey.rating == 5


@pytest.mark.django_db
def test_forged_and_expired_links_answer_404(phone_ticket, agent):
    with time_machine.travel(NOW, tick=False):
        _resolve(phone_ticket, agent)
    url = _link(_survey_mail(phone_ticket))
    client = Client()
    assert client.get(url[:-3] + "xyz/").status_code == 404
    with time_machine.travel(NOW + datetime.timedelta(days=15), tick=False):
        assert client.get(url).status_code == 404
        assert client.post(url, {"rating": "3"}).status_code == 404
    assert Survey.objects.get().rating is None


@pytest.mark.django_db
def test_rating_outside_one_to_five_is_refused(phone_ticket, agent):
    _resolve(phone_ticket, agent)
    url = _link(_survey_mail(phone_ticket))
    assert Client().post(url, {"rating": "6"}).status_code == 400
    assert Survey.objects.get().rating is None


@pytest.mark.django_db
def test_opt_out_from_the_answer_and_from_the_mail_link(phone_ticket, agent):
    _resolve(phone_ticket, agent)
    url = _link(_survey_mail(phone_ticket))
    Client().post(url, {"rating": "3", "opt_out": "on"})
    assert SurveyOptOut.objects.filter(contact=phone_ticket.requester).exists()

    SurveyOptOut.objects.all().delete()
    opt_out_path = links.opt_out_url(phone_ticket.requester_id).split("127.0.0.1:8000", 1)[1]
    client = Client()
    assert client.get(opt_out_path).status_code == 200
    assert not SurveyOptOut.objects.exists()  # a GET (a mail scanner) changes nothing
    assert client.post(opt_out_path).status_code == 200
    assert SurveyOptOut.objects.filter(contact=phone_ticket.requester).exists()


@pytest.mark.django_db
def test_english_switch(phone_ticket, agent):
    _resolve(phone_ticket, agent)
    url = _link(_survey_mail(phone_ticket))
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Art. 14.2.2" in page.content.decode() or "14.2.2" in page.content.decode()


@pytest.mark.django_db
def test_ticket_page_shows_the_result(phone_ticket, agent):
    _resolve(phone_ticket, agent)
    Client().post(_link(_survey_mail(phone_ticket)), {"rating": "2", "comment": "遅かった"})
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[phone_ticket.number]))
    content = page.content.decode()
    assert 'id="survey-rating">2 / 5' in content
    assert "遅かった" in content


@pytest.mark.django_db
def test_survey_results_by_agent_and_overall(phone_ticket, agent, supervisor):
    with time_machine.travel(NOW, tick=False):
        _resolve(phone_ticket, agent)
    Client().post(_link(_survey_mail(phone_ticket)), {"rating": "4"})
    start, end = NOW - datetime.timedelta(days=1), NOW + datetime.timedelta(days=1)
    [overall] = selectors.survey_results(user=supervisor, start=start, end=end)
    assert (overall.sent, overall.answered, overall.average) == (1, 1, 4.0)
    assert overall.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    [by_agent] = selectors.survey_results(user=supervisor, start=start, end=end, group_by="agent")
    assert (by_agent.label, by_agent.answered) == ("agent", 1)
    # Someone who sees no tickets sees no results.
    [none] = selectors.survey_results(
        user=type("Anonymous", (), {"is_authenticated": False})(), start=start, end=end
    )
    assert none.sent == 0


# --- the link in the resolving reply --------------------------------------------------------


def _token_of(url: str) -> str | None:
    match = re.search(r"/surveys/([^/\s]+)/", url)
    assert match, url
    return links.answer_token(match.group(1))


def _reply_link(message) -> str:
    match = re.search(r"https?://\S+/surveys/\S+?/(?=\s|$)", message.body)
    assert match, message.body
    return match.group(0)


@pytest.mark.django_db
def test_resolving_reply_carries_the_same_survey_link_as_the_mail(phone_ticket, agent):
    from surveys.services import reply_resolving

    # when
    with time_machine.travel(NOW, tick=False):
        message = reply_resolving(ticket=phone_ticket, body="設定を修正しました。", actor=agent)
    # then: one survey, one mail, the reply and the mail open the same survey
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "resolved"
    survey = Survey.objects.get(ticket=phone_ticket)
    assert message.body.startswith("設定を修正しました。\n\n")
    assert "14.2.2" in message.body
    reply_url = _reply_link(message)
    assert _token_of(reply_url) == str(survey.token)
    assert _token_of(_link(_survey_mail(phone_ticket))) == str(survey.token)
    assert OutboxMessage.objects.filter(dedup_key__startswith="mail:survey:").count() == 1
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        path = reply_url.split("127.0.0.1:8000", 1)[1]
        assert Client().post(path, {"rating": "4"}).status_code in (200, 302)
    survey.refresh_from_db()
    assert survey.rating == 4
    # Reopened, then resolved again by a reply: still one survey, and no link this time.
    ticket_services.ticket_reopen(ticket=phone_ticket, actor=agent)
    again = reply_resolving(ticket=phone_ticket, body="再度修正しました。", actor=agent)
    assert "/surveys/" not in again.body
    assert Survey.objects.filter(ticket=phone_ticket).count() == 1
    assert OutboxMessage.objects.filter(dedup_key__startswith="mail:survey:").count() == 1


@pytest.mark.django_db
def test_resolving_reply_has_no_link_when_the_requester_is_not_surveyed(
    phone_ticket, agent, customer_a, subscription_a, admin_contact_a
):
    from surveys.services import reply_resolving

    survey_opt_out(contact=phone_ticket.requester, via=SurveyOptOut.Via.DESK)
    message = reply_resolving(ticket=phone_ticket, body="対応しました。", actor=agent)
    assert message.body == "対応しました。"
    assert not Survey.objects.exists()
    SurveyOptOut.objects.all().delete()
    relayed = TicketFactory(
        customer=customer_a,
        subscription=subscription_a,
        requester=admin_contact_a,
        channel=Channel.API,
    )
    message = reply_resolving(ticket=relayed, body="対応しました。", actor=agent)
    assert "/surveys/" not in message.body
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_ticket_page_reply_resolves_with_the_link(phone_ticket, agent):
    client = Client()
    client.force_login(agent)
    url = reverse("workspace:ticket_action", args=[phone_ticket.number, "reply"])
    refused = client.post(
        url,
        {
            "reply-body": "ログをお送りください。",
            "reply-requests_information": "on",
            "reply-resolve": "on",
        },
    )
    assert refused.status_code == 400
    assert not phone_ticket.messages.filter(kind="reply").exists()
    sent = client.post(url, {"reply-body": "修正しました。", "reply-resolve": "on"})
    assert sent.status_code == 302
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "resolved"
    reply = phone_ticket.messages.get(kind="reply")
    assert _token_of(_reply_link(reply)) == str(Survey.objects.get(ticket=phone_ticket).token)
    page = client.get(reverse("workspace:ticket", args=[phone_ticket.number]))
    assert 'name="reply-resolve"' in page.content.decode()
