"""CI (`.ci/run`) runs the README's test command, and its low-priority SQLite pass cannot fail
on the time an example waits for a core."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.backend_neutral


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("Run the tests", 1)[1].split("```", 2)[1]
    (command,) = [line for line in block.splitlines() if "pytest" in line]
    return command.strip().removeprefix(".venv/bin/")


def test_ci_runs_the_readme_s_test_command_on_postgresql():
    run = (ROOT / ".ci" / "run").read_text()
    command = _readme_test_command()
    assert re.search(rf"DATABASE_URL=postgres://\S+ {re.escape(command)}( |$)", run, re.M), command


def test_the_low_priority_pass_keeps_no_per_example_deadline():
    run = (ROOT / ".ci" / "run").read_text()
    assert "HYPOTHESIS_PROFILE=low-priority nice -n 19" in run
    assert hypothesis_settings.get_profile("low-priority").deadline is None
    assert hypothesis_settings.get_profile("default").deadline is not None
