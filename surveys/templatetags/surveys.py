"""The survey panel of the ticket page (an include of its own, so the page's template changes
by one line)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from surveys import selectors

register = template.Library()

SKIP_TEXTS = {
    selectors.SKIP_NO_EMAIL: _("依頼者のメールアドレスがないため、アンケートは送信しません。"),
    selectors.SKIP_OPTED_OUT: _("依頼者はアンケートの配信停止を希望しています。"),
    selectors.SKIP_RELAYED_BY_RESELLER: _(
        "リセラーが窓口となるチケット（API、第6条6.2）のため、リセラーの同意がない限り送信しません。"
    ),
    selectors.SKIP_NOT_MAILED: _("この受付チャネルの依頼者にはメールを送信しません。"),
}


@register.inclusion_tag("surveys/_ticket_panel.html")
def survey_panel(ticket):
    survey = selectors.survey_of_ticket(ticket=ticket)
    reason = None if survey else selectors.survey_skip_reason(ticket=ticket)
    return {"survey": survey, "skip_reason": SKIP_TEXTS.get(reason) if reason else None}
