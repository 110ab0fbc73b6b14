"""The SLA and workload report: one period (JST), grouped by reseller, customer, plan,
severity, channel, agent or subcontractor organisation, aggregated in the database in a
constant number of queries whatever the number of tickets or groups.

Cohorts, stated once:
- *received*: tickets received in the period (received, no commitment, reopened, refusals,
  first-response times);
- *judged*: the terms' first response is judged in the period its deadline falls, as the
  supervisor dashboard judges it (`workspace.selectors.dashboard_for`), so both give the same
  on-time share for the same month. Per ticket the classes are those of
  `tickets.clocks.first_response_state` (tested to agree): met, breached, stopped (finished
  before its deadline without a response: `tickets.clocks.q_first_response`), and
  pending (deadline not reached yet);
- *backlog*: tickets open at the end of the period (or now, if sooner), by age;
- *internal targets* (next reply, resolution: `tickets.targets`): each clock is judged in the
  period its due instant falls, by `tickets.clocks.q_target` (met, breached); the times are
  those of the clocks fulfilled among them, from the clock's start to its fulfilment (waits
  included: they are their own figures);
- *waiting*: the time tickets spent waiting on the customer and on Microsoft within the period
  (from the status events), in wall minutes.

Durations: business minutes are stored when a first response is given or a target fulfilled
(`tickets.clocks.business_seconds_elapsed`), so on PostgreSQL the median and the 90th
percentile are taken in the database (`percentile_cont`); rows from before that column, and
SQLite, are computed here with the same interpolation (`reports.periods.percentile`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from contracts.models import Plan
from reports.periods import JST, Period, percentile
from sla.deadlines import INTERNAL_TARGETS, SlaState, Target, business_seconds_many
from sla.models import Severity
from sla.selectors import calendar_current
from surveys.selectors import survey_results
from tickets.clocks import q_first_response, q_target
from tickets.models import (
    OPEN_STATUSES,
    Channel,
    RefusalReason,
    Status,
    Ticket,
    TicketClock,
    TicketEvent,
)

# group → (the ticket's field, the field of its label or None for a choice's label)
GROUPS: dict[str, tuple[str, str | None]] = {
    "reseller": ("reseller_id", "reseller__name"),
    "customer": ("customer_id", "customer__name"),
    "plan": ("plan", None),
    "severity": ("severity", None),
    "channel": ("channel", None),
    "agent": ("assignee_id", "assignee__username"),
    "subcontractor": ("assigned_organisation_id", "assigned_organisation__name"),
}
GROUP_LABELS = {
    "reseller": _("リセラー"),
    "customer": _("顧客"),
    "plan": _("サポートの種類"),
    "severity": _("重大度"),
    "channel": _("受付チャネル"),
    "agent": _("担当エージェント"),
    "subcontractor": _("担当組織"),
}
# What a reseller may group its own report by (agents and organisations are the desk's).
RESELLER_GROUPS = ("customer", "plan", "severity", "channel")
_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "plan": dict(Plan.choices),
    "severity": dict(Severity.choices),
    "channel": dict(Channel.choices),
}
# Backlog age buckets in days: [low, high).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under_1d", 0, 1),
    ("1d_3d", 1, 3),
    ("3d_7d", 3, 7),
    ("7d_30d", 7, 30),
    ("over_30d", 30, None),
)
AGE_LABELS = {
    "under_1d": _("1日未満"),
    "1d_3d": _("1〜3日"),
    "3d_7d": _("3〜7日"),
    "7d_30d": _("7〜30日"),
    "over_30d": _("30日以上"),
}
TOTAL_KEY = "__total__"
TARGET_LABELS = {Target.NEXT_REPLY: _("次回返信"), Target.RESOLUTION: _("解決")}
WAITING_STATUSES = (Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_MICROSOFT)


@dataclass
class Durations:
    """Median and 90th percentile of some durations, in business and wall minutes."""

    business_median: float | None = None
    business_p90: float | None = None
    wall_median: float | None = None
    wall_p90: float | None = None


@dataclass
class TargetFigures:
    """One internal target's clocks judged in the period."""

    met: int = 0
    breached: int = 0
    times: Durations = field(default_factory=Durations)

    @property
    def on_time_share(self) -> float | None:
        judged = self.met + self.breached
        return round(100 * self.met / judged, 1) if judged else None


def _targets_empty() -> dict[str, TargetFigures]:
    return {str(target): TargetFigures() for target in INTERNAL_TARGETS}


@dataclass
class Figures:
    key: Any
    label: str
    received: int = 0
    no_commitment: int = 0
    met: int = 0
    breached: int = 0
    stopped: int = 0
    pending: int = 0
    first_response_business_median: float | None = None
    first_response_business_p90: float | None = None
    first_response_wall_median: float | None = None
    first_response_wall_p90: float | None = None
    reopened: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    backlog: dict[str, int] = field(default_factory=dict)
    surveys_sent: int = 0
    surveys_answered: int = 0
    survey_average: float | None = None
    targets: dict[str, TargetFigures] = field(default_factory=_targets_empty)
    waiting_on_customer_seconds: float = 0.0
    waiting_on_microsoft_seconds: float = 0.0

    @property
    def with_commitment(self) -> int:
        """Judged against the terms: met or breached (stopped and pending are not judged)."""
        return self.met + self.breached

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.met / self.with_commitment, 1) if self.with_commitment else None

    @property
    def reopen_rate(self) -> float | None:
        return round(100 * self.reopened / self.received, 1) if self.received else None

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())

    @property
    def backlog_total(self) -> int:
        return sum(self.backlog.values())


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# The columns of the page's table, the CSV and the XLSX, in this order: one definition so the
# three can never disagree. (key, Japanese label, value of a Figures)
def columns() -> list[tuple[str, Any, Any]]:
    result: list[tuple[str, Any, Any]] = [
        ("received", _("受付件数"), lambda f: f.received),
        ("first_response_met", _("初回応答 期限内"), lambda f: f.met),
        ("first_response_breached", _("初回応答 期限超過"), lambda f: f.breached),
        ("first_response_no_commitment", _("確約なし"), lambda f: f.no_commitment),
        ("first_response_stopped", _("応答前に終了"), lambda f: f.stopped),
        ("first_response_pending", _("期限前（未判定）"), lambda f: f.pending),
        ("first_response_on_time_percent", _("期限内率 (%)"), lambda f: f.on_time_share),
        (
            "first_response_business_minutes_median",
            _("初回応答 営業時間（分）中央値"),
            lambda f: _minutes(f.first_response_business_median),
        ),
        (
            "first_response_business_minutes_p90",
            _("初回応答 営業時間（分）90%"),
            lambda f: _minutes(f.first_response_business_p90),
        ),
        (
            "first_response_wall_minutes_median",
            _("初回応答 経過時間（分）中央値"),
            lambda f: _minutes(f.first_response_wall_median),
        ),
        (
            "first_response_wall_minutes_p90",
            _("初回応答 経過時間（分）90%"),
            lambda f: _minutes(f.first_response_wall_p90),
        ),
    ]
    for target in INTERNAL_TARGETS:
        result += _target_columns(str(target))
    result += [
        (
            "waiting_on_customer_minutes",
            _("お客様回答待ち（分）"),
            lambda f: _minutes(f.waiting_on_customer_seconds / 60),
        ),
        (
            "waiting_on_microsoft_minutes",
            _("Microsoft 回答待ち（分）"),
            lambda f: _minutes(f.waiting_on_microsoft_seconds / 60),
        ),
    ]
    for bucket, _low, _high in AGE_BUCKETS:
        result.append(
            (
                f"backlog_{bucket}",
                _("期末の未完了 %(age)s") % {"age": AGE_LABELS[bucket]},
                lambda f, b=bucket: f.backlog.get(b, 0),
            )
        )
    result += [
        ("backlog_total", _("期末の未完了 計"), lambda f: f.backlog_total),
        ("reopened", _("再オープン"), lambda f: f.reopened),
        ("reopen_percent", _("再オープン率 (%)"), lambda f: f.reopen_rate),
    ]
    for reason, label in RefusalReason.choices:
        result.append(
            (
                f"refused_{reason}",
                _("お断り: %(reason)s") % {"reason": label},
                lambda f, r=reason: f.refused.get(r, 0),
            )
        )
    result += [
        ("refused_total", _("お断り 計"), lambda f: f.refused_total),
        ("surveys_sent", _("アンケート送信"), lambda f: f.surveys_sent),
        ("surveys_answered", _("アンケート回答"), lambda f: f.surveys_answered),
        ("survey_average", _("満足度 平均 (1〜5)"), lambda f: f.survey_average),
    ]
    return result


def _target_columns(target: str) -> list[tuple[str, Any, Any]]:
    name = TARGET_LABELS[Target(target)]

    def label(text: Any) -> Any:
        return _("%(target)s %(figure)s") % {"target": name, "figure": text}

    return [
        (f"{target}_met", label(_("期限内")), lambda f: f.targets[target].met),
        (f"{target}_breached", label(_("期限超過")), lambda f: f.targets[target].breached),
        (
            f"{target}_on_time_percent",
            label(_("期限内率 (%)")),
            lambda f: f.targets[target].on_time_share,
        ),
        (
            f"{target}_business_minutes_median",
            label(_("営業時間（分）中央値")),
            lambda f: _minutes(f.targets[target].times.business_median),
        ),
        (
            f"{target}_business_minutes_p90",
            label(_("営業時間（分）90%")),
            lambda f: _minutes(f.targets[target].times.business_p90),
        ),
        (
            f"{target}_wall_minutes_median",
            label(_("経過時間（分）中央値")),
            lambda f: _minutes(f.targets[target].times.wall_median),
        ),
        (
            f"{target}_wall_minutes_p90",
            label(_("経過時間（分）90%")),
            lambda f: _minutes(f.targets[target].times.wall_p90),
        ),
    ]


def figures_dict(figures: Figures) -> dict[str, Any]:
    """The figures under their column keys (the API's shape)."""
    return {key: value(figures) for key, _label, value in columns()}


@dataclass(frozen=True)
class TrendPoint:
    month: str
    met: int
    breached: int

    @property
    def on_time_share(self) -> float | None:
        total = self.met + self.breached
        return round(100 * self.met / total, 1) if total else None


@dataclass
class Report:
    period: Period
    group_by: str | None
    now: datetime.datetime
    rows: list[Figures]
    total: Figures
    trend: list[TrendPoint]
    breaches_by_severity: list[tuple[str, Any, int]]


# --- the rules as conditions --------------------------------------------------------------------

_ANSWERED = Q(first_responded_at__isnull=False)
_MET = _ANSWERED & Q(first_responded_at__lte=F("first_response_due"))


def _stopped(now: datetime.datetime) -> Q:
    """Finished before the deadline without a response: nothing was owed (the clock's one
    definition, `tickets.clocks`)."""
    return q_first_response(SlaState.STOPPED, now=now)


def _judged(now: datetime.datetime) -> Q:
    """Decided by `now` (answered, or the deadline passed) and not stopped in time: the
    tickets the dashboard's on-time share counts."""
    return (_ANSWERED | Q(first_response_due__lte=now)) & ~_stopped(now)


def _in(name: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _reopened() -> Exists:
    """Reopened at least once: a status change from resolved or closed back to work."""
    return Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            kind=TicketEvent.Kind.STATUS_CHANGED,
            data__from__in=[Status.RESOLVED, Status.CLOSED],
            data__to=Status.IN_PROGRESS,
        )
    )


def _grouped(queryset: QuerySet, key: str | None, **aggregates: Any) -> dict[Any, dict]:
    """{group key: aggregates} in one query; the whole as TOTAL_KEY when not grouped."""
    if key is None:
        return {TOTAL_KEY: queryset.aggregate(**aggregates)}
    return {row[key]: row for row in queryset.values(key).annotate(**aggregates).order_by()}


# --- the report ---------------------------------------------------------------------------------


@contextmanager
def _analytic_session() -> Iterator[None]:
    """On PostgreSQL, the report's statements run in one read transaction without JIT (its
    compilation costs more than these sub-second aggregates save) and with room to sort the
    percentiles in memory."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '32MB'")
        yield


def sla_report(
    *,
    tickets: QuerySet[Ticket],
    period: Period,
    now: datetime.datetime,
    group_by: str | None = None,
) -> Report:
    """The report over `tickets` (already scoped to what the caller may see)."""
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    with _analytic_session():
        return _sla_report(tickets=tickets, period=period, now=now, group_by=group_by)


def _sla_report(
    *,
    tickets: QuerySet[Ticket],
    period: Period,
    now: datetime.datetime,
    group_by: str | None,
) -> Report:
    key = GROUPS[group_by][0] if group_by else None
    scope = tickets.order_by()
    start, end = period.start, period.end
    received = scope.filter(_in("received_at", start, end))
    judged_in_period = scope.filter(_in("first_response_due", start, end))
    judged = _judged(now)

    by_received, refusals, times = _received_figures(received, key)
    by_deadline = _grouped(
        judged_in_period,
        key,
        total=Count("first_response_due"),
        met=Count("first_response_due", filter=judged & _MET),
        judged=Count("first_response_due", filter=judged),
        stopped=Count("first_response_due", filter=_stopped(now)),
    )
    backlog_end = min(end, now)
    open_at_end = (
        scope.filter(received_at__lt=backlog_end)
        .exclude(status=Status.REFUSED)
        # Open now, or finished after the end: each branch served by an index, so a recent
        # period does not walk every finished ticket of the past.
        .filter(
            Q(status__in=OPEN_STATUSES)
            | Q(resolved_at__gte=backlog_end)
            | Q(closed_at__gte=backlog_end)
        )
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=backlog_end))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=backlog_end))
    )
    by_backlog = _grouped(open_at_end, key, **_age_counts(backlog_end))
    targets = _targets(scope, key, period, now)
    waits = _waiting(scope, key, start, backlog_end)

    keys: set[Any] = set(by_received) | set(by_deadline) | set(by_backlog) | set(refusals)
    keys |= set(targets) | set(waits)
    keys.discard(TOTAL_KEY)
    labels = _labels(group_by, keys) if group_by else {}
    survey_rows = {
        result.key if group_by else TOTAL_KEY: result
        for result in survey_results(
            user=None,
            tickets=scope,
            start=start,
            end=end,
            group_by=_SURVEY_GROUPS.get(group_by) if group_by else None,
        )
    }

    def build(group_key: Any, label: str) -> Figures:
        received_row = by_received.get(group_key) or {}
        deadline_row = by_deadline.get(group_key) or {}
        backlog_row = by_backlog.get(group_key) or {}
        durations = times.get(group_key, Durations())
        waited = waits.get(group_key, {})
        survey = survey_rows.get(group_key)
        met = deadline_row.get("met") or 0
        judged_count = deadline_row.get("judged") or 0
        stopped = deadline_row.get("stopped") or 0
        return Figures(
            key=group_key,
            label=label,
            received=received_row.get("received") or 0,
            no_commitment=received_row.get("no_commitment") or 0,
            reopened=received_row.get("reopened") or 0,
            met=met,
            breached=judged_count - met,
            stopped=stopped,
            pending=(deadline_row.get("total") or 0) - judged_count - stopped,
            first_response_business_median=durations.business_median,
            first_response_business_p90=durations.business_p90,
            first_response_wall_median=durations.wall_median,
            first_response_wall_p90=durations.wall_p90,
            targets=targets.get(group_key) or _targets_empty(),
            waiting_on_customer_seconds=waited.get(Status.WAITING_ON_CUSTOMER, 0.0),
            waiting_on_microsoft_seconds=waited.get(Status.WAITING_ON_MICROSOFT, 0.0),
            refused=dict(refusals.get(group_key, {})),
            backlog={bucket: backlog_row.get(bucket) or 0 for bucket, _l, _h in AGE_BUCKETS},
            surveys_sent=survey.sent if survey else 0,
            surveys_answered=survey.answered if survey else 0,
            survey_average=survey.average if survey else None,
        )

    if group_by:
        rows = sorted(
            (build(group_key, labels.get(group_key, "—")) for group_key in keys),
            key=lambda figures: (figures.label, str(figures.key)),
        )
        total = _total(
            rows,
            times,
            targets.get(TOTAL_KEY) or _targets_empty(),
            waits.get(TOTAL_KEY, {}),
            survey_results(user=None, tickets=scope, start=start, end=end),
        )
    else:
        total = build(TOTAL_KEY, str(_("全体")))
        rows = []
    return Report(
        period=period,
        group_by=group_by,
        now=now,
        rows=rows,
        total=total,
        trend=_trend(scope, period, now),
        breaches_by_severity=_breaches_by_severity(judged_in_period, now),
    )


def _received_aggregates() -> dict[str, Any]:
    return {
        "received": Count("id"),
        "no_commitment": Count("id", filter=Q(first_response_due__isnull=True)),
        "reopened": Count("id", filter=Q(_reopened())),
    }


def _received_figures(
    received: QuerySet[Ticket], key: str | None
) -> tuple[dict[Any, dict], dict[Any, dict[str, int]], dict[Any, Durations]]:
    """Of the tickets received in the period, per group: the counts, the refusals by reason
    and the first-response times. On PostgreSQL one GROUPING SETS query reads the month's
    rows once; elsewhere (or with business seconds not stored) three queries."""
    if connection.vendor == "postgresql":
        refused = {
            f"refused_{reason}": Count("id", filter=Q(status=Status.REFUSED, refusal_reason=reason))
            for reason in RefusalReason.values
        }
        rows = _grouping_sets(
            received,
            [],
            key,
            {
                **_received_aggregates(),
                **refused,
                **_duration_aggregates(
                    "received_at",
                    "first_responded_at",
                    "first_response_business_seconds",
                    _ANSWERED,
                ),
            },
        )
        if not any(row["missing"] for row in rows):
            by_received: dict[Any, dict] = {}
            refusals: dict[Any, dict[str, int]] = {}
            times: dict[Any, Durations] = {TOTAL_KEY: Durations()}
            for row in rows:
                group_key = TOTAL_KEY if row["whole"] or key is None else row[key]
                by_received[group_key] = row
                refusals[group_key] = {
                    reason: row[f"refused_{reason}"]
                    for reason in RefusalReason.values
                    if row[f"refused_{reason}"]
                }
                times[group_key] = _durations_of(row)
            return by_received, refusals, times
    by_received = _grouped(received, key, **_received_aggregates())
    refusals = {}
    for row in (
        received.filter(status=Status.REFUSED)
        .values(*([key] if key else []), "refusal_reason")
        .annotate(count=Count("id"))
        .order_by()
    ):
        refusals.setdefault(row[key] if key else TOTAL_KEY, {})[row["refusal_reason"]] = row[
            "count"
        ]
    times = _durations(
        received.filter(_ANSWERED),
        key,
        start_field="received_at",
        end_field="first_responded_at",
        stored_field="first_response_business_seconds",
    )
    return by_received, refusals, times


_SURVEY_GROUPS = {
    "reseller": "reseller",
    "customer": "customer",
    "plan": "plan",
    "severity": "severity",
    "channel": "channel",
    "agent": "assignee",
    "subcontractor": "subcontractor",
}


def _age_counts(at: datetime.datetime) -> dict[str, Count]:
    counts = {}
    for bucket, low, high in AGE_BUCKETS:
        condition = Q(received_at__lte=at - datetime.timedelta(days=low))
        if high is not None:
            condition &= Q(received_at__gt=at - datetime.timedelta(days=high))
        counts[bucket] = Count("id", filter=condition)
    return counts


class _PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(share) WITHIN GROUP (ORDER BY expression)`: linear
    interpolation between closest ranks, as `reports.periods.percentile`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, share: float, **extra: Any) -> None:
        super().__init__(expression, share=float(share), **extra)


def _wall_seconds(start_field: str, end_field: str) -> Func:
    return Func(
        F(end_field) - F(start_field),
        template="GREATEST(0, EXTRACT(EPOCH FROM %(expressions)s))",
        output_field=FloatField(),
    )


def _in_minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


class _Grouping(Aggregate):
    """`GROUPING(column)`: 1 on the grand total's row of GROUPING SETS, 0 on a group's."""

    function = "GROUPING"
    output_field = IntegerField()


def _grouping_sets(
    queryset: QuerySet, fixed: list[str], key: str | None, aggregates: dict[str, Any]
) -> list[dict[str, Any]]:
    """`queryset` grouped by `fixed` + `key` and by `fixed` alone in one query (PostgreSQL
    GROUPING SETS): each row a dict of the fields and aggregates, with `whole` = 1 on the rows
    over every group (the whole's percentiles cannot be summed from the groups')."""
    if key is None:
        if not fixed:
            return [{**queryset.aggregate(**aggregates), "whole": 1}]
        return [{**row, "whole": 1} for row in queryset.values(*fixed).annotate(**aggregates)]
    grouped = queryset.values(*fixed, key).annotate(**aggregates, whole=_Grouping(key)).order_by()
    sql, params = grouped.query.sql_with_params()
    head, separator, group_by = sql.rpartition(" GROUP BY ")
    assert separator and " ORDER BY " not in group_by and " HAVING " not in group_by
    compiler = grouped.query.get_compiler(using=queryset.db)
    fixed_sql = ", ".join(compiler.compile(grouped.query.resolve_ref(name))[0] for name in fixed)
    sets = f"({group_by}), ({fixed_sql})" if fixed else f"({group_by}), ()"
    with connection.cursor() as cursor:
        cursor.execute(f"{head} GROUP BY GROUPING SETS ({sets})", params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_DURATION_NAMES = ("business_median", "business_p90", "wall_median", "wall_p90")


def _duration_aggregates(
    start_field: str, end_field: str, stored_field: str, only: Q | None = None
) -> dict[str, Any]:
    wall = _wall_seconds(start_field, end_field)
    missing = Q(**{f"{stored_field}__isnull": True})
    return {
        "business_median": _PercentileCont(stored_field, 0.5, filter=only),
        "business_p90": _PercentileCont(stored_field, 0.9, filter=only),
        "wall_median": _PercentileCont(wall, 0.5, filter=only),
        "wall_p90": _PercentileCont(wall, 0.9, filter=only),
        "missing": Count("pk", filter=missing & only if only is not None else missing),
    }


def _durations_of(row: Mapping[str, Any]) -> Durations:
    return Durations(**{name: _in_minutes(row[name]) for name in _DURATION_NAMES})


def _durations_in_database(
    finished: QuerySet,
    key: str | None,
    *,
    start_field: str,
    end_field: str,
    stored_field: str,
) -> dict[Any, Durations] | None:
    """`_durations` on PostgreSQL in one query, or None when a row lacks its stored business
    seconds."""
    rows = _grouping_sets(
        finished, [], key, _duration_aggregates(start_field, end_field, stored_field)
    )
    if any(row["missing"] for row in rows):
        return None
    result = {
        TOTAL_KEY if row["whole"] or key is None else row[key]: _durations_of(row) for row in rows
    }
    result.setdefault(TOTAL_KEY, Durations())
    return result


def _targets_in_database(
    judged: QuerySet, key: str | None, now: datetime.datetime
) -> dict[Any, dict[str, TargetFigures]] | None:
    """`_targets` on PostgreSQL in one query (counts and percentiles per target and group,
    and per target over all), or None when a fulfilled clock lacks its business seconds."""
    fulfilled = Q(fulfilled_at__isnull=False)
    aggregates = {
        "met": Count("id", filter=q_target(SlaState.MET, now=now)),
        "breached": Count("id", filter=q_target(SlaState.BREACHED, now=now)),
        **_duration_aggregates("started_at", "fulfilled_at", "business_seconds", fulfilled),
    }
    rows = _grouping_sets(judged, ["target"], key, aggregates)
    if any(row["missing"] for row in rows):
        return None
    result: dict[Any, dict[str, TargetFigures]] = {}
    for row in rows:
        group_key = TOTAL_KEY if row["whole"] or key is None else row[key]
        figures = result.setdefault(group_key, _targets_empty()).get(row["target"])
        if figures is None:
            continue
        figures.times = _durations_of(row)
        if group_key != TOTAL_KEY or not key:
            figures.met, figures.breached = row["met"], row["breached"]
    return result


def _durations(
    finished: QuerySet,
    key: str | None,
    *,
    start_field: str,
    end_field: str,
    stored_field: str,
) -> dict[Any, Durations]:
    """Median and 90th percentile from `start_field` to `end_field` of the rows of `finished`
    (both set), per group and for the whole (TOTAL_KEY), in business minutes (stored in
    `stored_field`) and wall minutes. On PostgreSQL in the database when every row has its
    business seconds stored (2 queries); else one query and the business calendar here."""
    if connection.vendor == "postgresql":
        found = _durations_in_database(
            finished, key, start_field=start_field, end_field=end_field, stored_field=stored_field
        )
        if found is not None:
            return found
    rows = list(finished.values_list(start_field, end_field, stored_field, *([key] if key else [])))
    missing = [(row[0], row[1]) for row in rows if row[2] is None]
    computed = iter(business_seconds_many(missing, calendar_current()) if missing else [])
    lists: dict[Any, tuple[list[float], list[float]]] = {TOTAL_KEY: ([], [])}
    for row in rows:
        business = (row[2] if row[2] is not None else next(computed)) / 60
        wall = max(0.0, (row[1] - row[0]).total_seconds() / 60)
        for group_key in (TOTAL_KEY, row[3]) if key else (TOTAL_KEY,):
            business_list, wall_list = lists.setdefault(group_key, ([], []))
            business_list.append(business)
            wall_list.append(wall)
    return {
        group_key: Durations(
            business_median=percentile(business_list, 0.5),
            business_p90=percentile(business_list, 0.9),
            wall_median=percentile(wall_list, 0.5),
            wall_p90=percentile(wall_list, 0.9),
        )
        for group_key, (business_list, wall_list) in lists.items()
    }


def _targets(
    scope: QuerySet[Ticket], key: str | None, period: Period, now: datetime.datetime
) -> dict[Any, dict[str, TargetFigures]]:
    """The internal targets' clocks judged in the period (due in it), per group: met and
    breached as `tickets.clocks` decides, and the times of those fulfilled."""
    clock_key = f"ticket__{key}" if key else None
    judged = TicketClock.objects.filter(
        target__in=[str(target) for target in INTERNAL_TARGETS],
        due__gte=period.start,
        due__lt=period.end,
    ).order_by()
    if scope.query.where:
        judged = judged.filter(ticket__in=scope)  # else every ticket: no semi-join to pay
    if connection.vendor == "postgresql":
        found = _targets_in_database(judged, clock_key, now)
        if found is not None:
            return found
    result: dict[Any, dict[str, TargetFigures]] = {}
    for row in judged.values("target", *([clock_key] if clock_key else [])).annotate(
        met=Count("id", filter=q_target(SlaState.MET, now=now)),
        breached=Count("id", filter=q_target(SlaState.BREACHED, now=now)),
    ):
        group_key = row[clock_key] if clock_key else TOTAL_KEY
        figures = result.setdefault(group_key, _targets_empty()).get(row["target"])
        if figures is not None:
            figures.met, figures.breached = row["met"], row["breached"]
    for target in INTERNAL_TARGETS:
        fulfilled = judged.filter(target=target, fulfilled_at__isnull=False)
        times = _durations(
            fulfilled,
            clock_key,
            start_field="started_at",
            end_field="fulfilled_at",
            stored_field="business_seconds",
        )
        for group_key, durations in times.items():
            if group_key == TOTAL_KEY and key:
                continue  # the whole's times: `_total` takes them from the TOTAL_KEY entry
            result.setdefault(group_key, _targets_empty())[str(target)].times = durations
        if key and TOTAL_KEY in times:
            result.setdefault(TOTAL_KEY, _targets_empty())[str(target)].times = times[TOTAL_KEY]
    return result


def _waiting(
    scope: QuerySet[Ticket], key: str | None, start: datetime.datetime, end: datetime.datetime
) -> dict[Any, dict[str, float]]:
    """Seconds spent waiting on the customer and on Microsoft within [start, end), per group
    and for the whole: from the status events of the tickets that were not finished before
    the period (one query), each wait cut to the period; a wait still running ends at `end`."""
    live = (
        scope.filter(received_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    )
    waiting = [str(status) for status in WAITING_STATUSES]
    events = (
        TicketEvent.objects.filter(
            kind=TicketEvent.Kind.STATUS_CHANGED, ticket__in=live, created_at__lt=end
        )
        .filter(Q(data__from__in=waiting) | Q(data__to__in=waiting))
        .order_by("ticket_id", "created_at", "id")
        .values_list(
            "ticket_id",
            "created_at",
            "data__from",
            "data__to",
            *([f"ticket__{key}"] if key else []),
        )
    )
    result: dict[Any, dict[str, float]] = {}

    def add(group_key: Any, status: str, since: datetime.datetime, until: datetime.datetime):
        seconds = (min(until, end) - max(since, start)).total_seconds()
        if seconds > 0:
            for k in (TOTAL_KEY, group_key) if key else (TOTAL_KEY,):
                bucket = result.setdefault(k, dict.fromkeys(waiting, 0.0))
                bucket[status] += seconds

    current: tuple[Any, str, datetime.datetime, Any] | None = None  # ticket, status, since, key
    for row in events:
        ticket_id, at, previous, status = row[:4]
        group_key = row[4] if key else TOTAL_KEY
        if current is not None and current[0] != ticket_id:
            add(current[3], current[1], current[2], end)  # still waiting at the end
            current = None
        if current is not None and previous == current[1]:
            add(group_key, current[1], current[2], at)
            current = None
        if status in waiting:
            current = (ticket_id, status, at, group_key)
    if current is not None:
        add(current[3], current[1], current[2], end)
    return result


def _labels(group_by: str, keys: Iterable[Any]) -> dict[Any, str]:
    label_field = GROUPS[group_by][1]
    if label_field is None:
        choices = _CHOICE_LABELS[group_by]
        return {value: str(choices.get(value, value)) for value in keys}
    known = [value for value in keys if value is not None]
    # From the related table itself, by primary key: never a walk over the tickets.
    relation, name = label_field.split("__")
    related = Ticket._meta.get_field(relation).related_model
    labels = {
        pk: label
        for pk, label in related._default_manager.filter(pk__in=known)  # type: ignore[union-attr]
        .values_list("pk", name)
        .order_by()
    }
    labels[None] = str(_("（なし）"))
    return labels


def _total(
    rows: list[Figures],
    times: dict[Any, Durations],
    targets: dict[str, TargetFigures],
    waits: dict[str, float],
    surveys: list,
) -> Figures:
    """The whole: sums of the groups (every ticket is in exactly one group), percentiles over
    all first responses and fulfilled targets, waits and surveys over all."""
    total = Figures(key=TOTAL_KEY, label=str(_("全体")))
    for row in rows:
        for name in ("received", "no_commitment", "met", "breached", "stopped", "pending"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.reopened += row.reopened
        for reason, count in row.refused.items():
            total.refused[reason] = total.refused.get(reason, 0) + count
        for bucket, count in row.backlog.items():
            total.backlog[bucket] = total.backlog.get(bucket, 0) + count
        for target, figures in row.targets.items():
            total.targets[target].met += figures.met
            total.targets[target].breached += figures.breached
    durations = times.get(TOTAL_KEY, Durations())
    total.first_response_business_median = durations.business_median
    total.first_response_business_p90 = durations.business_p90
    total.first_response_wall_median = durations.wall_median
    total.first_response_wall_p90 = durations.wall_p90
    for target, figures in targets.items():
        total.targets[target].times = figures.times
    total.waiting_on_customer_seconds = waits.get(Status.WAITING_ON_CUSTOMER, 0.0)
    total.waiting_on_microsoft_seconds = waits.get(Status.WAITING_ON_MICROSOFT, 0.0)
    [overall] = surveys
    total.surveys_sent, total.surveys_answered = overall.sent, overall.answered
    total.survey_average = overall.average
    return total


def _trend(scope: QuerySet[Ticket], period: Period, now: datetime.datetime) -> list[TrendPoint]:
    """On-time share per month (the period's months; a single month shows the 3 up to it),
    by the month its deadline falls, JST: one query."""
    months = period.months()
    if len(months) == 1:
        first = months[0]
        for _step in range(2):
            day = first.first_day - datetime.timedelta(days=1)
            first = Period("month", day.replace(day=1), day)
            months.insert(0, first)
    judged = _judged(now)
    rows = (
        scope.filter(_in("first_response_due", months[0].start, months[-1].end))
        .annotate(month=TruncMonth("first_response_due", tzinfo=JST))
        .values("month")
        .annotate(
            met=Count("first_response_due", filter=judged & _MET),
            judged=Count("first_response_due", filter=judged),
        )
        .order_by()
    )
    by_month = {
        row["month"].astimezone(JST).strftime("%Y-%m")
        if isinstance(row["month"], datetime.datetime)
        else row["month"].strftime("%Y-%m"): row
        for row in rows
    }
    points = []
    for month in months:
        row: Mapping[str, Any] = by_month.get(month.label, {})
        met = row.get("met") or 0
        points.append(TrendPoint(month.label, met, (row.get("judged") or 0) - met))
    return points


def _breaches_by_severity(
    judged_in_period: QuerySet[Ticket], now: datetime.datetime
) -> list[tuple[str, Any, int]]:
    judged = _judged(now)
    counts = {
        row["severity"]: row["breached"]
        for row in judged_in_period.values("severity")
        .annotate(breached=Count("first_response_due", filter=judged & ~_MET))
        .order_by()
    }
    return [(value, label, counts.get(value, 0)) for value, label in Severity.choices]
