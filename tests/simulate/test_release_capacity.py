"""Absolute monthly release capacity: hand-solved cases and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    compile_scenario,
    parse_scenario,
    simulate,
)


def _gap_30_for_6_months(base: dict[str, Any]) -> dict[str, Any]:
    # consumption 100 t/month (defence 20, essential 30, other 50), all imported from China;
    # 30 % withheld for 6 months leaves 70 t: a 30 t/month gap of the 'other' class
    base["events"] = [
        {
            "kind": "export_control",
            "id": "cut",
            "country": "CHN",
            "targets": ["USA"],
            "materials": ["antimony"],
            "withheld_share": 0.3,
            "start_month": 0,
            "duration_months": 6,
        }
    ]
    base["stockpile"]["holdings"] = {
        "illustrative": True,
        "items": [{"material": "antimony", "quantity": 100.0, "unit": "metric_ton"}],
    }
    return base


def test_hand_case_capacity_bounds_releases(base: dict[str, Any], frames: ReferenceFrames) -> None:
    # 100 t held, 10 t/month capacity, 30 t/month gap for 6 months: 60 t released, 120 t short
    data = _gap_30_for_6_months(base)
    data["stockpile"]["release_capacity"] = [
        {"material": "antimony", "capacity": 10.0, "unit": "metric_ton", "illustrative": True}
    ]
    res = simulate(parse_scenario(data), runs=3, seed=0, frames=frames)
    assert res.output.release[:, 0] == pytest.approx([60.0] * 3, rel=1e-12)
    assert res.shortfall[:, 0] == pytest.approx([120.0] * 3, rel=1e-12)
    assert res.output.final_stock[:, 0] == pytest.approx([40.0] * 3, rel=1e-12)
    servable = res.servable_by_class
    assert servable is not None  # the same month loop measures what a stock could serve
    assert servable[0, 0] == pytest.approx([0.0, 0.0, 60.0], abs=1e-9)


def test_without_capacity_the_stock_runs_out(base: dict[str, Any], frames: ReferenceFrames) -> None:
    res = simulate(parse_scenario(_gap_30_for_6_months(base)), runs=2, seed=0, frames=frames)
    assert res.output.release[0, 0] == pytest.approx(100.0)
    assert res.shortfall[0, 0] == pytest.approx(80.0)
    assert res.servable_by_class is None  # nothing bounds the gaps: none measured


def test_capacity_is_the_smaller_of_share_and_absolute(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _gap_30_for_6_months(base)
    data["stockpile"]["release_capacity_share"] = 0.05  # 5 t/month of 100 t
    model = compile_scenario(
        parse_scenario(data), frames=frames, release_capacity={"antimony": (20_000, "pound")}
    )
    res = simulate(model, runs=2, seed=0)
    assert res.output.release[0, 0] == pytest.approx(30.0)  # min(5, 9.07) x 6
    data["stockpile"]["release_capacity_share"] = 1.0
    res = simulate(
        compile_scenario(
            parse_scenario(data), frames=frames, release_capacity={"antimony": (20_000, "pound")}
        ),
        runs=2,
        seed=0,
    )
    assert res.output.release[0, 0] == pytest.approx(6 * 20_000 * 0.45359237e-3, rel=1e-12)


def test_bad_capacity_names_the_field(base: dict[str, Any], frames: ReferenceFrames) -> None:
    data = _gap_30_for_6_months(base)
    data["stockpile"]["release_capacity"] = [
        {"material": "antimony", "capacity": 10.0, "unit": "furlong", "illustrative": True}
    ]
    with pytest.raises(ScenarioError, match=r"stockpile\.release_capacity\[0\]\.unit"):
        compile_scenario(parse_scenario(data), frames=frames)
    data["stockpile"]["release_capacity"] = [
        {"material": "antimony", "capacity": 10.0, "unit": "t"}
    ]
    with pytest.raises(ValueError, match="source"):
        parse_scenario(data)
