"""The clock has one home (issue 11): no module outside `tickets.clocks` filters on a clock's
fields, and the layers point one way (`sla`'s pure rules never import the ticket side)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The stored instants of the clocks. A lookup on one of them ("first_response_due__lte") in a
# filter, an exclude or a Q is the clock's rule restated.
CLOCK_FIELDS = (
    "first_response_started_at",
    "first_response_due",
    "first_responded_at",
    "at_risk_at",
    "at_risk_notified_at",
    "breached_at",
    "next_escalation_at",
)
LOOKUP = re.compile(r"\b(?:" + "|".join(CLOCK_FIELDS) + r")__\w+")
HOME = {ROOT / "tickets" / "clocks.py"}
APPS: tuple[str, ...] = ("accounts", "contracts", "helpdesk", "mail", "microsoft")
APPS += ("notifications", "sla", "tickets", "webhooks", "workspace", "bench")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def test_no_module_outside_the_clock_filters_on_its_fields():
    offenders = []
    for path in _sources():
        if path in HOME:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if LOOKUP.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_scan_would_see_a_restated_clock(tmp_path):
    # The test above is not vacuous: the pattern catches the shapes a restatement takes.
    for line in (
        "Ticket.objects.filter(first_response_due__lte=now)",
        "Q(breached_at__isnull=False)",
        '.exclude(first_responded_at__gt=F("first_response_due"))',
    ):
        assert LOOKUP.search(line), line


# `sla` below, the ticket side above: these pure modules import nothing of tickets, the
# workspace, notifications, webhooks or mail. (`sla.admin`, `sla.api` and `sla.management`
# are on top, beside the other screens and commands.)
LOW = ("deadlines", "calendars", "models", "selectors", "services", "holiday_import")
HIGH = ("tickets", "workspace", "notifications", "webhooks", "mail", "microsoft")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_pure_sla_layer_never_imports_the_ticket_side():
    upward = {
        f"sla/{name}.py imports {module}"
        for name in LOW
        for module in _imports(ROOT / "sla" / f"{name}.py")
        if module.split(".")[0] in HIGH
    }
    assert upward == set()


def test_the_clock_module_imports_no_model_at_run_time():
    # `tickets.models` builds its sweep indexes from `tickets.clocks`, so the clock may not
    # import a model back (a type-checking import is no import at run time).
    tree = ast.parse((ROOT / "tickets" / "clocks.py").read_text())
    modules = {
        node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in modules if m.split(".")[0] in APPS and m.endswith(".models")}
