"""Writes of surveys: sending one on resolution, answering it, opting out.

`on_ticket_event` is listed in settings.TICKET_EVENT_SUBSCRIBERS: the survey and its mail are
written in the transaction that resolves the ticket, so a rolled-back resolution sends
nothing and a committed one is never lost (the mail goes through the outbox)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.models import Contact
from mail import selectors as mail_selectors
from mail.rendering import format_jst, mail_render
from mail.services import email_payload
from notifications.services import outbox_enqueue
from surveys import links
from surveys.exceptions import SurveyAnswerClosed, SurveyLinkInvalid, SurveyRatingInvalid
from surveys.models import Survey, SurveyOptOut
from surveys.selectors import survey_skip_reason
from tickets import services as ticket_services
from tickets.events import event_record
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import AttachmentUpload


def update_days() -> int:
    """How long after the first answer a second click still changes it."""
    return int(getattr(settings, "SURVEY_UPDATE_DAYS", 7))


def on_ticket_event(event: TicketEvent) -> None:
    """TICKET_EVENT_SUBSCRIBERS entry: a ticket resolved gets its survey (once)."""
    if event.kind == TicketEvent.Kind.STATUS_CHANGED and event.data.get("to") == Status.RESOLVED:
        survey_send(ticket=event.ticket, agent=event.actor or event.ticket.assignee)


def survey_send(
    *, ticket: Ticket, agent=None, now: datetime.datetime | None = None
) -> Survey | None:
    """Create the ticket's survey and queue its mail, unless the rules say not to
    (`surveys.selectors.survey_skip_reason`). A ticket resolved again after a reopening is
    not surveyed twice."""
    if survey_skip_reason(ticket=ticket) is not None:
        return None
    now = now or timezone.now()
    survey, created = Survey.objects.get_or_create(
        ticket=ticket,
        defaults={
            "contact": ticket.requester,
            "agent": agent if getattr(agent, "is_authenticated", False) else None,
            "sent_at": now,
            "expires_at": now + datetime.timedelta(days=links.link_days()),
        },
    )
    if not created:
        return None
    _mail_enqueue(survey=survey)
    return survey


def _mail_enqueue(*, survey: Survey) -> None:
    ticket = survey.ticket
    context = {
        "number": ticket.number,
        "subject": ticket.subject,
        "requester_name": survey.contact.name,
        "customer_name": ticket.customer.name,
        "survey_url": links.answer_url(survey.token),
        "opt_out_url": links.opt_out_url(survey.contact_id),
        "expires_at_text": format_jst(survey.expires_at),
    }
    rendered = mail_render(key="survey", context=context)
    # A reply in the ticket's thread, so the customer's client shows it with the conversation.
    payload = email_payload(
        to=[survey.contact.email],
        rendered=rendered,
        message_id=f"<{ticket.number}.survey.{survey.token.hex[:16]}@{settings.MAIL_MESSAGE_ID_DOMAIN}>",
        in_reply_to=mail_selectors.last_customer_message_id(ticket=ticket),
        references=mail_selectors.thread_message_ids(ticket=ticket),
        headers={
            "X-Helpdesk-Ticket": ticket.number,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    outbox_enqueue(
        channel="email", dedup_key=f"mail:survey:{survey.pk}", payload=payload, ticket=ticket
    )


def survey_reply_text(*, survey: Survey) -> str:
    """The lines a resolving reply ends with: the survey's signed link, its purpose
    (Art. 14.2.2) and until when it can be answered. In Japanese, as the survey mail: the
    page itself offers English."""
    with translation.override("ja"):
        return _(
            "今回の対応について、満足度アンケート（1〜5 と任意のコメント）へのご協力をお願いします"
            "（%(expires)s まで回答できます）。回答はサポート品質の改善のためにのみ利用します"
            "（第14条14.2.2）。\n%(url)s"
        ) % {"expires": format_jst(survey.expires_at), "url": links.answer_url(survey.token)}


@transaction.atomic
def reply_resolving(
    *,
    ticket: Ticket,
    body: str,
    actor,
    attachments: list[AttachmentUpload] | None = None,
    now: datetime.datetime | None = None,
) -> Message:
    """An agent's reply that resolves the ticket. The ticket's one survey is created first,
    by the same rules as on any resolution (`survey_skip_reason`), so the reply ends with
    its link and the survey mail carries the same one; the resolution then finds the survey
    there and sends nothing more. A ticket resolved again after a reopening, or a requester
    who is not surveyed, gets the reply without a link."""
    now = now or timezone.now()
    survey = survey_send(ticket=ticket, agent=actor, now=now)
    if survey is not None:
        body = body.rstrip() + "\n\n" + survey_reply_text(survey=survey)
    message = ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body=body,
        attachments=attachments or [],
        author_user=actor,
        actor=actor,
        now=now,
    )
    ticket_services.ticket_resolve(ticket=ticket, actor=actor, now=now)
    return message


def survey_for_signature(*, signature: str, now: datetime.datetime | None = None) -> Survey:
    """The survey a public link opens, or SurveyLinkInvalid (forged, unknown or expired)."""
    now = now or timezone.now()
    token = links.answer_token(signature)
    survey = (
        Survey.objects.select_related("ticket", "contact").filter(token=token).first()
        if token
        else None
    )
    if survey is None or survey.expires_at <= now:
        raise SurveyLinkInvalid()
    return survey


def survey_can_change(*, survey: Survey, now: datetime.datetime) -> bool:
    """Unanswered, or first answered less than SURVEY_UPDATE_DAYS ago."""
    return survey.answered_at is None or now < survey.answered_at + datetime.timedelta(
        days=update_days()
    )


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    rating: int,
    comment: str = "",
    opt_out: bool = False,
    now: datetime.datetime | None = None,
) -> Survey:
    """Record the answer (1–5 and a comment). One answer per ticket: a second click within
    SURVEY_UPDATE_DAYS of the first changes it, later ones are refused. The answer is a
    ticket event, so the timeline and the reseller's webhook carry it."""
    now = now or timezone.now()
    if rating not in range(1, 6):
        raise SurveyRatingInvalid(fields={"rating": [SurveyRatingInvalid.code]})
    survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    if not survey_can_change(survey=survey, now=now):
        raise SurveyAnswerClosed()
    first = survey.answered_at is None
    survey.rating = rating
    survey.comment = comment.strip()[:4000]
    if first:
        survey.answered_at = now
    else:
        survey.updated_at = now
    answered_at = survey.answered_at
    assert answered_at is not None  # set above on the first answer, kept on the later ones
    survey.save()
    event_record(
        ticket=survey.ticket,
        kind=TicketEvent.Kind.SURVEY_ANSWERED,
        data={
            "rating": rating,
            "comment": survey.comment,
            "answered_at": answered_at.isoformat(),
            "updated": not first,
        },
    )
    if opt_out:
        survey_opt_out(contact=survey.contact, via=SurveyOptOut.Via.SURVEY_PAGE)
    return survey


def survey_opt_out(*, contact: Contact, via: str) -> SurveyOptOut:
    """No further surveys for this contact; a second request changes nothing."""
    opt_out, _ = SurveyOptOut.objects.get_or_create(contact=contact, defaults={"via": via})
    return opt_out


def survey_opt_out_by_signature(*, signature: str) -> SurveyOptOut:
    contact_id = links.opt_out_contact_id(signature)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        raise SurveyLinkInvalid()
    return survey_opt_out(contact=contact, via=SurveyOptOut.Via.SURVEY_PAGE)
