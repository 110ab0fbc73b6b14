"""The SLA fields a clock stores, derived from where it started: reception, deadline, warning
time, explanation. Pure of tickets: `tickets.clocks` applies them to a ticket."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from sla import deadlines, selectors
from sla.models import Severity


def deadline_for(
    *,
    submitted_at: datetime.datetime,
    plan: str,
    severity: str,
    policy_id: int | None = None,
    calendar: deadlines.BusinessCalendar | None = None,
    policies: Mapping[int, deadlines.Policy] | None = None,
) -> tuple[int, deadlines.Deadline]:
    """The deadline of a ticket submitted at `submitted_at`, under the policy in force on the
    (JST) date it is received — or the given, frozen policy (from `policies` when the caller
    loaded them once)."""
    calendar = calendar or selectors.calendar_current()
    if policy_id is None:
        # The policy in force on the submission date decides the reception rule; receipt on a
        # later date (after a night or holiday) under a newer policy is re-judged by that one.
        try:
            local_day = submitted_at.astimezone(calendar.tz).date()
        except OverflowError as error:
            # 9999-12-31 23:00 UTC is year 10000 in Tokyo: outside any calendar, bad input.
            raise deadlines.OutOfCalendarRange(
                f"{submitted_at.isoformat()} is outside the business calendar's years"
            ) from error
        policy_id, policy = selectors.policy_in_force(on=local_day)
        deadline = deadlines.compute_deadline(submitted_at, plan, severity, policy, calendar)
        received_day = deadline.received_at.date()
        if received_day != local_day:
            later_id, later = selectors.policy_in_force(on=received_day)
            if later_id != policy_id:
                policy_id, policy = later_id, later
                deadline = deadlines.compute_deadline(
                    submitted_at, plan, severity, policy, calendar
                )
        return policy_id, deadline
    policy = policies[policy_id] if policies is not None else selectors.policy_by_id(policy_id)
    return policy_id, deadlines.compute_deadline(submitted_at, plan, severity, policy, calendar)


def at_risk_at_for(*, severity: str, received_at, first_response_due):
    """When the at-risk warning is due: a share of the window (default 75%), and for 重大 no
    later than N minutes (default 15) before the deadline."""
    if first_response_due is None:
        return None
    latest = (
        datetime.timedelta(minutes=settings.SLA_CRITICAL_AT_RISK_MINUTES)
        if severity == Severity.CRITICAL
        else None
    )
    return deadlines.at_risk_from(
        received_at,
        first_response_due,
        share=settings.SLA_AT_RISK_SHARE,
        latest_before_due=latest,
    )


def steps_as_json(deadline: deadlines.Deadline) -> list[dict[str, str]]:
    return [{"code": step.code, "ja": step.ja, "en": step.en} for step in deadline.steps]


@dataclass(frozen=True)
class DeadlineFields:
    policy_id: int
    received_at: datetime.datetime
    first_response_due: datetime.datetime | None
    at_risk_at: datetime.datetime | None
    sla_explanation: list[dict[str, str]]

    def apply(self, ticket: Any) -> None:
        ticket.policy_id = self.policy_id
        ticket.received_at = self.received_at
        ticket.first_response_due = self.first_response_due
        ticket.at_risk_at = self.at_risk_at
        ticket.sla_explanation = self.sla_explanation


def deadline_fields(
    *,
    submitted_at: datetime.datetime,
    plan: str,
    severity: str,
    policy_id: int | None = None,
    calendar: deadlines.BusinessCalendar | None = None,
    policies: Mapping[int, deadlines.Policy] | None = None,
) -> DeadlineFields:
    """Everything a ticket stores about its first-response deadline."""
    policy_id, deadline = deadline_for(
        submitted_at=submitted_at,
        plan=plan,
        severity=severity,
        policy_id=policy_id,
        calendar=calendar,
        policies=policies,
    )
    return DeadlineFields(
        policy_id=policy_id,
        received_at=deadline.received_at,
        first_response_due=deadline.first_response_due,
        at_risk_at=at_risk_at_for(
            severity=severity,
            received_at=deadline.received_at,
            first_response_due=deadline.first_response_due,
        ),
        sla_explanation=steps_as_json(deadline),
    )
