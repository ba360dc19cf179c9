"""A price that cannot move for want of data is flagged; the summary reads in one number format."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from stockpile.service.cli.main import app
from stockpile.simulate import ReferenceFrames, compile_scenario, resolve_scenario, simulate
from stockpile.usecases import SimulationReport

runner = CliRunner()


def test_germanium_price_held_at_reference_is_flagged(frames: ReferenceFrames) -> None:
    scenario, _ = resolve_scenario("china-export-ban-us-2024")
    res = simulate(compile_scenario(scenario, frames=frames), runs=100, seed=0)
    by_key = {s.key: s for s in res.summary()}
    ge = by_key["germanium"]
    assert ge.peak_price_ratio.p99 == 1.0  # the flat path the warning is about
    assert ge.warnings and "no world production by country" in ge.warnings[0]
    assert by_key["gallium"].warnings == () and by_key["antimony"].warnings == ()
    assert by_key["gallium"].peak_price_ratio.p50 > 1.0
    assert res.as_dict()["warnings"] == {"germanium": list(ge.warnings)}
    text = SimulationReport.from_result(res).to_text()
    assert "germanium [kg]\n  WARNING: price held at the reference" in text
    assert "antimony [t]" in text and "metric_ton" not in text
    assert not re.search(r"\d[eE][+-]\d", text), "scientific notation in the summary"


def test_cli_json_carries_the_warning() -> None:
    out = runner.invoke(app, ["simulate", "china-export-ban-us-2024", "--runs", "50", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    ge = next(m for m in data["materials"] if m["material"] == "germanium")
    assert ge["warnings"] and "price path is not a result" in ge["warnings"][0]
