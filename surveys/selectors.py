"""Reads of surveys: whether a ticket is surveyed, and the results for the reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet

from surveys.models import ResellerSurveySetting, Survey, SurveyOptOut
from tickets.models import Channel, Ticket
from tickets.selectors import tickets_visible_to

# Why a resolved ticket gets no survey (one rule, read by the service and the ticket page).
SKIP_NO_EMAIL = "no_email"
SKIP_OPTED_OUT = "opted_out"
SKIP_RELAYED_BY_RESELLER = "relayed_by_reseller"
SKIP_NOT_MAILED = "channel_not_mailed"


def survey_skip_reason(*, ticket: Ticket) -> str | None:
    """None when the requester of `ticket` is surveyed, else why not:
    - the requester has no address, or opted out (Art. 14.2.2 is a purpose one may refuse);
    - the reseller relays its customers itself (API channel, Art. 6.2) and has not opted in;
    - the desk does not mail this channel's requesters at all (MAIL_CUSTOMER_CHANNELS)."""
    if not ticket.requester.email:
        return SKIP_NO_EMAIL
    if SurveyOptOut.objects.filter(contact_id=ticket.requester_id).exists():
        return SKIP_OPTED_OUT
    if ticket.channel == Channel.API:
        if not ResellerSurveySetting.objects.filter(
            reseller_id=ticket.reseller_id, survey_api_tickets=True
        ).exists():
            return SKIP_RELAYED_BY_RESELLER
    elif ticket.channel not in settings.MAIL_CUSTOMER_CHANNELS:
        return SKIP_NOT_MAILED
    return None


def survey_of_ticket(*, ticket: Ticket) -> Survey | None:
    return Survey.objects.filter(ticket=ticket).first()


# The groupings the reports offer, each a path from Survey.
GROUPS: dict[str, tuple[str, str]] = {
    # The agent who resolved the ticket (and so sent the survey).
    "agent": ("agent_id", "agent__username"),
    # The ticket's assignee, as the SLA report groups "by agent".
    "assignee": ("ticket__assignee_id", "ticket__assignee__username"),
    "customer": ("ticket__customer_id", "ticket__customer__name"),
    "reseller": ("ticket__reseller_id", "ticket__reseller__name"),
    "plan": ("ticket__plan", "ticket__plan"),
    "severity": ("ticket__severity", "ticket__severity"),
    "channel": ("ticket__channel", "ticket__channel"),
    "subcontractor": (
        "ticket__assigned_organisation_id",
        "ticket__assigned_organisation__name",
    ),
}


@dataclass(frozen=True)
class SurveyResult:
    key: object
    label: str
    sent: int
    answered: int
    average: float | None
    ratings: dict[int, int]

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.sent, 1) if self.sent else None


def survey_results(
    *,
    user,
    start: datetime.datetime,
    end: datetime.datetime,
    group_by: str | None = None,
    tickets: QuerySet[Ticket] | None = None,
) -> list[SurveyResult]:
    """Surveys sent in [start, end) on the tickets `user` may see (or on `tickets`, already
    scoped), answered or not, with the average rating and the count of each rating, overall
    (`group_by` None) or per agent, customer or reseller: one aggregate query."""
    scope = tickets if tickets is not None else tickets_visible_to(user)
    # Only the ids of the scope: its joins and ordering would not survive a subquery anyway.
    surveys = Survey.objects.filter(
        sent_at__gte=start, sent_at__lt=end, ticket__in=scope.order_by().values("pk")
    ).order_by()
    aggregates = {
        "sent": Count("id"),
        "answered": Count("id", filter=Q(answered_at__isnull=False)),
        "average": Avg("rating"),
        **{f"rating_{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    }
    if group_by is None:
        rows = [{"key": None, "label": "", **surveys.aggregate(**aggregates)}]
    else:
        key, label = GROUPS[group_by]
        rows = [
            {"key": row[key], "label": row[label] or "—", **row}
            for row in surveys.values(*dict.fromkeys([key, label]))
            .annotate(**aggregates)
            .order_by(label, key)
        ]
    return [
        SurveyResult(
            key=row["key"],
            label=row["label"],
            sent=row["sent"] or 0,
            answered=row["answered"] or 0,
            average=round(row["average"], 2) if row["average"] is not None else None,
            ratings={n: row[f"rating_{n}"] or 0 for n in range(1, 6)},
        )
        for row in rows
    ]
