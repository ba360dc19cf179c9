"""The brief quotes the use cases it runs: its numbers equal theirs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stockpile.service.cli import app as cli
from stockpile.usecases import (
    BriefRequest,
    CompareRequest,
    SizeRequest,
    brief,
    compare_variants,
    size_plan,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return brief(BriefRequest(runs=200, scenarios=("china-export-ban-us-2024",), exposed=5))


def test_the_brief_quotes_the_plan_and_the_comparison(report) -> None:  # type: ignore[no-untyped-def]
    plan = size_plan(
        SizeRequest(
            budget=1e9,
            scenarios=("china-export-ban-us-2024",),
            programme="dla-2025",
            runs=200,
            seed=0,
            check_batches=0,
        )
    )
    assert report.programme_runs[0].report == plan
    answers = compare_variants(CompareRequest(base="supplier-answers-2025", runs=200, seed=0))
    assert report.answers == answers
    for effect in report.lever_effects:
        variant = next(v for v in answers.variants if v.name.endswith("--" + effect.answer))
        row = next(m for m in variant.materials if m.material == effect.material)
        assert row.diff_shortfall is not None
        assert effect.shortfall_change_t == row.diff_shortfall.mean
    recycling = [e for e in report.lever_effects if e.answer == "recycling-25"]
    assert recycling and recycling[0].shortfall_change_high is not None
    assert recycling[0].shortfall_change_high < 0
    # the move downstream acts on rare earths only; the programme has no rare-earth line
    moved = [e for e in report.lever_effects if e.answer == "move-downstream"]
    assert [e.material for e in moved] == ["rare earths"]
    assert moved[0].shortfall_change_low is not None and moved[0].shortfall_change_low > 0
    assert moved[0].purchase_t is None
    assert "no rare earths line to re-optimise" in report.to_text()
    assert len(report.exposed) == 5
    assert any("ASSUMPTION" in a for a in report.assumptions)
    text = report.to_text()
    for section in ("1. The stockpile today", "2. What the programme buys", "3. The supplier"):
        assert section in text


def test_brief_command_prints_json_and_writes_a_pdf(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "brief.pdf"
    args = ["brief", "--runs", "100", "--scenario", "china-export-ban-us-2024", "--json"]
    result = CliRunner().invoke(cli, [*args, "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kind"] == "brief" and doc["programme"] == "dla-2025"
    assert pdf.read_bytes().startswith(b"%PDF")
