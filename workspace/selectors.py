"""Reads of the agent workspace: queues and their counts, filters and search, the SLA state of
a row, the ticket page and the supervisor dashboard.

Every ticket list starts from `tickets.selectors.tickets_visible_to`, so a subcontractor agent
sees only its organisation's tickets here too (Art. 12)."""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Field, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.roles import AGENT_ROLES
from contracts.models import Contact, Customer, Reseller, Subscription
from contracts.selectors import contacts_with_domains
from notifications.selectors import notifications_unread_count
from search import selectors as search_selectors
from sla.deadlines import SlaState, Target
from sla.models import Severity
from tickets import clocks
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.selectors import messages_all, ticket_list_queryset, tickets_visible_to
from workspace.models import ContactReveal, TicketView

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

User = get_user_model()

_OPEN = clocks.q_open()


def _breached_q(now: datetime.datetime) -> Q:
    """Open tickets whose first-response clock is breached (`tickets.clocks`, the one rule)."""
    return _OPEN & clocks.q_first_response(SlaState.BREACHED, now=now)


def _at_risk_q(now: datetime.datetime) -> Q:
    """Open tickets whose first-response clock is at risk."""
    return _OPEN & clocks.q_first_response(SlaState.AT_RISK, now=now)


@dataclass(frozen=True)
class Queue:
    slug: str
    label: Promise
    count: int | None = 0


# The queues of the home page, in the order an agent works them.
QUEUE_LABELS: dict[str, Promise] = {
    "unassigned": _("未割当"),
    "mine": _("自分の担当"),
    "breached": _("期限超過"),
    "at_risk": _("期限間近"),
    "waiting_on_customer": _("お客様回答待ち"),
    "waiting_on_microsoft": _("Microsoft 回答待ち"),
    "open": _("すべての未完了"),
    # Every state, resolved, closed and refused included: where a past case is found.
    "all": _("すべて"),
}
# Queues that list finished tickets too; the others list open tickets unless the status
# filter or the search asks otherwise.
_ANY_STATE_QUEUES = frozenset({"all"})
DEFAULT_QUEUE = "open"


def _queue_conditions(*, user, now: datetime.datetime) -> dict[str, Q]:
    return {
        "unassigned": _OPEN & Q(assignee__isnull=True),
        "mine": _OPEN & Q(assignee_id=user.pk),
        "breached": _breached_q(now),
        "at_risk": _at_risk_q(now),
        "waiting_on_customer": Q(status=Status.WAITING_ON_CUSTOMER),
        "waiting_on_microsoft": Q(status=Status.WAITING_ON_MICROSOFT),
        "open": _OPEN,
        "all": Q(),
    }


def _queue_scope(*, user, now: datetime.datetime) -> dict[str, Q]:
    """Each queue without its open-only part: what a status filter or a search looks in,
    so that クローズ in 自分の担当 finds my closed tickets."""
    return {
        "unassigned": Q(assignee__isnull=True),
        "mine": Q(assignee_id=user.pk),
        "breached": clocks.q_first_response(SlaState.BREACHED, now=now),
        "at_risk": clocks.q_first_response(SlaState.AT_RISK, now=now),
        "waiting_on_customer": Q(status=Status.WAITING_ON_CUSTOMER),
        "waiting_on_microsoft": Q(status=Status.WAITING_ON_MICROSOFT),
        "open": Q(),
        "all": Q(),
    }


def queues_with_counts(*, user, now: datetime.datetime) -> list[Queue]:
    """Every queue with its count, in one query (conditional aggregation over the open
    tickets, which the status index finds); すべて shows no count (a count of every ticket
    ever would cost a scan of the table on every page)."""
    conditions = _queue_conditions(user=user, now=now)
    conditions.pop("all")
    counts = (
        tickets_visible_to(user)
        .filter(_OPEN)
        .order_by()
        .aggregate(
            **{slug: Count("id", filter=condition) for slug, condition in conditions.items()}
        )
    )
    return [Queue(slug, label, counts.get(slug)) for slug, label in QUEUE_LABELS.items()]


@dataclass(frozen=True)
class QueueFilters:
    """What the filter bar of a queue asks for; empty values filter nothing."""

    severity: str = ""
    plan: str = ""
    reseller_id: int | None = None
    customer: str = ""
    channel: str = ""
    assignee: str = ""  # a user id, or "none" for unassigned
    status: str = ""
    search: str = ""
    sla_target: str = ""  # first_response (default), next_reply or resolution
    sla_state: str = ""
    sort: str = ""  # "" (the queue's own order) or "updated" (last update first)


# The sort options of a queue: its own order, or the last updated first.
SORT_UPDATED = "updated"


def tickets_in_queue(
    *, user, queue: str, filters: QueueFilters, now: datetime.datetime
) -> QuerySet[Ticket]:
    """The tickets of one queue, filtered. A status filter or a search looks beyond the open
    tickets (a closed case is found from any queue). Open queues are sorted by
    first-response deadline (tickets with no commitment last), then oldest first; すべて and
    searches newest first."""
    if queue not in QUEUE_LABELS:
        queue = DEFAULT_QUEUE
    any_state = queue in _ANY_STATE_QUEUES or bool(filters.status) or bool(filters.search.strip())
    conditions = (
        _queue_scope(user=user, now=now) if any_state else _queue_conditions(user=user, now=now)
    )
    queryset = tickets_visible_to(user).filter(conditions[queue])
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.plan:
        queryset = queryset.filter(plan=filters.plan)
    if filters.reseller_id:
        queryset = queryset.filter(reseller_id=filters.reseller_id)
    if filters.customer.strip():
        queryset = queryset.filter(customer__name__icontains=filters.customer.strip())
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        queryset = queryset.filter(assignee_id=int(filters.assignee))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.search.strip():
        queryset = search_selectors.tickets_matching(
            queryset=queryset,
            search=filters.search,
            include_internal=search_includes_internal_notes(user),
            contact_data=search_includes_contact_data(user),
        )
    if filters.sla_state in {state.value for state in SlaState}:
        target = filters.sla_target or Target.FIRST_RESPONSE
        queryset = queryset.filter(
            clocks.q_tickets_with_target(target, SlaState(filters.sla_state), now=now)
        )
    if filters.sort == SORT_UPDATED:
        return queryset.order_by("-updated_at", "-id")
    if any_state:
        return queryset.order_by("-submitted_at", "-id")
    return queryset.order_by(F("first_response_due").asc(nulls_last=True), "received_at", "id")


def with_last_seen(queryset: QuerySet[Ticket], *, user) -> QuerySet[Ticket]:
    """Each row with when `user` last opened it (`seen_at`), in the rows' own query: a
    subquery on the unique (user, ticket) index, no query per row."""
    seen = TicketView.objects.filter(user_id=user.pk, ticket=OuterRef("pk")).values("seen_at")[:1]
    return queryset.annotate(seen_at=Subquery(seen))


def search_includes_internal_notes(user) -> bool:
    """Internal notes are the desk's: every workspace user, never a reseller's user."""
    return not permissions.access_of(user).is_reseller


def search_includes_contact_data(user) -> bool:
    """The requester's email and phone are searchable (exact values only) by those who may
    reveal them on the ticket page: every workspace user, who sees them masked (Art. 14)."""
    return not permissions.access_of(user).is_reseller


SEARCH_HIT_LABELS: dict[str, Promise] = {
    "number": _("チケット番号"),
    "subject": _("件名"),
    "description": _("お問い合わせ内容"),
    "microsoft_case_number": _("Microsoft ケース番号"),
    Message.Kind.REPLY: _("回答"),
    Message.Kind.CUSTOMER: _("お客様からのメッセージ"),
    Message.Kind.INTERNAL_NOTE: _("社内メモ"),
    Message.Kind.PHONE_CALL: _("電話"),
    "other": _("テナント ID・依頼者の連絡先"),
}


def queue_search_hits(*, user, tickets: list[Ticket], search: str) -> dict:
    """Where each ticket of a page matched the search (`search.selectors.search_hits`)."""
    return search_selectors.search_hits(
        tickets=tickets,
        search=search,
        include_internal=search_includes_internal_notes(user),
        labels=SEARCH_HIT_LABELS,
    )


class CappedPaginator(Paginator):
    """Counts up to COUNT_CAP rows and no further: the count of a search or of すべて over a
    million tickets would cost more than the page itself. `capped` says the count is a
    floor."""

    COUNT_CAP = 1_000
    # A search's count probes each candidate's document; past two pages it is not counted.
    SEARCH_COUNT_CAP = 100

    def __init__(self, *args, count_cap: int = COUNT_CAP, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.COUNT_CAP = count_cap

    @property
    def count(self) -> int:
        if not hasattr(self, "_capped_count"):
            queryset = self.object_list
            assert isinstance(queryset, QuerySet)  # queue pages page querysets only
            ids = queryset.order_by().values("pk")[: self.COUNT_CAP + 1]
            self._capped_count = ids.count()
        return min(self._capped_count, self.COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.count >= self.COUNT_CAP and self._capped_count > self.COUNT_CAP


def queue_page(
    *,
    queryset: QuerySet[Ticket],
    page_number: Any,
    now: datetime.datetime,
    search: bool = False,
    user=None,
) -> Page:
    """One page of rows, each with its SLA state, in three queries: the count, the page's ids
    in the queue's order, and those rows with what a row shows.

    The ids come first because the planner's search over the row's joins (reseller, customer,
    subscription, product, requester, contract, assignee) combined with the queue's filters
    and order took 50–200 ms of planning over a million tickets, for 2 ms of execution;
    fetched by id the rows plan in a few milliseconds. `user`: whose unread markers to show
    (`with_last_seen`)."""
    paginator = CappedPaginator(
        queryset.values_list("pk", flat=True),
        settings.WORKSPACE_PAGE_SIZE,
        count_cap=CappedPaginator.SEARCH_COUNT_CAP if search else CappedPaginator.COUNT_CAP,
    )
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    rows = ticket_list_queryset().filter(pk__in=ids)
    if user is not None:
        rows = with_last_seen(rows, user=user)
    by_id = {ticket.pk: ticket for ticket in rows}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    for ticket in page.object_list:
        ticket.sla = clocks.first_response_state(ticket=ticket, now=now)
        ticket.reception_deferred_from = clocks.reception_deferred_from(ticket=ticket)
        # Changed since this agent last opened it (rows annotated by `with_last_seen`).
        seen_at = getattr(ticket, "seen_at", False)
        ticket.unread = seen_at is not False and (seen_at is None or ticket.updated_at > seen_at)
    return page


def agents_all() -> QuerySet:
    """Desk users a ticket can be assigned to."""
    return (
        User.objects.filter(Q(groups__name__in=AGENT_ROLES) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


def resellers_all() -> QuerySet[Reseller]:
    return Reseller.objects.order_by("name")


def filter_resellers_for(*, user) -> QuerySet[Reseller]:
    """The resellers the queue filter offers: all of them to the distributor's desk; to a
    subcontractor only those of the tickets it may see (Art. 12: the names of the
    distributor's other resellers are not its business)."""
    if permissions.may_browse_customers(user):
        return resellers_all()
    return resellers_all().filter(pk__in=tickets_visible_to(user).order_by().values("reseller_id"))


def filter_agents_for(*, user) -> QuerySet:
    """The assignees the queue filter offers: every desk login to the distributor's desk; to
    a subcontractor only the people of its own organisation."""
    agents = agents_all()
    if permissions.may_assign_others(user):
        return agents
    organisation_id = permissions.access_of(user).organisation_id
    if organisation_id is None:
        return agents.filter(pk=user.pk)
    return agents.filter(profile__organisation_id=organisation_id)


# --- the ticket page ----------------------------------------------------------------------------


def ticket_for_user(*, user, number: str) -> Ticket:
    """The ticket `number` if `user` may see it; otherwise 404, the same answer as a ticket
    that does not exist (a subcontractor learns nothing of other organisations' tickets)."""
    ticket = (
        tickets_visible_to(user)
        .select_related("customer__reseller", "policy", "assigned_organisation", "created_by")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_thread(*, ticket: Ticket) -> list[Message]:
    return list(messages_all(ticket=ticket))


# The events that name another ticket, and where in their data its number is.
_OTHER_TICKET_KEYS = {
    "merged": "into",
    "merge_received": "from",
    "linked": "other",
    "unlinked": "other",
}


def ticket_events(*, ticket: Ticket, user) -> list[TicketEvent]:
    return events_mark_other_tickets(events=list(ticket.events.select_related("actor")), user=user)


def events_mark_other_tickets(*, events: list[TicketEvent], user) -> list[TicketEvent]:
    """Mark `other_hidden` on each event naming another ticket (a merge, a link) that `user`
    may not see (tickets_visible_to), e.g. one outside a subcontractor's scope, so its number
    is not shown (one query for all of them)."""
    numbers = {
        (event.data or {}).get(_OTHER_TICKET_KEYS[event.kind], "")
        for event in events
        if event.kind in _OTHER_TICKET_KEYS
    }
    numbers.discard("")
    visible = (
        set(tickets_visible_to(user).filter(number__in=numbers).values_list("number", flat=True))
        if numbers
        else set()
    )
    for event in events:
        if event.kind in _OTHER_TICKET_KEYS:
            number = (event.data or {}).get(_OTHER_TICKET_KEYS[event.kind], "")
            event.other_hidden = number not in visible  # type: ignore[attr-defined]
    return events


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: Any
    kind: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


# What the history says of a ticket the viewer may not see, instead of its number.
OTHER_TICKET = _("別のチケット")

_HISTORY_KINDS = {"+": _("作成"), "~": _("変更"), "-": _("削除")}


def _history_value(model_field, value: Any) -> str:
    """A value as the agent reads it: the choice's label, a time in JST."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M JST")
    if isinstance(value, list):
        return f"[{len(value)}]"
    return str(value)


def _related_name(instance) -> str:
    """A person by their login name, anything else (organisation, contact, …) as itself."""
    if isinstance(instance, User):
        return instance.get_username()
    return str(instance)


def ticket_history(*, ticket: Ticket, user) -> list[HistoryEntry]:
    """Who changed what, from django-simple-history: each row against the one before it,
    newest first. People, organisations and other related rows are named, not numbered
    (one query per kind of related row on the page); another ticket only when `user` may see
    it (tickets_visible_to), else a neutral word."""
    records = list(ticket.history.select_related("history_user").order_by("history_date"))
    diffs = []
    wanted: dict[Any, set] = {}
    previous = None
    for record in records:
        changes: list[Any] = record.diff_against(previous).changes if previous is not None else []
        for change in changes:
            model_field = Ticket._meta.get_field(change.field)
            if model_field.is_relation:
                ids = wanted.setdefault(model_field.related_model, set())
                ids.update(value for value in (change.old, change.new) if value is not None)
        diffs.append((record, changes))
        previous = record
    names = {
        model: {
            pk: _related_name(obj)
            for pk, obj in (tickets_visible_to(user) if model is Ticket else model.objects)
            .in_bulk(ids)
            .items()
        }
        for model, ids in wanted.items()
        if ids
    }

    def shown(model_field, value) -> str:
        if model_field.is_relation and value is not None:
            if model_field.related_model is Ticket:
                return names.get(Ticket, {}).get(value) or str(OTHER_TICKET)
            return names.get(model_field.related_model, {}).get(value, str(value))
        return _history_value(model_field, value)

    entries: list[HistoryEntry] = []
    for record, changes in diffs:
        rows = []
        for change in changes:
            model_field = Ticket._meta.get_field(change.field)
            assert isinstance(model_field, Field)  # history keeps the concrete fields
            rows.append(
                (
                    str(model_field.verbose_name),
                    shown(model_field, change.old),
                    shown(model_field, change.new),
                )
            )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=str(_HISTORY_KINDS.get(record.history_type, record.history_type)),
                changes=rows,
            )
        )
    entries.reverse()
    return entries


def contact_revealed(*, user, contact: Contact, now: datetime.datetime) -> bool:
    """Whether `user` revealed `contact` within the last WORKSPACE_REVEAL_MINUTES."""
    since = now - datetime.timedelta(minutes=settings.WORKSPACE_REVEAL_MINUTES)
    return ContactReveal.objects.filter(user=user, contact=contact, created_at__gte=since).exists()


def contacts_revealed_ids(*, user, now: datetime.datetime) -> set[int]:
    """The contacts `user` revealed within the last WORKSPACE_REVEAL_MINUTES, in one query
    (a list of contacts masks the others)."""
    since = now - datetime.timedelta(minutes=settings.WORKSPACE_REVEAL_MINUTES)
    return set(
        ContactReveal.objects.filter(user=user, created_at__gte=since).values_list(
            "contact_id", flat=True
        )
    )


# --- phone intake -------------------------------------------------------------------------------


def customers_search(*, search: str, limit: int = 20) -> list[Customer]:
    """Customers matching a name, domain, tenant ID, reseller name, or a contact's email."""
    search = search.strip()
    if not search:
        return []
    condition = (
        Q(name__icontains=search)
        | Q(primary_domain__icontains=search)
        | Q(reseller__name__icontains=search)
        | Q(reseller__code__iexact=search)
        | Q(contacts__email__iexact=search)
        | Q(contacts__name__icontains=search)
    )
    with contextlib.suppress(ValueError):
        condition |= Q(tenant_id=uuid.UUID(search))
    ids = Customer.objects.filter(condition).values("id").distinct()[:limit]
    return list(Customer.objects.filter(id__in=ids).select_related("reseller").order_by("name"))


def customer_intake_choices(*, customer: Customer) -> tuple[QuerySet, QuerySet]:
    """Everyone who might call about `customer` (the form says when one is not a global admin)
    and its subscriptions (the form says when one is not active)."""
    contacts = contacts_with_domains(
        Contact.objects.filter(
            Q(customer=customer) | Q(reseller_id=customer.reseller_id), is_active=True
        )
    ).order_by("-is_global_admin", "name")
    subscriptions = (
        Subscription.objects.filter(customer=customer).select_related("product").order_by("id")
    )
    return contacts, subscriptions


# --- the supervisor dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class ResellerShare:
    reseller: str
    total: int
    on_time: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.on_time / self.total, 1) if self.total else None


@dataclass
class Dashboard:
    statuses: list[tuple[str, StrOrPromise]]
    severities: list[tuple[str, StrOrPromise]]
    matrix: dict[str, dict[str, int]]
    totals_by_status: dict[str, int]
    breached_today: list[Ticket]
    at_risk: list[Ticket]
    share_overall: ResellerShare
    share_by_reseller: list[ResellerShare]
    month_start: datetime.datetime


def _jst_day_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard_for(*, user, now: datetime.datetime, list_limit: int = 20) -> Dashboard:
    """Counts by state × severity, today's breaches, at-risk tickets and the month's on-time
    first-response share (overall and per reseller), in a constant number of queries.

    Judged this month: tickets whose deadline fell in the month (JST) and is decided — answered,
    or past due. A ticket with no commitment is never judged (DOMAIN.md point 7), nor one
    finished before its deadline without a response (SlaState.STOPPED)."""
    visible = tickets_visible_to(user)
    matrix: dict[str, dict[str, int]] = {status: {} for status in Status.values}
    totals: dict[str, int] = dict.fromkeys(Status.values, 0)
    rows = visible.order_by().values("status", "severity").annotate(count=Count("id"))
    for row in rows:
        matrix[row["status"]][row["severity"]] = row["count"]
        totals[row["status"]] += row["count"]

    day_start = _jst_day_start(now)
    # Breached (the one rule of `tickets.clocks`) with the deadline falling today (JST).
    breached_today = list(
        visible.filter(
            clocks.q_first_response(SlaState.BREACHED, now=now),
            clocks.q_first_response_due_within(start=day_start),
        ).order_by("first_response_due")[:list_limit]
    )
    at_risk = list(visible.filter(_at_risk_q(now)).order_by("first_response_due")[:list_limit])

    month_start = day_start.replace(day=1)
    # Midnight JST of the 1st of next month: day 28 plus 4 days is always in the next month.
    next_month = (month_start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    # Judged: decided — met or breached (never no commitment, DOMAIN.md point 7, nor stopped:
    # finished before its deadline without a response owes nothing).
    met = clocks.q_first_response(SlaState.MET, now=now)
    judged = visible.filter(
        met | clocks.q_first_response(SlaState.BREACHED, now=now),
        clocks.q_first_response_due_within(start=month_start, end=next_month),
    )
    on_time = met
    per_reseller = (
        judged.order_by()
        .values("reseller__name")
        .annotate(total=Count("id"), on_time=Count("id", filter=on_time))
        .order_by("reseller__name")
    )
    shares = [
        ResellerShare(row["reseller__name"], row["total"], row["on_time"]) for row in per_reseller
    ]
    overall = ResellerShare(
        str(_("全体")), sum(s.total for s in shares), sum(s.on_time for s in shares)
    )
    return Dashboard(
        statuses=list(Status.choices),
        severities=list(Severity.choices),
        matrix=matrix,
        totals_by_status=totals,
        breached_today=breached_today,
        at_risk=at_risk,
        share_overall=overall,
        share_by_reseller=shares,
        month_start=month_start,
    )


@dataclass(frozen=True)
class ChartBar:
    label: str
    percent: float | None
    total: int
    y: int
    width: int


def share_chart(
    shares: list[ResellerShare], *, bar_width: int = 360, row_height: int = 42
) -> dict[str, Any]:
    """Geometry of the on-time share chart, one horizontal bar per reseller (server-rendered
    SVG: no chart library, no CDN). Each reseller's name has its own line above its bar, so a
    long name (Japanese ones run wide) never runs into the bar."""
    bars = [
        ChartBar(
            label=share.reseller,
            percent=share.percent,
            total=share.total,
            y=index * row_height,
            width=round(bar_width * (share.percent or 0) / 100),
        )
        for index, share in enumerate(shares)
    ]
    return {
        "bars": bars,
        "bar_width": bar_width,
        "row_height": row_height,
        "height": max(len(bars), 1) * row_height,
    }


# --- the customer's and the requester's other tickets ------------------------------------------


@dataclass(frozen=True)
class RelatedTickets:
    customer_open: list[Ticket]
    customer_recent_closed: list[Ticket]
    requester: list[Ticket]


def tickets_related(*, user, ticket: Ticket, limit: int = 10) -> RelatedTickets:
    """The customer's other open tickets and its latest finished ones, and the requester's
    other tickets (any customer), newest first, within what `user` may see: three queries."""
    others = tickets_visible_to(user).exclude(pk=ticket.pk).order_by("-submitted_at", "-id")
    of_customer = others.filter(customer_id=ticket.customer_id)
    return RelatedTickets(
        customer_open=list(of_customer.filter(_OPEN)[:limit]),
        customer_recent_closed=list(of_customer.exclude(_OPEN)[:limit]),
        requester=list(others.filter(requester_id=ticket.requester_id)[:limit]),
    )


def notifications_bell(*, user) -> dict:
    """What the nav's bell shows: a link to the user's in-app notifications with the unread
    count, once the notifications app serves its list (`notifications.urls`); `live_url` is
    where the page's script reads the count again (static/workspace/live.js)."""
    if user is None or not user.is_authenticated:
        return {"url": None}
    try:
        url = reverse("notifications:list")
    except NoReverseMatch:
        return {"url": None}
    return {
        "url": url,
        "live_url": reverse("workspace:notifications_bell"),
        "unread": notifications_unread_count(user=user),
    }
