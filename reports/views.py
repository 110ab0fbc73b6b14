"""The reports page for supervisors and managers, and its CSV and XLSX exports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import permissions
from reports import exports, svg
from reports.forms import ReportForm
from reports.selectors import columns, sla_report
from tickets.selectors import tickets_visible_to
from workspace.views import workspace_required

_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@workspace_required
def report_page(request: HttpRequest) -> HttpResponse:
    if not permissions.may_read_reports(request.user):
        raise PermissionDenied
    form = ReportForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "reports/report.html", {"form": form}, status=400)
    if not request.GET:
        form = ReportForm({"period": "month", "month": ReportForm().fields["month"].initial})
        form.is_valid()
    now = timezone.now()
    report = sla_report(
        tickets=tickets_visible_to(request.user),
        period=form.range,
        now=now,
        group_by=form.cleaned_data.get("group_by") or None,
    )
    export = request.GET.get("format", "")
    if export in _CONTENT_TYPES:
        content = exports.report_csv(report) if export == "csv" else exports.report_xlsx(report)
        response = HttpResponse(content, content_type=_CONTENT_TYPES[export])
        filename = f"sla-report-{report.period.label.replace('..', '_')}.{export}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    header, rows = exports.report_table(report)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "report": report,
            "header": header,
            "rows": rows,
            "columns": columns(),
            "trend": svg.trend_chart(report.trend),
            "severity": svg.severity_chart(report.breaches_by_severity),
            "query": query.urlencode(),
        },
    )
