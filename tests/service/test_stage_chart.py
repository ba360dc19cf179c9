"""The stage chain chart of the material page."""

from __future__ import annotations

import json

import pytest

from stockpile.service.web.charts import stage_chain_figure
from stockpile.usecases import material_supply


def test_stage_chain_figure_stacks_shares_and_leaves_unknown_stages_empty() -> None:
    bars = material_supply("rare earths").stage_bars()
    fig = json.loads(stage_chain_figure(bars) or "{}")
    assert fig["layout"]["barmode"] == "stack"
    china = next(t for t in fig["data"] if t["name"] == "China")
    assert china["y"][1] == pytest.approx(91.28, abs=0.01)
    assert china["y"][2] is None and china["y"][3] is None  # metal, magnet: unknown
    for i in (0, 1):
        assert sum(t["y"][i] for t in fig["data"]) == pytest.approx(100.0)
    assert stage_chain_figure(None) is None
