"""The filters and orderings of `GET /api/v1/tickets/`, all in the database."""

from __future__ import annotations

import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from helpdesk.api import IdFilter, UtcDateTimeFilter
from sla.deadlines import SlaState, Target
from sla.models import Severity
from tickets import clocks
from tickets.models import Channel, Status, Ticket

# received_at is set at every intake (never null), so its orderings are plain and walk the
# (reseller, received_at) index; first_response_due is null without commitment: nulls last.
ORDERINGS = {
    "received_at": [F("received_at").asc(), F("id").asc()],
    "-received_at": [F("received_at").desc(), F("id").desc()],
    "first_response_due": [F("first_response_due").asc(nulls_last=True), F("id").asc()],
    "-first_response_due": [F("first_response_due").desc(nulls_last=True), F("id").desc()],
    "severity": [F("severity_rank").asc(), F("received_at").asc(nulls_last=True), F("id").asc()],
    "-severity": [
        F("severity_rank").desc(),
        F("received_at").asc(nulls_last=True),
        F("id").asc(),
    ],
}
DEFAULT_ORDERING = "-received_at"


def _q_state(state: SlaState, value: bool, *, now: datetime.datetime) -> Q:
    """The first-response clock in `state` (or in any other) as `tickets.clocks` says."""
    if value:
        return clocks.q_first_response(state, now=now)
    return clocks.q_first_response_not(state, now=now)


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    severity = filters.MultipleChoiceFilter(choices=Severity.choices)
    customer = IdFilter(field_name="customer_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    breached = filters.BooleanFilter(
        method="filter_breached", help_text="First response late, or unanswered past the deadline."
    )
    at_risk = filters.BooleanFilter(
        method="filter_at_risk",
        help_text="Unanswered, past the warning point, before the deadline.",
    )
    sla_state = filters.MultipleChoiceFilter(
        method="filter_sla_state",
        choices=[(state.value, state.value) for state in SlaState],
        help_text="The state of the clock named by sla_target (default first_response).",
    )
    sla_target = filters.ChoiceFilter(
        method="filter_sla_target",
        choices=[(target.value, target.value) for target in Target],
        help_text="first_response (the terms', Art. 3.3), next_reply or resolution (internal).",
    )
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Ticket number or words of the subject."
    )
    ordering = filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(name, name) for name in ORDERINGS],
        help_text="received_at, first_response_due or severity (重大 first); '-' reverses.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "severity", "customer", "channel"]

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(_q_state(SlaState.BREACHED, value, now=now))

    def filter_at_risk(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(_q_state(SlaState.AT_RISK, value, now=now))

    def filter_sla_state(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        target = self.form.cleaned_data.get("sla_target") or Target.FIRST_RESPONSE
        now = timezone.now()
        condition = Q(pk__in=[])
        for state in value:
            condition |= clocks.q_tickets_with_target(target, SlaState(state), now=now)
        return queryset.filter(condition)

    def filter_sla_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # names the clock `sla_state` filters on

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(subject__icontains=value))

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied last, in `filter_queryset`, so a filter never loses it

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ordering = self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING
        return queryset.order_by(*ORDERINGS[ordering])
