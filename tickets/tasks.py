"""Thin Celery tasks over `tickets.escalation`.

The tasks keep their names from when they lived in `sla.tasks` (`name=`): the beat schedule in
the database and messages already queued name them so.

Timing: `breach_sweep` runs every minute (django-celery-beat, in the database); it marks what
is due and schedules an exact-time `deadline_check` for every deadline or escalation falling in
the next ~70 s, with a countdown of at most that — never a long ETA, which the Redis
transport's visibility timeout would redeliver. So a breach is marked within about a second of
its deadline, and the sweep itself is the safety net when a worker or Redis was down."""

from __future__ import annotations

import datetime
import logging
from functools import partial

from celery import shared_task
from celery.signals import worker_ready
from django.db import transaction
from django.utils import timezone

from tickets import escalation
from tickets.models import TicketEvent

logger = logging.getLogger(__name__)


def deadline_check_schedule(*, ticket_id: int, at: datetime.datetime) -> None:
    """Schedule the exact-time check of one ticket at `at`. Without a broker (eager mode)
    there is no timer: the sweeps are all there is. A broker error is logged, never raised:
    callers run after a commit that must stand."""
    if deadline_check.app.conf.task_always_eager:
        return
    countdown = max((at - timezone.now()).total_seconds(), 0.0)
    try:
        deadline_check.apply_async(
            kwargs={"ticket_id": ticket_id}, countdown=countdown, retry=False
        )
    except Exception:
        logger.warning("deadline check of ticket %s not scheduled", ticket_id, exc_info=True)


@shared_task(name="sla.tasks.deadline_check", ignore_result=True)
def deadline_check(ticket_id: int) -> None:
    """Breach or escalate one ticket at its exact moment. A timer that fired a little early
    re-arms itself for the remaining fraction of a second."""
    result = escalation.ticket_deadline_check(ticket_id=ticket_id)
    if (
        result.next_check_at is not None
        and result.next_check_at - timezone.now() <= escalation.exact_check_horizon()
    ):
        deadline_check_schedule(ticket_id=ticket_id, at=result.next_check_at)


def target_check_schedule(*, clock_id: int, at: datetime.datetime) -> None:
    """As `deadline_check_schedule`, for one internal target's clock."""
    if target_deadline_check.app.conf.task_always_eager:
        return
    countdown = max((at - timezone.now()).total_seconds(), 0.0)
    try:
        target_deadline_check.apply_async(
            kwargs={"clock_id": clock_id}, countdown=countdown, retry=False
        )
    except Exception:
        logger.warning("deadline check of clock %s not scheduled", clock_id, exc_info=True)


@shared_task(ignore_result=True)
def target_deadline_check(clock_id: int) -> None:
    """Breach one internal target, or fire its escalation levels, at the exact moment; re-armed
    for what remains soon (a timer that fired early, or the target's next level)."""
    escalation.target_deadline_check(clock_id=clock_id)
    for _, at in escalation.target_deadlines_upcoming(now=timezone.now(), clock_id=clock_id)[:1]:
        target_check_schedule(clock_id=clock_id, at=at)


@shared_task(name="sla.tasks.breach_sweep", ignore_result=True)
def breach_sweep() -> int:
    """Mark due tickets breached, then arm the exact-time checks of the next ~70 s."""
    # Arm first, then mark: a deadline falling while the sweep runs is either armed (after
    # `now`) or due when the marking starts, never in a gap between the two.
    now = timezone.now()
    for ticket_id, at in escalation.deadlines_upcoming(now=now):
        deadline_check_schedule(ticket_id=ticket_id, at=at)
    for clock_id, at in escalation.target_deadlines_upcoming(now=now):
        target_check_schedule(clock_id=clock_id, at=at)
    # The terms' first response, then the internal targets: each breach marked once.
    return escalation.breaches_mark().tickets + escalation.target_breaches_mark().tickets


@shared_task(name="sla.tasks.escalation_sweep", ignore_result=True)
def escalation_sweep() -> int:
    """Fire the levels come due: the terms' first response's, then each internal target's."""
    return escalation.escalations_fire().tickets + escalation.target_escalations_fire().tickets


@shared_task(name="sla.tasks.at_risk_sweep", ignore_result=True)
def at_risk_sweep() -> int:
    return escalation.at_risk_warn().tickets + escalation.target_at_risk_warn().tickets


@worker_ready.connect
def _sweep_on_worker_start(sender, **kwargs) -> None:
    """A worker that (re)starts catches up at once instead of at the next beat tick."""
    try:
        breach_sweep.apply_async(retry=False)
    except Exception:
        logger.warning("start-up sweep not enqueued", exc_info=True)


def on_ticket_event(event: TicketEvent) -> None:
    """TICKET_EVENT_SUBSCRIBERS entry: a ticket opened (or re-clocked by a severity change)
    with its deadline within the horizon gets its exact-time check now, after commit — the
    next sweep would come too late. Scheduling never fails the transaction: with the broker
    down the sweep is the safety net."""
    if event.kind not in (TicketEvent.Kind.CREATED, TicketEvent.Kind.SEVERITY_CHANGED):
        return
    ticket = event.ticket
    due = ticket.first_response_due
    if due is None or ticket.first_responded_at is not None:
        return
    if due - timezone.now() > escalation.exact_check_horizon():
        return
    transaction.on_commit(partial(deadline_check_schedule, ticket_id=ticket.pk, at=due))
