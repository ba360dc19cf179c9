"""Supplier levers in the engine: reserve, new supply abroad, price responses, urban mining."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from stockpile.simulate import ReferenceFrames, ScenarioError, parse_scenario, simulate
from stockpile.simulate.compile import compile_scenario

# China (34% of world antimony mine output in the reference data) withholds all its exports
# from month 0 for 24 months: the world price rises; the U.S. imports everything from China.
_WORLD_BAN = {
    "kind": "export_control",
    "id": "ban",
    "country": "CHN",
    "materials": ["antimony"],
    "withheld_share": 1.0,
    "start_month": 0,
    "duration_months": 24,
}


def _with(base: dict[str, Any], *levers: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["horizon_months"] = 24
    data["events"] = [copy.deepcopy(_WORLD_BAN)]
    data["levers"] = [copy.deepcopy(lv) for lv in levers]
    return data


def _out(data: dict[str, Any], frames: ReferenceFrames, runs: int = 3) -> Any:
    return simulate(parse_scenario(data), runs=runs, seed=2, frames=frames, keep_paths=True).output


def _reserve(stock: float, trigger: float = 1.2) -> dict[str, Any]:
    return {
        "kind": "supplier_reserve",
        "material": "antimony",
        "country": "CHN",
        "stock": stock,
        "trigger_ratio": trigger,
        "assumption": True,
    }


def test_a_reserve_that_never_triggers_changes_nothing(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    plain = _out(_with(base), frames)
    idle = _out(_with(base, _reserve(1e6, trigger=1e6)), frames)
    assert np.array_equal(plain.paths.price_ratio, idle.paths.price_ratio)
    assert np.array_equal(plain.shortfall_by_class, idle.shortfall_by_class)


def test_an_ample_reserve_caps_the_price_at_its_trigger_and_a_small_one_runs_out(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    plain = _out(_with(base), frames)
    assert plain.peak_price_ratio.max() > 2.0
    ample = _out(_with(base, _reserve(1e7)), frames)
    assert ample.paths.price_ratio.max() == pytest.approx(1.2, rel=1e-9)
    # 2,000 t is about a fifth of a month of world output: it holds the price for a while only
    small = _out(_with(base, _reserve(2000.0)), frames)
    path = small.paths.price_ratio[0, 0]
    assert path[0] == pytest.approx(1.2, rel=1e-9) or path[0] < plain.paths.price_ratio[0, 0, 0]
    assert path[-1] == pytest.approx(plain.paths.price_ratio[0, 0, -1], rel=1e-12)


def test_price_substitution_starts_after_the_lag(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    lever = {
        "kind": "price_substitution",
        "material": "antimony",
        "threshold_ratio": 1.5,
        "lag_months": 3,
        "ramp_months": 1,
        "max_share": 0.5,
        "assumption": True,
    }
    plain = _out(_with(base), frames)
    sub = _out(_with(base, lever), frames)
    a = plain.paths.shortfall[0, 0].sum(axis=1)
    b = sub.paths.shortfall[0, 0].sum(axis=1)
    # the price is above 1.5 from month 0; months 0-3 count the lag; from month 4 on (after
    # 3 full months above, seen with a month's delay) half the civilian demand switches
    assert np.array_equal(a[:4], b[:4])
    assert np.all(b[5:] < a[5:])


def test_low_grade_ore_lowers_the_world_price(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    lever = {
        "kind": "low_grade_ore",
        "material": "antimony",
        "threshold_ratio": 1.5,
        "lag_months": 0,
        "ramp_months": 1,
        "max_share": 0.1,
        "source": "hand-made test case",
    }
    plain = _out(_with(base), frames)
    ore = _out(_with(base, lever), frames)
    assert ore.paths.price_ratio[0, 0, 5] < plain.paths.price_ratio[0, 0, 5]


def _abroad(owner: str, follows: bool, offtake: float = 0.5) -> dict[str, Any]:
    return {
        "kind": "new_supply_abroad",
        "material": "antimony",
        "country": "AUS",
        "owner": owner,
        "capacity_per_year": 1200.0,
        "lead_months": 6,
        "ramp_months": 1,
        "us_offtake_share": offtake,
        "follows_owner_controls": follows,
        "assumption": True,
    }


def test_new_supply_abroad_replaces_lost_imports_unless_the_owner_blocks_it(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    plain = _out(_with(base), frames)
    world_only = _out(_with(base, _abroad("AUS", follows=True, offtake=0.0)), frames)
    free = _out(_with(base, _abroad("AUS", follows=True)), frames)
    owned = _out(_with(base, _abroad("CHN", follows=True)), frames)
    a = world_only.paths.shortfall[0, 0].sum(axis=1)
    b = free.paths.shortfall[0, 0].sum(axis=1)
    c = owned.paths.shortfall[0, 0].sum(axis=1)
    # 1,200 t/yr x 50% = 50 t/month to U.S. buyers from month 6 (the test baseline: 100 t/month
    # consumption, all imported from China); a Chinese owner following China's ban sends none
    assert np.array_equal(a[:6], b[:6])
    assert a[8] - b[8] == pytest.approx(50.0, rel=1e-9)
    assert np.array_equal(a, c)
    # on the world market the new capacity lowers the price from month 6
    assert world_only.paths.price_ratio[0, 0, 8] < plain.paths.price_ratio[0, 0, 8]


def test_urban_mining_towards_a_target_adds_secondary_supply(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    lever = {
        "kind": "urban_mining",
        "material": "antimony",
        "lifetime": {"kind": "fixed", "mean": 10},
        "collection_rate": 0.1,
        "processing_yield": 1.0,
        "target_rir": 0.25,
        "ramp_years": 2,
        "assumption": True,
    }
    plain = _out(_with(base), frames)
    more = _out(_with(base, lever), frames)
    # constant inflow 1,200 t/yr with a 10-year life: 1,200 t/yr reach end of life; today 10%
    # is collected (120 t/yr = 10% of demand); the target rises to 25% over two years: 17.5%
    # in the first simulated year (+90 t/yr, 7.5 t/month), 25% from the second (+180 t/yr,
    # 15 t/month)
    a = plain.paths.shortfall[0, 0].sum(axis=1)
    b = more.paths.shortfall[0, 0].sum(axis=1)
    assert a[3] - b[3] == pytest.approx(7.5, rel=1e-9)
    assert a[15] - b[15] == pytest.approx(15.0, rel=1e-9)
    model = compile_scenario(parse_scenario(_with(base, lever)), frames=frames)
    assert "EoL-RIR 10.0% today -> 25.0%" in model.levers.notes[0]


def test_levers_need_a_source_or_an_assumption_label(base: dict[str, Any]) -> None:
    lever = _reserve(10.0)
    lever.pop("assumption")
    with pytest.raises(ScenarioError, match="levers"):
        parse_scenario(_with(base, lever))


def test_a_lever_on_a_material_outside_the_scenario_names_the_field(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    lever = dict(_reserve(10.0), material="cobalt")
    with pytest.raises(ScenarioError, match=r"levers\[0\]\.material"):
        compile_scenario(parse_scenario(_with(base, lever)), frames=frames)
