"""``plan schedule`` starts in the current U.S. fiscal year or later, never in one already over."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from typer.testing import CliRunner

from stockpile.service.cli import app
from stockpile.service.cli.plan import _check_start_fy


def test_fy2026_is_past_on_6_december_2026() -> None:
    today = dt.date(2026, 12, 6)  # FY2027 runs 1 Oct 2026 - 30 Sep 2027
    with pytest.raises(typer.Exit):
        _check_start_fy(2026, today)
    _check_start_fy(2027, today)
    _check_start_fy(2030, today)
    _check_start_fy(2026, dt.date(2026, 9, 30))  # last day of FY2026


def test_cli_refuses_a_past_fiscal_year_before_reading_the_plan() -> None:
    out = CliRunner().invoke(
        app, ["plan", "schedule", "missing.json", "--start-fy", "2000", "--funds", "1e6"]
    )
    assert out.exit_code == 2
    assert "--start-fy: FY2000 ended on 2000-09-30; the current fiscal year is FY" in out.output
