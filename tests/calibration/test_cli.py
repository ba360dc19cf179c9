"""``stockpile market``: hindcast, history, episodes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stockpile.service.cli import app

runner = CliRunner()


def test_hindcast_prints_every_target_with_status() -> None:
    res = runner.invoke(app, ["market", "hindcast"])
    assert res.exit_code == 0, res.output
    for target in ("E01-REO-2011", "E06-SB-2025", "E03-NI-2019"):
        assert target in res.output
    assert "not simulated" in res.output


def test_hindcast_json_has_both_intervals_and_sources() -> None:
    res = runner.invoke(app, ["market", "hindcast", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    rows = {r["target_id"]: r for r in doc["rows"]}
    sb = rows["E06-SB-2025"]
    assert sb["reliability"] == "A" and sb["source"].startswith("USGS MCS 2026")
    assert sb["in_sample"]["p10"] <= sb["in_sample"]["median"] <= sb["in_sample"]["p90"]
    assert sb["leave_one_out"] is not None
    assert rows["E03-NI-2019"]["in_sample"] is None
    assert {p["parameter"] for p in doc["parameters"]} >= {"eta_minor_metals", "max_price_ratio"}


def test_history_labels_series_and_refuses_unknown_material() -> None:
    res = runner.invoke(app, ["market", "history", "antimony", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {r["kind"] for r in rows} >= {"U.S. unit value", "market price"}
    bad = runner.invoke(app, ["market", "history", "unobtainium"])
    assert bad.exit_code == 2 and "unknown material" in bad.output


def test_episodes_lists_measures_and_observations() -> None:
    res = runner.invoke(app, ["market", "episodes", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert len(doc["episodes"]) == 8 and len(doc["observations"]) == 48
