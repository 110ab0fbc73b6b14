"""Breach, at-risk warning and escalation of unanswered tickets, exactly once.

Every function here claims its tickets with `SELECT … FOR UPDATE SKIP LOCKED` on a query that
repeats the "still to do" condition (no first response, not yet breached / warned / escalated),
and writes the new state, its TicketEvents, the in-app notifications and the email outbox rows
in that one transaction. So two workers, a duplicated beat or a retried task find nothing left
to do, and a worker killed mid-batch leaves a rolled-back batch that the next sweep redoes.

Work is done in batches of set-based statements (one UPDATE, one INSERT per table), so a sweep
costs a handful of SQL statements per few hundred tickets, not per ticket. The claim queries
match the partial indexes of `tickets.Ticket` (`ticket_due_unanswered`, `ticket_at_risk_pending`,
`ticket_next_escalation`).

Once-only events carry a `dedup_key` stamped with the deadline they judge
("breached:20261125T080000Z", "at_risk:…", "escalated:L2:…"): the partial unique constraint on
(ticket, dedup_key) is the database's backstop, and a severity change — which restarts the
clock (DOMAIN.md §9) — can record a breach of the new deadline."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr
from functools import partial
from time import monotonic
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Q,
    QuerySet,
    TextField,
)
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from contracts.models import Plan
from notifications.models import Notification, OutboxMessage
from notifications.services import outbox_dispatch_on_commit
from sla import selectors as sla_selectors
from sla.models import EscalationRule, InternalTarget, Severity
from tickets import clocks
from tickets.events import event_record, events_fan_out
from tickets.models import Ticket, TicketClock, TicketEvent

logger = logging.getLogger(__name__)

Kind = TicketEvent.Kind
Audience = EscalationRule.Audience

AUDIENCE_ROLES: dict[str, str] = {
    Audience.SUPERVISORS: Role.SUPERVISOR,
    Audience.MANAGERS: Role.MANAGER,
}

BREACHED_HEADLINE = _("初回応答期限を超過しました")
AT_RISK_HEADLINE = _("初回応答期限が近づいています")
ESCALATED_HEADLINE = _("初回応答期限超過: エスカレーション レベル%(level)s")
ALERT_BODY = _("件名: %(subject)s\n顧客: %(customer)s\n初回応答期限: %(due)s (JST)")


def _batch_size() -> int:
    return getattr(settings, "SLA_SWEEP_BATCH_SIZE", 500)


def exact_check_horizon() -> datetime.timedelta:
    """How far ahead the sweep arms exact-time checks: its period plus a margin."""
    return datetime.timedelta(seconds=getattr(settings, "SLA_EXACT_CHECK_HORIZON_SECONDS", 70))


def _selected(moment: datetime.datetime | None) -> datetime.datetime:
    """A moment the sweep's query required to be set (`… IS NOT NULL`): the deadline of a
    ticket it judges, the warning time of one it warns about."""
    assert moment is not None, "selected by a query that requires it"
    return moment


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


# --- the queries the sweeps claim from (each matches one partial index) -----------------------


def tickets_breach_due(*, now: datetime.datetime) -> QuerySet[Ticket]:
    """Open, unanswered tickets whose deadline has passed and whose breach is not recorded
    (`clocks.q_breach_pending`, index `ticket_due_unanswered`)."""
    return Ticket.objects.filter(clocks.q_breach_due(now=now))


def tickets_at_risk_due(*, now: datetime.datetime) -> QuerySet[Ticket]:
    """Open, unanswered tickets whose warning time has come and not been handled
    (`clocks.q_at_risk_pending`, index `ticket_at_risk_pending`)."""
    return Ticket.objects.filter(clocks.q_at_risk_due(now=now))


def tickets_escalation_due(*, now: datetime.datetime) -> QuerySet[Ticket]:
    """Breached, unanswered, open tickets with a further level due
    (`clocks.q_escalation_pending`, index `ticket_next_escalation`)."""
    return Ticket.objects.filter(clocks.q_escalation_due(now=now))


def claim_queryset(queryset: QuerySet[Ticket], *, order_by: str, limit: int) -> QuerySet[Ticket]:
    """The claim: lock up to `limit` rows nobody else holds. Rows another sweep has locked are
    skipped, and a row another sweep committed meanwhile is re-checked against the WHERE clause
    by PostgreSQL before it is locked, so it drops out: each ticket is claimed once."""
    return (
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer")
        .order_by(order_by, "pk")[:limit]
    )


def _claim(queryset: QuerySet[Ticket], *, order_by: str, limit: int) -> list[Ticket]:
    return list(claim_queryset(queryset, order_by=order_by, limit=limit))


def deadlines_upcoming(
    *, now: datetime.datetime, horizon: datetime.timedelta | None = None
) -> list[tuple[int, datetime.datetime]]:
    """(ticket id, moment) of every breach or escalation falling in (now, now + horizon]:
    the sweep schedules an exact-time check for each, so a breach is marked within seconds
    of its deadline instead of at the next sweep."""
    until = now + (horizon or exact_check_horizon())
    breaches = Ticket.objects.filter(clocks.q_breach_between(after=now, until=until)).values_list(
        "pk", "first_response_due"
    )
    escalations = Ticket.objects.filter(
        clocks.q_escalation_between(after=now, until=until)
    ).values_list("pk", "next_escalation_at")
    rows = [(pk, moment) for pk, moment in [*breaches, *escalations] if moment is not None]
    return sorted(rows, key=lambda row: row[1])


# --- what a batch needs: rules, recipients, the calendar — loaded once per sweep --------------


@dataclass
class _Context:
    """Per-sweep caches, so a batch costs the same number of queries whatever its size."""

    role_members: dict[str, list] = field(default_factory=dict)
    users: dict[int, object] = field(default_factory=dict)
    calendar: object | None = None

    rules_by_target: dict[tuple[str, str], list[EscalationRule]] | None = None

    def rules_for(
        self, severity: str, target: str = EscalationRule.Target.FIRST_RESPONSE
    ) -> list[EscalationRule]:
        """The active levels of `target`'s own rows of the matrix, in order."""
        if self.rules_by_target is None:
            self.rules_by_target = {}
            for rule in EscalationRule.objects.filter(is_active=True).order_by("level"):
                self.rules_by_target.setdefault((rule.target, rule.severity), []).append(rule)
        return self.rules_by_target.get((target, severity), [])

    def members(self, role: str) -> list:
        if role not in self.role_members:
            self.role_members[role] = list(
                get_user_model()
                .objects.filter(groups__name=role, is_active=True)
                .distinct()
                .order_by("pk")
            )
        return self.role_members[role]

    def load_assignees(self, tickets: Iterable[Ticket]) -> None:
        missing = {t.assignee_id for t in tickets if t.assignee_id} - set(self.users)
        if missing:
            for user in get_user_model().objects.filter(pk__in=missing, is_active=True):
                self.users[user.pk] = user

    def assignee(self, ticket: Ticket):
        return self.users.get(ticket.assignee_id) if ticket.assignee_id else None

    def business_calendar(self):
        if self.calendar is None:
            self.calendar = sla_selectors.calendar_current()
        return self.calendar


def _fire_at(
    rule: EscalationRule,
    ticket: Ticket,
    context: _Context,
    due: datetime.datetime | None = None,
) -> datetime.datetime:
    """When `rule` fires for `ticket`: its delay after the deadline (the contractual breach,
    or an internal target's `due`; not the moment a sweep noticed it). A level that waits for
    business hours, on a business-hours contract, waits for the next opening — except 重大,
    which always notifies."""
    due = due if due is not None else _selected(ticket.first_response_due)
    at = due + datetime.timedelta(minutes=rule.delay_minutes)
    if (
        rule.wait_for_business_hours
        and ticket.severity != Severity.CRITICAL
        and ticket.plan == Plan.BUSINESS_HOURS
    ):
        calendar = context.business_calendar()
        if not calendar.is_open(at):
            at = calendar.next_open(at)
    return at


def _levels_due(
    ticket: Ticket,
    now: datetime.datetime,
    context: _Context,
    clock: TicketClock | None = None,
) -> tuple[list[EscalationRule], datetime.datetime | None]:
    """The levels above the current one that are due at `now` (several, after an outage), and
    when the next one is due: of the ticket's first response, or of an internal target's
    `clock` (its own rows of the matrix, counted from its own due instant)."""
    fired: list[EscalationRule] = []
    if clock is None:
        rules = context.rules_for(ticket.severity)
        current, due = ticket.escalation_level, None
    else:
        rules = context.rules_for(ticket.severity, clock.target)
        current, due = clock.escalation_level, _selected(clock.due)
    for rule in rules:
        if rule.level <= current:
            continue
        at = _fire_at(rule, ticket, context, due)
        if at > now:
            return fired, at
        fired.append(rule)
    return fired, None


# --- the writes of one batch ----------------------------------------------------------------


def _plain(model_field) -> bool:
    """Whether the driver takes the field's Python values as they are (PostgreSQL: strings,
    integers, ids, aware datetimes), sparing a per-value call at thousands of values."""
    return connection.vendor == "postgresql" and isinstance(
        model_field, CharField | TextField | IntegerField | DateTimeField | ForeignKey
    )


def _insert(
    model, fields: Sequence[str], rows: Sequence[tuple], *, ignore_conflicts: bool = False
) -> list[int]:
    """Multi-row INSERTs of plain tuples (values adapted by each field, as the ORM would);
    returns the new ids in order, or nothing when conflicts are ignored. At a thousand rows
    this is several times cheaper than building and compiling model instances."""
    quote = connection.ops.quote_name
    model_fields = [model._meta.get_field(name) for name in fields]
    columns = ", ".join(quote(f.column) for f in model_fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    plains = [_plain(f) for f in model_fields]
    ids: list[int] = []
    # Within SQLite's 32,766 bound variables per statement (PostgreSQL allows 65,535).
    per_statement = 30_000 // len(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row_sql] * len(chunk))}"
            )
            sql += " ON CONFLICT DO NOTHING" if ignore_conflicts else " RETURNING id"
            cursor.execute(
                sql,
                [
                    value if plain else f.get_db_prep_value(value, connection, prepared=False)
                    for row in chunk
                    for f, plain, value in zip(model_fields, plains, row, strict=True)
                ],
            )
            if not ignore_conflicts:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


@dataclass
class _Writes:
    """Rows of one batch, inserted with one statement per table."""

    events: list[TicketEvent] = field(default_factory=list)
    notifications: list[tuple] = field(default_factory=list)
    outbox: list[tuple] = field(default_factory=list)
    domain: str = ""

    def event(self, ticket: Ticket, kind: str, data: dict, dedup_key: str) -> None:
        self.events.append(TicketEvent(ticket=ticket, kind=kind, data=data, dedup_key=dedup_key))

    def notify(
        self,
        *,
        recipients: Sequence,
        ticket: Ticket,
        kind: str,
        key: str,
        text,
        told: Collection[int] = (),
    ) -> set[int]:
        """One in-app notification and one email per recipient, each keyed so that a replayed
        batch cannot add a second. `text()` gives (title, body), built only when needed.
        Recipients in `told` (alerted about this ticket a moment ago) are left out. Returns
        the ids of those notified."""
        users = list(
            {
                user.pk: user for user in recipients if user is not None and user.pk not in told
            }.values()
        )
        if not users:
            return set()
        title, body = text()
        # The mail in the site's language; the in-app title in each, shown in the reader's.
        titles = {settings.LANGUAGE_CODE: title}
        for code, _name in settings.LANGUAGES:
            if code not in titles:
                with translation.override(code):
                    titles[code] = str(text()[0])
        domain = self.domain = self.domain or _mail_domain()
        for user in users:
            self.notifications.append(
                (user.pk, ticket.pk, str(kind), title, titles, body, f"ticket:{ticket.pk}:{key}")
            )
            if user.email:
                payload = _email_payload(
                    to=user.email, ticket=ticket, title=title, body=body, domain=domain
                )
                self.outbox.append(
                    (
                        OutboxMessage.Channel.EMAIL.value,
                        f"email:ticket:{ticket.pk}:{key}:user:{user.pk}",
                        ticket.pk,
                        payload,
                    )
                )
        return {user.pk for user in users}

    def save(self, now: datetime.datetime) -> None:
        # Events keep their ids (subscribers such as webhooks key on them) and must not be
        # silently dropped: a duplicate here means a broken claim, and the batch rolls back.
        ids = _insert(
            TicketEvent,
            ["ticket", "kind", "data", "dedup_key", "created_at"],
            [(e.ticket_id, str(e.kind), e.data, e.dedup_key, now) for e in self.events],
        )
        for event, pk in zip(self.events, ids, strict=True):
            event.pk, event.created_at = pk, now
        # A replayed notification or email is not an error: the unique keys drop it.
        _insert(
            Notification,
            ["recipient", "ticket", "kind", "title", "titles", "body", "dedup_key", "created_at"],
            [(*row, now) for row in self.notifications],
            ignore_conflicts=True,
        )
        _insert(
            OutboxMessage,
            [
                "channel",
                "dedup_key",
                "ticket",
                "payload",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
            ],
            [(*row, OutboxMessage.Status.PENDING.value, 0, now, "", now) for row in self.outbox],
            ignore_conflicts=True,
        )
        events_fan_out(self.events)
        if self.outbox:
            outbox_dispatch_on_commit()


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def _email_payload(*, to: str, ticket: Ticket, title: str, body: str, domain: str) -> dict:
    """The outbox email format shared with the mail channel. Internal alerts of one ticket
    thread together under one reference."""
    return {
        "to": [to],
        "subject": title,
        "text": body,
        "html": None,
        "headers": {"X-Helpdesk-Ticket": ticket.number},
        "message_id": make_msgid(idstring=f"sla.{ticket.pk}", domain=domain),
        "in_reply_to": None,
        "references": [f"<ticket-{ticket.pk}.alerts@{domain}>"],
    }


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _text(ticket: Ticket, headline, **params) -> tuple[str, str]:
    """Title and body of an alert (in the language `_in_site_language` activated)."""
    title = f"【{_tr(Severity(ticket.severity).label)}】{ticket.number} {_tr(headline) % params}"
    body = _tr(ALERT_BODY) % {
        "subject": ticket.subject,
        "customer": ticket.customer.name,
        "due": _local(_selected(ticket.first_response_due)),
    }
    return title, body


def _in_site_language():
    """Alerts are written in the site's language (Japanese) whatever the caller's, once per
    batch rather than per message."""
    return translation.override(settings.LANGUAGE_CODE)


def _escalate(
    ticket: Ticket,
    rules: Sequence[EscalationRule],
    now: datetime.datetime,
    context: _Context,
    writes: _Writes,
    *,
    clock: TicketClock | None = None,
    told: Collection[int] = (),
) -> None:
    """Fire `rules`' levels, each once: of the ticket's first response, or of an internal
    target's `clock` (its event and key then name the target and the due instant it judges)."""
    due = ticket.first_response_due if clock is None else clock.due
    stamp = _stamp(_selected(due))
    target = {} if clock is None else {"target": clock.target}
    prefix = "" if clock is None else f"{clock.target}:"
    for rule in rules:
        role = AUDIENCE_ROLES.get(rule.audience)
        recipients = context.members(role) if role else [context.assignee(ticket)]
        key = f"{prefix}escalated:L{rule.level}:{stamp}"
        writes.event(
            ticket,
            Kind.ESCALATED,
            {
                **target,
                "level": rule.level,
                "audience": rule.audience,
                "delay_minutes": rule.delay_minutes,
                "recipients": [user.pk for user in recipients if user is not None],
                "at": now.isoformat(),
            },
            key,
        )
        text = (
            partial(_text, ticket, ESCALATED_HEADLINE, level=rule.level)
            if clock is None
            else partial(_target_text, clock, TARGET_ESCALATED_HEADLINE, level=rule.level)
        )
        writes.notify(
            recipients=recipients, ticket=ticket, kind=Kind.ESCALATED, key=key, text=text, told=told
        )


def _model_field(model, name: str) -> Field[Any, Any]:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, Field), name  # a column of the model's table
    return model_field


def _concrete_field(name: str) -> Field[Any, Any]:
    return _model_field(Ticket, name)


def _column(model_field: Field[Any, Any]) -> str:
    assert model_field.column is not None, model_field.name  # concrete, so it has one
    return model_field.column


def _save_tickets(
    tickets: list[Ticket], fields: list[str], reason: str, now: datetime.datetime
) -> None:
    """Write the batch with one UPDATE and add its history rows (the admin's history) with one
    INSERT … SELECT: no per-row statements, and no per-row ORM objects, which would cost more
    than the database does at a thousand tickets."""
    _bulk_write(Ticket, tickets, [*fields, "updated_at"])
    _history_insert(Ticket, [ticket.pk for ticket in tickets], reason, now)


def _bulk_write(model, rows: Sequence[Any], fields: list[str]) -> None:
    """`fields` of `rows` in one UPDATE … FROM (VALUES …) on PostgreSQL: Django's bulk_update
    builds a CASE expression per row and field, whose compiling alone costs more than the
    database's work at a thousand rows."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    quote = connection.ops.quote_name
    columns = [_model_field(model, name) for name in fields]
    casts = ", ".join(["%s::bigint", *(f"%s::{f.db_type(connection)}" for f in columns)])
    values = ", ".join([f"({casts})"] * len(rows))
    names = ", ".join(quote(_column(f)) for f in columns)
    assignments = ", ".join(f"{quote(_column(f))} = v.{quote(_column(f))}" for f in columns)
    params = [
        value
        for row in rows
        for value in (
            row.pk,
            *(f.get_db_prep_value(getattr(row, f.attname), connection) for f in columns),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
            f"FROM (VALUES {values}) AS v(id, {names}) WHERE t.id = v.id",
            params,
        )


def _history_insert(model, pks: Sequence[int], reason: str, now: datetime.datetime) -> None:
    """The history rows (django-simple-history's table) of rows a sweep wrote in bulk, with one
    INSERT … SELECT of their new state: changed by the system (no user), for `reason`."""
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = ", ".join(quote(_column(_model_field(model, f.name))) for f in history.tracked_fields)
    placeholders = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {tracked}, %s, %s, '~', NULL FROM {quote(model._meta.db_table)} "
            f"WHERE id IN ({placeholders})",
            [now, reason, *pks],
        )


def _breach(tickets: list[Ticket], now: datetime.datetime, context: _Context) -> int:
    if not tickets:
        return 0
    context.load_assignees(tickets)
    writes = _Writes()
    for ticket in tickets:
        stamp = _stamp(_selected(ticket.first_response_due))
        ticket.breached_at = now
        ticket.updated_at = now
        fired, next_at = _levels_due(ticket, now, context)
        if fired:
            ticket.escalation_level = fired[-1].level
        ticket.next_escalation_at = next_at
        writes.event(
            ticket,
            Kind.BREACHED,
            {
                "first_response_due": _selected(ticket.first_response_due).isoformat(),
                "breached_at": now.isoformat(),
                "delay_seconds": round(
                    (now - _selected(ticket.first_response_due)).total_seconds(), 3
                ),
            },
            f"breached:{stamp}",
        )
        writes.notify(
            recipients=[context.assignee(ticket)],
            ticket=ticket,
            kind=Kind.BREACHED,
            key=f"breached:{stamp}",
            text=partial(_text, ticket, BREACHED_HEADLINE),
        )
        _escalate(ticket, fired, now, context, writes)
    _save_tickets(
        tickets, ["breached_at", "escalation_level", "next_escalation_at"], "sla: breached", now
    )
    writes.save(now)
    return len(tickets)


def _escalate_due(tickets: list[Ticket], now: datetime.datetime, context: _Context) -> int:
    if not tickets:
        return 0
    context.load_assignees(tickets)
    writes = _Writes()
    fired_total = 0
    for ticket in tickets:
        fired, next_at = _levels_due(ticket, now, context)
        if fired:
            ticket.escalation_level = fired[-1].level
            fired_total += len(fired)
        ticket.next_escalation_at = next_at
        ticket.updated_at = now
        _escalate(ticket, fired, now, context, writes)
    _save_tickets(tickets, ["escalation_level", "next_escalation_at"], "sla: escalated", now)
    writes.save(now)
    return fired_total


def _warn(tickets: list[Ticket], now: datetime.datetime, context: _Context) -> int:
    if not tickets:
        return 0
    context.load_assignees(tickets)
    writes = _Writes()
    warned = 0
    for ticket in tickets:
        ticket.at_risk_notified_at = now
        ticket.updated_at = now
        if _selected(ticket.first_response_due) <= now:
            # The deadline passed before the warning went out (a sweep outage): the breach
            # alerts instead, and the ticket leaves the warning queue without a late warning.
            continue
        warned += 1
        stamp = _stamp(_selected(ticket.first_response_due))
        writes.event(
            ticket,
            Kind.AT_RISK,
            {
                "target": "first_response",
                "at_risk_at": _selected(ticket.at_risk_at).isoformat(),
                "first_response_due": _selected(ticket.first_response_due).isoformat(),
                "notified_at": now.isoformat(),
            },
            f"at_risk:{stamp}",
        )
        # The assignee is warned; an unassigned ticket warns the supervisors, who assign it.
        assignee = context.assignee(ticket)
        recipients = [assignee] if assignee else context.members(Role.SUPERVISOR)
        writes.notify(
            recipients=recipients,
            ticket=ticket,
            kind=Kind.AT_RISK,
            key=f"at_risk:{stamp}",
            text=partial(_text, ticket, AT_RISK_HEADLINE),
        )
    _save_tickets(tickets, ["at_risk_notified_at"], "sla: at risk", now)
    writes.save(now)
    return warned


# --- the services the tasks call -------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    tickets: int = 0
    batches: int = 0


def _sweep(
    claim_from,
    order_by: str,
    handle,
    now: datetime.datetime | None,
    budget_seconds: float,
    claim: Callable[..., list] = _claim,
) -> SweepResult:
    """Claim and handle batches until none is left (or the time budget is spent: the next
    sweep continues). Each batch is its own transaction, so a kill loses at most one batch,
    and that batch is rolled back whole. `claim` takes tickets (the default) or target clocks."""
    context = _Context()
    started = monotonic()
    total = batches = 0
    limit = _batch_size()
    while True:
        current = now or timezone.now()
        with transaction.atomic(), _in_site_language():
            claimed = claim(claim_from(now=current), order_by=order_by, limit=limit)
            count = handle(claimed, current, context)
        if not claimed:
            break
        total += count
        batches += 1
        if len(claimed) < limit or monotonic() - started > budget_seconds:
            break
    return SweepResult(tickets=total, batches=batches)


def breaches_mark(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Mark every due, unanswered ticket breached and fire the levels due at the breach."""
    return _sweep(tickets_breach_due, "first_response_due", _breach, now, budget_seconds)


def escalations_fire(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Fire every escalation level that has come due (`result.tickets` counts levels)."""
    return _sweep(tickets_escalation_due, "next_escalation_at", _escalate_due, now, budget_seconds)


def at_risk_warn(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Send the one at-risk warning of every ticket whose warning time has come."""
    return _sweep(tickets_at_risk_due, "at_risk_at", _warn, now, budget_seconds)


def breach_record_on_late_response(*, ticket: Ticket, now: datetime.datetime) -> bool:
    """A first response after a deadline the sweep had not marked yet (the worker was down, or
    the reply came in the seconds before its check): the breach goes on record as the sweep
    would have written it — same event key, so neither can add a second — but nobody is
    alerted and no level fires, since the ticket has just been answered. The caller holds the
    ticket's row lock and saves the ticket."""
    due = ticket.first_response_due
    if ticket.breached_at is not None or due is None or now <= due:
        return False
    ticket.breached_at = due
    ticket.next_escalation_at = None
    event_record(
        ticket=ticket,
        kind=Kind.BREACHED,
        data={
            "first_response_due": due.isoformat(),
            "breached_at": due.isoformat(),
            "delay_seconds": round((now - due).total_seconds(), 3),
            "recorded_by": "first_response",
        },
        dedup_key=f"breached:{_stamp(due)}",
    )
    return True


@dataclass(frozen=True)
class CheckResult:
    breached: bool
    escalated: int
    next_check_at: datetime.datetime | None


def ticket_deadline_check(*, ticket_id: int, now: datetime.datetime | None = None) -> CheckResult:
    """The exact-time check of one ticket: breach it and fire the levels due, if still to do.
    Returns when the ticket next needs a look (its deadline or next level), if ever."""
    now = now or timezone.now()
    context = _Context()
    # One row: wait for its lock rather than skip it. A reply or an assignment holding the row
    # for a moment must not make the check give up until the next sweep; once the lock is
    # released PostgreSQL re-checks the row, so a ticket breached meanwhile is not returned.
    with transaction.atomic(), _in_site_language():
        due = list(
            tickets_breach_due(now=now)
            .filter(pk=ticket_id)
            .select_for_update(of=("self",))
            .select_related("customer")
        )
        breached = _breach(due, now, context) > 0
        escalated = 0
        if not breached:
            pending = list(
                tickets_escalation_due(now=now)
                .filter(pk=ticket_id)
                .select_for_update(of=("self",))
                .select_related("customer")
            )
            escalated = _escalate_due(pending, now, context)
    state = (
        Ticket.objects.filter(pk=ticket_id)
        .values("first_responded_at", "breached_at", "first_response_due", "next_escalation_at")
        .first()
    )
    next_check_at = None
    if state is not None and state["first_responded_at"] is None:
        moment = state["next_escalation_at"]
        if state["breached_at"] is None:
            moment = state["first_response_due"]
        if moment is not None and moment > now:
            next_check_at = moment
    return CheckResult(breached=breached, escalated=escalated, next_check_at=next_check_at)


# --- the internal targets (next reply, resolution): breach and warning, exactly once ---------

TARGET_BREACHED_HEADLINE = _("社内目標（%(target)s）の期限を超過しました")
TARGET_AT_RISK_HEADLINE = _("社内目標（%(target)s）の期限が近づいています")
TARGET_ESCALATED_HEADLINE = _("社内目標（%(target)s）の期限超過: エスカレーション レベル%(level)s")
TARGET_BODY = _(
    "件名: %(subject)s\n顧客: %(customer)s\n社内目標の期限: %(due)s (JST)\n"
    "※約款の期限ではありません"
)


# (language, id of a constant lazy text) → the text in that language.
_TRANSLATED: dict[tuple[str | None, int], str] = {}


def _tr(text: Any) -> str:
    """A constant lazy text (a label, a headline of this module) in the active language,
    translated once per language: a batch builds a thousand alerts from a handful of them.
    Keyed by identity, since hashing a lazy text would translate it each time."""
    key = (translation.get_language(), id(text))
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = str(text)
    return found


def _target_text(clock: TicketClock, headline, **params) -> tuple[str, str]:
    ticket = clock.ticket
    target = _tr(InternalTarget.Kind(clock.target).label)
    title = (
        f"【{_tr(Severity(ticket.severity).label)}】{ticket.number} "
        f"{_tr(headline) % {'target': target, **params}}"
    )
    body = _tr(TARGET_BODY) % {
        "subject": ticket.subject,
        "customer": ticket.customer.name,
        "due": _local(_selected(clock.due)),
    }
    return title, body


def _claim_clocks(condition, *, order_by: str, limit: int) -> list[TicketClock]:
    """The claim, as for tickets: rows another sweep holds are skipped, a row another sweep
    committed meanwhile drops out of the WHERE clause, so each clock is claimed once."""
    return list(
        TicketClock.objects.filter(condition)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket__customer")
        .order_by(order_by, "pk")[:limit]
    )


def _target_sweep(condition_for, order_by: str, handle, now, budget_seconds: float) -> SweepResult:
    """The same batched sweep as the tickets', over the internal targets' clocks."""
    return _sweep(condition_for, order_by, handle, now, budget_seconds, claim=_claim_clocks)


def _target_levels(
    clock: TicketClock,
    now: datetime.datetime,
    context: _Context,
    writes: _Writes,
    told: Collection[int] = (),
) -> int:
    fired, next_at = _levels_due(clock.ticket, now, context, clock)
    if fired:
        clock.escalation_level = fired[-1].level
    clock.next_escalation_at = next_at
    _escalate(clock.ticket, fired, now, context, writes, clock=clock, told=told)
    return len(fired)


def _save_clocks(
    claimed: list[TicketClock], fields: list[str], reason: str, now: datetime.datetime
) -> None:
    """One UPDATE for the batch and one INSERT … SELECT for its history rows."""
    _bulk_write(TicketClock, claimed, fields)
    _history_insert(TicketClock, [clock.pk for clock in claimed], reason, now)


def _target_breach(claimed: list[TicketClock], now: datetime.datetime, context: _Context) -> int:
    if not claimed:
        return 0
    context.load_assignees([clock.ticket for clock in claimed])
    writes = _Writes()
    for clock in claimed:
        ticket = clock.ticket
        due = _selected(clock.due)
        clock.breached_at = now
        key = f"{clock.target}:breached:{_stamp(due)}"
        writes.event(
            ticket,
            Kind.SLA_BREACHED,
            {
                "target": clock.target,
                "due": due.isoformat(),
                "breached_at": now.isoformat(),
                "delay_seconds": round((now - due).total_seconds(), 3),
            },
            key,
        )
        assignee = context.assignee(ticket)
        told = writes.notify(
            recipients=[assignee] if assignee else context.members(Role.SUPERVISOR),
            ticket=ticket,
            kind=Kind.SLA_BREACHED,
            key=key,
            text=partial(_target_text, clock, TARGET_BREACHED_HEADLINE),
        )
        # The levels due at the breach: recorded each, but whoever the breach alert just
        # reached (the supervisors of an unassigned ticket) is not alerted twice.
        _target_levels(clock, now, context, writes, told=told)
    _save_clocks(
        claimed, ["breached_at", "escalation_level", "next_escalation_at"], "sla: breached", now
    )
    writes.save(now)
    return len(claimed)


def _target_escalate_due(
    claimed: list[TicketClock], now: datetime.datetime, context: _Context
) -> int:
    if not claimed:
        return 0
    context.load_assignees([clock.ticket for clock in claimed])
    writes = _Writes()
    fired = sum(_target_levels(clock, now, context, writes) for clock in claimed)
    _save_clocks(claimed, ["escalation_level", "next_escalation_at"], "sla: escalated", now)
    writes.save(now)
    return fired


def _target_warn(claimed: list[TicketClock], now: datetime.datetime, context: _Context) -> int:
    if not claimed:
        return 0
    context.load_assignees([clock.ticket for clock in claimed])
    writes = _Writes()
    warned = 0
    for clock in claimed:
        clock.at_risk_notified_at = now
        due = _selected(clock.due)
        if due <= now:
            continue  # the breach alerts instead
        warned += 1
        ticket = clock.ticket
        key = f"{clock.target}:at_risk:{_stamp(due)}"
        writes.event(
            ticket,
            Kind.SLA_AT_RISK,
            {"target": clock.target, "due": due.isoformat(), "notified_at": now.isoformat()},
            key,
        )
        assignee = context.assignee(ticket)
        writes.notify(
            recipients=[assignee] if assignee else context.members(Role.SUPERVISOR),
            ticket=ticket,
            kind=Kind.SLA_AT_RISK,
            key=key,
            text=partial(_target_text, clock, TARGET_AT_RISK_HEADLINE),
        )
    _save_clocks(claimed, ["at_risk_notified_at"], "sla: at risk", now)
    writes.save(now)
    return warned


def target_breaches_mark(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Mark every due internal target breached, once (`result.tickets` counts clocks)."""
    return _target_sweep(clocks.q_target_breach_due, "due", _target_breach, now, budget_seconds)


def target_at_risk_warn(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Send the one at-risk warning of every internal target whose warning time has come."""
    return _target_sweep(
        clocks.q_target_at_risk_due, "at_risk_at", _target_warn, now, budget_seconds
    )


def target_escalations_fire(
    *, now: datetime.datetime | None = None, budget_seconds: float = 50.0
) -> SweepResult:
    """Fire every internal target's escalation level that has come due (`result.tickets`
    counts levels)."""
    return _target_sweep(
        clocks.q_target_escalation_due,
        "next_escalation_at",
        _target_escalate_due,
        now,
        budget_seconds,
    )


def target_deadlines_upcoming(
    *,
    now: datetime.datetime,
    horizon: datetime.timedelta | None = None,
    clock_id: int | None = None,
) -> list[tuple[int, datetime.datetime]]:
    """(clock id, moment) of every internal target's breach or escalation level falling in
    (now, now + horizon]; of one clock's only, given its id (a timer re-arming itself)."""
    until = now + (horizon or exact_check_horizon())
    only = Q() if clock_id is None else Q(pk=clock_id)
    breaches = TicketClock.objects.filter(
        clocks.q_target_breach_between(after=now, until=until), only
    ).values_list("pk", "due")
    escalations = TicketClock.objects.filter(
        clocks.q_target_escalation_between(after=now, until=until), only
    ).values_list("pk", "next_escalation_at")
    rows = [(pk, moment) for pk, moment in [*breaches, *escalations] if moment is not None]
    return sorted(rows, key=lambda row: row[1])


def target_deadline_check(*, clock_id: int, now: datetime.datetime | None = None) -> bool:
    """The exact-time check of one internal target: breach it, or fire its levels due, if
    still to do. True when it did either."""
    now = now or timezone.now()
    context = _Context()
    with transaction.atomic(), _in_site_language():
        due = list(
            TicketClock.objects.filter(clocks.q_target_breach_due(now=now), pk=clock_id)
            .select_for_update(of=("self",))
            .select_related("ticket__customer")
        )
        if _target_breach(due, now, context) > 0:
            return True
        pending = list(
            TicketClock.objects.filter(clocks.q_target_escalation_due(now=now), pk=clock_id)
            .select_for_update(of=("self",))
            .select_related("ticket__customer")
        )
        return _target_escalate_due(pending, now, context) > 0
