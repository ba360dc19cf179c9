"""Variants compared on common random numbers."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from stockpile.simulate import ReferenceFrames, ScenarioError, parse_scenario, simulate
from stockpile.simulate.compare import apply_variant, compare_scenarios, difference

_BAN = {
    "kind": "export_control",
    "id": "ban",
    "country": "CHN",
    "materials": ["antimony"],
    "withheld_share": {"dist": "uniform", "low": 0.2, "high": 1.0},
    "start_month": {"dist": "uniform", "low": 0, "high": 6},
    "duration_months": {"dist": "uniform", "low": 3, "high": 18},
    "probability": 0.8,
}


def _scenario(base: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["horizon_months"] = 24
    data["events"] = [copy.deepcopy(_BAN)]
    data["stockpile"]["holdings"] = {
        "illustrative": True,
        "items": [{"material": "antimony", "quantity": 200.0, "unit": "metric_ton"}],
    }
    data["variants"] = [
        {"name": "same"},
        {
            "name": "reserve",
            "levers": [
                {
                    "kind": "supplier_reserve",
                    "material": "antimony",
                    "country": "CHN",
                    "stock": 1e6,
                    "trigger_ratio": 1.3,
                    "assumption": True,
                }
            ],
        },
        {"name": "no-ban", "drop_events": ["ban"]},
    ]
    return data


def test_an_identical_variant_differs_by_exactly_zero_and_levers_show_their_effect(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    scenario = parse_scenario(_scenario(base))
    variants = [apply_variant(scenario, v) for v in scenario.variants]
    result = compare_scenarios(scenario, variants, runs=400, seed=4, frames=frames)
    base_row, same, reserve, no_ban = (v.materials[0] for v in result.variants)
    assert base_row.diff_shortfall is None
    for diff in (same.diff_shortfall, same.diff_peak_price_ratio, same.diff_days_of_cover):
        assert diff is not None
        assert (diff.mean, diff.low, diff.high) == (0.0, 0.0, 0.0)
    # the reserve caps the world price: the peak falls and the interval excludes zero
    peak = reserve.diff_peak_price_ratio
    assert peak is not None and peak.high is not None and peak.high < 0
    assert reserve.peak_price_ratio is not None and reserve.peak_price_ratio <= 1.3 + 1e-9
    assert result.variants[2].lever_notes and "ASSUMPTION" in result.variants[2].lever_notes[0]
    # dropping the ban removes all of the shortfall the ban caused
    short = no_ban.diff_shortfall
    assert short is not None and short.mean == pytest.approx(-(base_row.shortfall or 0.0))


def test_difference_is_run_by_run() -> None:
    b = np.array([1.0, 2.0, 3.0, 4.0])
    d = difference(b + np.array([1.0, 1.0, 1.0, 1.0]), b)
    assert (d.mean, d.low, d.high) == (1.0, 1.0, 1.0)


def test_common_numbers_beat_independent_draws(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    scenario = parse_scenario(_scenario(base))
    reserve = apply_variant(scenario, scenario.variants[1])
    a = simulate(scenario, runs=400, seed=4, frames=frames).output.peak_price_ratio[:, 0]
    b = simulate(reserve, runs=400, seed=4, frames=frames).output.peak_price_ratio[:, 0]
    c = simulate(reserve, runs=400, seed=5, frames=frames).output.peak_price_ratio[:, 0]
    crn, independent = difference(b, a), difference(c, a)
    assert crn.high is not None and crn.low is not None
    assert independent.high is not None and independent.low is not None
    assert crn.high - crn.low < independent.high - independent.low


def test_dropping_an_unknown_event_names_the_field(base: dict[str, Any]) -> None:
    data = _scenario(base)
    data["variants"] = [{"name": "x", "drop_events": ["nope"]}]
    scenario = parse_scenario(data)
    with pytest.raises(ScenarioError, match="drop_events"):
        apply_variant(scenario, scenario.variants[0])


def test_a_variant_is_named_base_hash_variant() -> None:
    from stockpile.simulate import resolve_scenario

    scenario, source = resolve_scenario("supplier-answers-2025#recycling-25")
    assert scenario.name == "supplier-answers-2025--recycling-25"
    assert source.endswith("#recycling-25")
    assert [lv.kind for lv in scenario.levers] == ["urban_mining"]
    with pytest.raises(ScenarioError, match="no variant 'nope'"):
        resolve_scenario("supplier-answers-2025#nope")


def test_a_supplier_reserve_never_raises_the_price_with_market_dynamics() -> None:
    from stockpile.simulate import resolve_scenario, simulate

    base, _ = resolve_scenario("supplier-answers-2025")
    assert base.market.dynamics is not None
    reserve, _ = resolve_scenario("supplier-answers-2025#reserve-release")
    a = simulate(base, runs=300, seed=3, keep_paths=True).output
    b = simulate(reserve, runs=300, seed=3, keep_paths=True).output
    assert a.paths is not None and b.paths is not None
    assert np.all(b.paths.price_ratio <= a.paths.price_ratio * (1 + 1e-9))
    assert np.any(b.paths.price_ratio < a.paths.price_ratio * (1 - 1e-6))
