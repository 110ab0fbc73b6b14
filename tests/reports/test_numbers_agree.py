"""Numbers must agree: a month of tickets with known outcomes, and every figure checked on the
page, in both exports and in the reseller API; the dashboard's on-time share equals the
report's; each ticket is classed as `tickets.clocks.first_response_state` classes it."""

from __future__ import annotations

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from reports.periods import parse_month
from reports.selectors import figures_dict, sla_report
from sla.deadlines import SlaState
from surveys.models import Survey
from surveys.services import survey_answer
from tests.api.conftest import token_client
from tests.factories import ContactFactory, CustomerFactory, SubscriptionFactory, TicketFactory
from tickets import services as ticket_services
from tickets.clocks import first_response_state, target_state
from tickets.models import Channel, Ticket, TicketClock
from workspace.selectors import dashboard_for

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=JST)
NOVEMBER = parse_month("2026-11")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def month(customer_a, subscription_a, admin_contact_a, agent, reseller_b):
    """Reseller A's November (expected figures in EXPECTED_A) and one met ticket of B."""
    tickets: dict[str, Ticket] = {}

    def open_(name, when, severity, customer=customer_a, subscription=None, requester=None):
        with time_machine.travel(when, tick=False):
            tickets[name] = TicketFactory(
                customer=customer,
                subscription=subscription or subscription_a,
                requester=requester or admin_contact_a,
                severity=severity,
                channel=Channel.PHONE,
            )

    def reply(name, when):
        with time_machine.travel(when, tick=False):
            ticket_services.message_add(
                ticket=tickets[name], kind="reply", body="回答", author_user=agent, actor=agent
            )

    def resolve(name, when):
        with time_machine.travel(when, tick=False):
            ticket_services.ticket_resolve(ticket=tickets[name], actor=agent)

    open_("T9", at(30, 10, month=10), "high")  # due Mon 11-02 17:00
    open_("T1", at(2, 10), "critical")
    reply("T1", at(2, 10, 30))  # met: 30 wall, 30 business minutes
    resolve("T1", at(2, 11))
    reply("T9", at(2, 18))  # breached, received in October
    resolve("T9", at(2, 18, 5))
    open_("T2", at(3, 10), "critical")  # 文化の日: no business minutes
    reply("T2", at(3, 11, 30))  # breached: 90 wall, 0 business
    resolve("T2", at(3, 12))
    open_("T3", at(4, 10), "high")  # due Thu 11-05 17:00
    reply("T3", at(5, 9, 30))  # met: 1410 wall, 450 business
    resolve("T3", at(5, 10))
    open_("T4", at(6, 10), "non_critical")  # no commitment
    reply("T4", at(6, 11))  # 60 / 60
    resolve("T4", at(6, 12))
    open_("T5", at(9, 10), "critical")
    resolve("T5", at(9, 10, 20))  # stopped: finished before its deadline, no response
    open_("T6", at(10, 10), "critical")  # breached, never answered, open
    open_("T7", at(11, 10), "high")
    with time_machine.travel(at(11, 10, 10), tick=False):  # refusal = first response: met
        ticket_services.ticket_refuse(
            ticket=tickets["T7"], reason="out_of_scope", note="対象外です", actor=agent
        )
    open_("T8", at(12, 10), "critical")
    reply("T8", at(12, 10, 10))  # met: 10 / 10
    resolve("T8", at(12, 11))
    with time_machine.travel(at(12, 12), tick=False):
        ticket_services.ticket_reopen(ticket=tickets["T8"], actor=agent)  # reopened, open
    open_("T10", at(30, 11, 50), "critical")  # due 12:50, after NOW: pending
    # T8 reopened waits on the customer 3 days, who answers; the next reply is owed and given;
    # then it waits on Microsoft from 11-17 10:00 until after NOW (13 days 2 hours).
    with time_machine.travel(at(13, 10), tick=False):
        ticket_services.message_add(
            ticket=tickets["T8"],
            kind="reply",
            body="ログをお送りください。",
            requests_information=True,
            author_user=agent,
            actor=agent,
        )
    with time_machine.travel(at(16, 10), tick=False):
        ticket_services.message_add(
            ticket=tickets["T8"],
            kind="customer",
            body="ログです。",
            author_contact=tickets["T8"].requester,
        )
    reply("T8", at(16, 10, 30))  # next reply met: 30 wall, 30 business minutes
    with time_machine.travel(at(17, 10), tick=False):
        ticket_services.ticket_wait_on_microsoft(
            ticket=tickets["T8"], case_number="2611170010000001", actor=agent
        )

    with time_machine.travel(at(13, 9), tick=False):
        survey_answer(survey=Survey.objects.get(ticket=tickets["T1"]), rating=5)
        survey_answer(survey=Survey.objects.get(ticket=tickets["T2"]), rating=2)

    customer_b = CustomerFactory(reseller=reseller_b, name="顧客B1株式会社")
    open_(
        "B1",
        at(16, 10),
        "critical",
        customer=customer_b,
        subscription=SubscriptionFactory(customer=customer_b),
        requester=ContactFactory(customer=customer_b),
    )
    reply("B1", at(16, 10, 5))
    return tickets


EXPECTED_A = {
    "received": 9,
    "first_response_met": 4,
    "first_response_breached": 3,
    "first_response_no_commitment": 1,
    "first_response_stopped": 1,
    "first_response_pending": 1,
    "first_response_on_time_percent": 57.1,
    "first_response_business_minutes_median": 20.0,
    "first_response_business_minutes_p90": 255.0,
    "first_response_wall_minutes_median": 45.0,
    "first_response_wall_minutes_p90": 750.0,
    # The internal targets, judged in the month their due falls. Next reply: T8's, owed from
    # the customer's answer (16 10:00), given at 10:30.
    "next_reply_met": 1,
    "next_reply_breached": 0,
    "next_reply_on_time_percent": 100.0,
    "next_reply_business_minutes_median": 30.0,
    "next_reply_business_minutes_p90": 30.0,
    "next_reply_wall_minutes_median": 30.0,
    "next_reply_wall_minutes_p90": 30.0,
    # Resolution: T9 T1 T2 T3 T4 T5 T7 met, T6 breached (open past its due); T8's clock is
    # paused (waiting on Microsoft), T10's is due in December. Business minutes of the met
    # ones 900 60 0 480 120 20 10, wall minutes 4805 60 120 1440 120 20 10.
    "resolution_met": 7,
    "resolution_breached": 1,
    "resolution_on_time_percent": 87.5,
    "resolution_business_minutes_median": 60.0,
    "resolution_business_minutes_p90": 648.0,
    "resolution_wall_minutes_median": 120.0,
    "resolution_wall_minutes_p90": 2786.0,
    # T8: on the customer 13 10:00 → 16 10:00; on Microsoft 17 10:00 → NOW (30 12:00).
    "waiting_on_customer_minutes": 4320.0,
    "waiting_on_microsoft_minutes": 18840.0,
    "backlog_under_1d": 1,
    "backlog_1d_3d": 0,
    "backlog_3d_7d": 0,
    "backlog_7d_30d": 2,
    "backlog_over_30d": 0,
    "backlog_total": 3,
    "reopened": 1,
    "reopen_percent": 11.1,
    "refused_out_of_scope": 1,
    "refused_total": 1,
    "surveys_sent": 7,
    "surveys_answered": 2,
    "survey_average": 3.5,
}


def _check(values: dict, expected: dict) -> None:
    assert {key: values[key] for key in expected} == expected


@pytest.mark.django_db
def test_report_figures_of_a_known_month(month, supervisor):
    report = sla_report(
        tickets=Ticket.objects.filter(reseller__code="reseller-a"), period=NOVEMBER, now=NOW
    )
    _check(figures_dict(report.total), EXPECTED_A)
    assert [(point.month, point.met, point.breached) for point in report.trend][-2:] == [
        ("2026-10", 0, 0),
        ("2026-11", 4, 3),
    ]
    assert report.breaches_by_severity[0][0] == "critical"
    assert [count for _value, _label, count in report.breaches_by_severity] == [2, 1, 0]


@pytest.mark.django_db
def test_each_ticket_is_classed_as_its_sla_state(month):
    expected_class = {
        SlaState.MET: "first_response_met",
        SlaState.BREACHED: "first_response_breached",
        SlaState.STOPPED: "first_response_stopped",
        SlaState.RUNNING: "first_response_pending",
        SlaState.AT_RISK: "first_response_pending",
    }
    for ticket in Ticket.objects.filter(first_response_due__isnull=False):
        figures = figures_dict(
            sla_report(tickets=Ticket.objects.filter(pk=ticket.pk), period=NOVEMBER, now=NOW).total
        )
        state = first_response_state(ticket=ticket, now=NOW)
        classes = [key for key in set(expected_class.values()) if figures[key]]
        assert classes == [expected_class[state]], ticket.subject


@pytest.mark.django_db
def test_each_clock_is_classed_as_its_target_state(month):
    """Ticket by ticket, the report's met / breached of each internal target is what
    `tickets.clocks.target_state` says of its clock (due in the month)."""
    expected_class = {SlaState.MET: "met", SlaState.BREACHED: "breached"}
    clocks = TicketClock.objects.filter(due__gte=NOVEMBER.start, due__lt=NOVEMBER.end)
    assert clocks.count() >= 10
    for clock in clocks:
        figures = figures_dict(
            sla_report(
                tickets=Ticket.objects.filter(pk=clock.ticket_id), period=NOVEMBER, now=NOW
            ).total
        )
        state = target_state(clock=clock, now=NOW)
        classes = [name for name in ("met", "breached") if figures[f"{clock.target}_{name}"]]
        assert classes == ([expected_class[state]] if state in expected_class else []), clock


@pytest.mark.django_db
def test_durations_stored_or_computed_agree(month):
    """Rows without stored business seconds (from before the column) are computed with the
    calendar: the same figures."""
    tickets = Ticket.objects.filter(reseller__code="reseller-a")
    stored = figures_dict(sla_report(tickets=tickets, period=NOVEMBER, now=NOW).total)
    assert Ticket.objects.filter(first_response_business_seconds__isnull=False).count() == 8
    Ticket.objects.update(first_response_business_seconds=None)
    TicketClock.objects.update(business_seconds=None)
    computed = figures_dict(sla_report(tickets=tickets, period=NOVEMBER, now=NOW).total)
    assert computed == stored
    _check(computed, EXPECTED_A)
    # `manage.py reports_backfill` stores them again: the same figures.
    call_command("reports_backfill", "--batch-size", "3", stdout=io.StringIO())
    assert Ticket.objects.filter(first_response_business_seconds__isnull=False).count() == 8
    assert not TicketClock.objects.filter(
        fulfilled_at__isnull=False, business_seconds__isnull=True
    ).exists()
    backfilled = figures_dict(sla_report(tickets=tickets, period=NOVEMBER, now=NOW).total)
    assert backfilled == stored


@pytest.mark.django_db
def test_page_csv_xlsx_and_api_agree(month, supervisor, reseller_a_user, reseller_a):
    client = Client()
    client.force_login(supervisor)
    query = {"period": "month", "month": "2026-11", "group_by": "reseller"}
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/", query)
        csv_response = client.get("/reports/", {**query, "format": "csv"})
        xlsx_response = client.get("/reports/", {**query, "format": "xlsx"})
        api = token_client(reseller_a_user).get("/api/v1/reports/sla/", {"month": "2026-11"})
        dashboard = dashboard_for(user=supervisor, now=NOW)
    assert page.status_code == 200
    header = page.context["header"]
    keys = [key for key, _label, _value in page.context["columns"]]
    page_rows = {row[1]: dict(zip(keys, row[2:], strict=True)) for row in page.context["rows"]}
    _check(page_rows["リセラーA株式会社"], EXPECTED_A)
    html = page.content.decode()
    assert 'id="report-table"' in html and "<svg" in html and "<script>" not in html

    # CSV: UTF-8 with a BOM, the same header and numbers as the page.
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv_response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert lines[0] == [str(label) for label in header]
    csv_rows = {line[1]: dict(zip(keys, line[2:], strict=True)) for line in lines[1:]}
    _check(
        csv_rows["リセラーA株式会社"],
        {k: "" if v is None else str(v) for k, v in EXPECTED_A.items()},
    )

    # XLSX: the same, as numbers.
    workbook = load_workbook(io.BytesIO(xlsx_response.content))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert list(sheet_rows[0]) == [str(label) for label in header]
    xlsx_rows = {row[1]: dict(zip(keys, row[2:], strict=True)) for row in sheet_rows[1:]}
    _check(xlsx_rows["リセラーA株式会社"], EXPECTED_A)

    # The API: reseller A's own tickets only, the same figures.
    assert api.status_code == 200
    body = api.json()
    assert body["month"] == "2026-11"
    total = body["total"]
    refused = total.pop("refused")
    assert refused["out_of_scope"] == 1
    _check(
        {**total, "refused_out_of_scope": refused["out_of_scope"]},
        EXPECTED_A,
    )

    # The dashboard's on-time share is the report's for the same month (A and B).
    whole = page_rows["全体"]
    assert whole["first_response_met"] == 5 and whole["first_response_breached"] == 3
    assert dashboard.share_overall.percent == whole["first_response_on_time_percent"] == 62.5


@pytest.mark.django_db
def test_api_rejects_a_bad_month_in_the_one_error_shape(reseller_a_user):
    response = token_client(reseller_a_user).get("/api/v1/reports/sla/", {"month": "2026-13"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] and body["fields"]["month"]


@pytest.mark.django_db
def test_reports_page_is_for_supervisors_and_managers(agent, supervisor):
    client = Client()
    client.force_login(agent)
    assert client.get("/reports/").status_code == 403
    client.force_login(supervisor)
    assert client.get("/reports/").status_code == 200
    assert (
        client.get("/reports/", {"period": "custom", "date_from": "2026-11-05"}).status_code == 400
    )


@pytest.mark.django_db
def test_queries_do_not_grow_with_groups(month, supervisor, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        sla_report(tickets=Ticket.objects.all(), period=NOVEMBER, now=NOW, group_by="customer")
    for index in range(5):
        customer = CustomerFactory(reseller=month["T1"].reseller, name=f"追加顧客{index}")
        with time_machine.travel(at(20, 10), tick=False):
            TicketFactory(
                customer=customer,
                subscription=SubscriptionFactory(customer=customer),
                requester=ContactFactory(customer=customer),
                severity="critical",
                channel=Channel.PHONE,
            )
    with django_assert_max_num_queries(20):
        report = sla_report(
            tickets=Ticket.objects.all(), period=NOVEMBER, now=NOW, group_by="customer"
        )
    assert len(report.rows) == 7
