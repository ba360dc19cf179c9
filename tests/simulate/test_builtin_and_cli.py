"""Built-in scenarios validate and run; the CLI commands work end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stockpile.service.cli.main import app
from stockpile.simulate import (
    ReferenceFrames,
    builtin_scenarios,
    compile_scenario,
    resolve_scenario,
    simulate,
)

EXPECTED = {
    "us-planning-conflict",
    "china-export-ban-us-2024",
    "china-rare-earths-2025",
    "china-tungsten-bismuth-indium-2025",
    "drc-cobalt-2025",
    "blockade-east-asia",
    "supplier-answers-2025",
}
runner = CliRunner()


def test_builtin_set() -> None:
    assert set(builtin_scenarios()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_compiles_and_runs(name: str, frames: ReferenceFrames) -> None:
    scenario, _ = resolve_scenario(name)
    assert scenario.name == name
    model = compile_scenario(scenario, frames=frames)
    res = simulate(model, runs=200, seed=0)
    for b, summary in zip(model.baselines, res.summary(), strict=True):
        assert b.notes  # provenance recorded
        if b.us_balance_available:
            assert summary.probability_shortfall == summary.probability_shortfall  # not NaN
    assert (res.output.peak_price_ratio >= 1.0).all() or name == "none"
    # every event names where it comes from
    assert all(ev.source for ev in scenario.events)


def test_planning_scenario_is_conflict_plus_three_years() -> None:
    scenario, _ = resolve_scenario("us-planning-conflict")
    conflict = next(e for e in scenario.events if e.kind == "conflict")
    assert conflict.duration_months.support() == (12.0, 12.0)  # type: ignore[union-attr]
    assert conflict.replenishment_months.support() == (36.0, 36.0)  # type: ignore[union-attr]
    assert scenario.horizon_months == 48


def test_cli_scenario_list_show_validate(tmp_path: Path) -> None:
    res = runner.invoke(app, ["scenario", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert {r["name"] for r in json.loads(res.output)} == EXPECTED
    res = runner.invoke(app, ["scenario", "show", "drc-cobalt-2025"])
    assert res.exit_code == 0 and "CD-2025-CO-QUOTA" in res.output
    res = runner.invoke(app, ["scenario", "validate", "blockade-east-asia"])
    assert res.exit_code == 0 and "valid" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_months: -1\nmaterials: [antimony]\n", encoding="utf-8")
    res = runner.invoke(app, ["scenario", "validate", str(bad)])
    assert res.exit_code == 2
    assert "horizon_months" in res.output and str(bad) in res.output


def test_cli_simulate_json_is_reproducible(tmp_path: Path) -> None:
    args = ["simulate", "china-export-ban-us-2024", "--runs", "3000", "--seed", "1", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, args)
    assert first.output == second.output
    data = json.loads(first.output)
    assert [m["material"] for m in data["materials"]] == ["gallium", "germanium", "antimony"]
    for m in data["materials"]:
        assert set(m["shortfall"]) == {"mean", "p50", "p90", "p99"}
        assert set(m["days_of_cover"]) == {"mean", "p50", "p90", "p99"}
        assert "ILLUSTRATIVE" in data["holdings_note"]


def test_cli_simulate_with_stockpile_file_and_out(tmp_path: Path) -> None:
    held = tmp_path / "held.csv"
    held.write_text("material,quantity,unit\nantimony,1000,short_ton\n", encoding="utf-8")
    out = tmp_path / "res.parquet"
    res = runner.invoke(
        app,
        [
            "simulate",
            "china-export-ban-us-2024",
            "--runs",
            "50",
            "--seed",
            "3",
            "--stockpile",
            str(held),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "holdings from" in res.output
    table = pd.read_parquet(out)
    assert len(table) == 50 * 3
    paths = pd.read_parquet(tmp_path / "res-paths.parquet")
    assert len(paths) == 50 * 3 * 36
    sb = paths[(paths.material == "antimony") & (paths.month == 0)]
    # 1,000 short tons = 907.18474 t; the stock can only fall from there
    assert (sb["stock"] <= 907.18474 + 1e-6).all()
    # gallium and germanium are not in the file: no holdings, zero days of cover
    ga = table[table.material == "gallium"]
    assert (ga["days_of_cover"] == 0).all()


def test_cli_simulate_refuses_unknown_scenario() -> None:
    res = runner.invoke(app, ["simulate", "no-such-thing", "--runs", "5"])
    assert res.exit_code == 2
    assert "built-in" in res.output
