"""The report as files: CSV (UTF-8 with a BOM, so Excel in Japan opens it as UTF-8) and XLSX
(openpyxl). Both are the page's table: `reports.selectors.columns()` in the same order."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from reports.selectors import GROUP_LABELS, Report, columns


def report_table(report: Report) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: the groups, then the whole."""
    cols = columns()
    group_label = str(GROUP_LABELS[report.group_by]) if report.group_by else str(_("集計"))
    header = [str(_("期間")), group_label, *[str(label) for _key, label, _value in cols]]
    rows = [
        [
            report.period.label,
            _text_cell(figures.label),
            *[value(figures) for _k, _l, value in cols],
        ]
        for figures in [*report.rows, report.total]
    ]
    return header, rows


def _text_cell(value: str) -> str:
    """A name that starts like a formula stays text in Excel (no formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def report_csv(report: Report) -> bytes:
    header, rows = report_table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = report_table(report)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "SLA"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
