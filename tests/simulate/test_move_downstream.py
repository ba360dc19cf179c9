"""The move-downstream lever: a hand-solved two-country, three-stage case, common random
numbers, the reference implementation, and bad input."""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    compile_scenario,
    draw_range,
    parse_scenario,
    run_engine,
    simulate,
)
from stockpile.simulate._lever_downstream import supplier_share
from stockpile.simulate.compare import apply_variant, compare_scenarios
from stockpile.simulate.scenario import Variant
from stockpile.simulate.stages import compile_stages

# Two countries, three stages of rare earths (separated oxide -> metal -> magnet); U.S. imports
# arrive as magnets, half from CHN and half from JPN, 100 t/month, all defence demand.
#   refined: CHN 0.9, JPN 0.1;  metal: CHN 0.8, JPN 0.2;  magnet: CHN 0.7, JPN 0.3
# Default feed (own supply first, the rest from the traded surplus, all Chinese):
#   metal  JPN = {JPN: 0.1/0.2 = 1/2, CHN: 1/2};  magnet JPN = {JPN: 0.2/0.3 = 2/3, CHN: 1/3}
# CHN stops oxide exports (cut h = 1), keeps exporting metal and magnets:
#   metal lost:  JPN 1/2 (its Chinese oxide), CHN 0 (its own)
#   magnet lost: JPN 2/3 x 1/2 + 1/3 x 0 = 1/3 (Chinese metal still comes), CHN 0
#   world magnet supply lost W = 0.3 x 1/3 = 0.1; U.S. imports lost U = 0.5 x 1/3 = 1/6
#   JPN magnet output 0.3 -> 0.2 of the world's; CHN's share 0.7 / 0.9 = 7/9
#   pipeline: metal 1 + magnet 2 = 3 months, so U.S. short 100/6 t/month in months 3..8
NETWORK = {
    "rare earths": {
        "arrival": "magnet",
        "lead_months": {"metal": 1, "magnet": 2},
        "shares": {
            "refined": {"shares": {"CHN": 0.9, "JPN": 0.1}, "source": "hand-made test case"},
            "metal": {"shares": {"CHN": 0.8, "JPN": 0.2}, "source": "hand-made test case"},
            "magnet": {"shares": {"CHN": 0.7, "JPN": 0.3}, "source": "hand-made test case"},
        },
    }
}
LEVER: dict[str, Any] = {
    "kind": "move_downstream",
    "material": "rare earths",
    "country": "CHN",
    "stage": "refined",
    "downstream_stage": "magnet",
    "cut_share": 1.0,
    "start_month": 0,
    "duration_months": 6,
    "source": "hand-made test case",
}


@pytest.fixture
def case(base: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["materials"] = ["rare earths"]
    data["baseline"]["overrides"] = {
        "rare earths": {
            "us_consumption": 1200.0,
            "us_net_imports": 1200.0,
            "us_import_shares": {"CHN": 0.5, "JPN": 0.5},
            "world_shares": {"CHN": 0.9, "JPN": 0.1},
            "source": "hand-made test case",
        }
    }
    data["assumptions"]["demand_split"] = {"defence": 1.0, "essential": 0.0}
    data["stages"] = copy.deepcopy(NETWORK)
    return data


def _with(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["levers"] = [dict(LEVER, **changes)]
    return out


def _shortfall(data: dict[str, Any], frames: ReferenceFrames) -> np.ndarray:
    res = simulate(parse_scenario(data), runs=2, seed=0, frames=frames, keep_paths=True)
    assert res.output.paths is not None
    out: np.ndarray = res.output.paths.shortfall[0, 0].sum(axis=1)
    return out


def test_hand_solved_weights_and_downstream_share(
    case: dict[str, Any], frames: ReferenceFrames
) -> None:
    model = compile_scenario(parse_scenario(_with(case)), frames=frames)
    col = model.countries.index("CHN@refined")
    assert model.world_shares[0, col] == pytest.approx(0.1)
    assert model.import_shares[0, col] == pytest.approx(1.0 / 6.0)
    scenario = parse_scenario(_with(case))
    staged = compile_stages(
        scenario,
        model.keys,
        model.baselines,
        lambda n: "rare earths" if n == "rare earths" else None,
        lambda c: c if c in ("CHN", "JPN") else None,
    )
    weights = staged.downstream[0]
    # outside the supplier, magnet output falls by 0.3 x 1/3 = 0.1 of the world's: 0.3 -> 0.2
    assert weights.outside_lost == pytest.approx(0.1)
    assert 0.3 - weights.outside_lost == pytest.approx(0.2)
    assert supplier_share(weights, 1.0) == pytest.approx(7.0 / 9.0)
    # with 5% of world supply added by the supplier: (0.7 + 0.05) / (0.9 + 0.05)
    assert supplier_share(weights, 1.0, 0.05) == pytest.approx(0.75 / 0.95)
    assert "77.8% at the mean cut" in model.levers.notes[0]


def test_hand_solved_us_shortfall_and_price(case: dict[str, Any], frames: ReferenceFrames) -> None:
    short = _shortfall(_with(case), frames)
    assert short[:3] == pytest.approx([0.0] * 3, abs=1e-9)  # the 3-month pipeline
    assert short[3:9] == pytest.approx([100.0 / 6.0] * 6)
    assert short[9:] == pytest.approx([0.0] * 3, abs=1e-9)
    res = simulate(parse_scenario(_with(case)), runs=2, seed=0, frames=frames, keep_paths=True)
    assert res.output.paths is not None
    # world supply at the arrival stage loses W = 0.1: r = 0.9^(1 / (ed - es))
    ratio = res.output.paths.price_ratio[0, 0]
    assert ratio[3] == pytest.approx(0.9 ** (1.0 / (-0.2 - 0.1)))
    assert ratio[0] == 1.0


def test_expansion_fills_the_gap_by_hand(case: dict[str, Any], frames: ReferenceFrames) -> None:
    data = _with(
        case,
        expansion={"share": 0.05, "lead_months": 2, "ramp_months": 1, "assumption": True},
    )
    short = _shortfall(data, frames)
    # the cut arrives in month 3; 5% of world supply on line from month 3 + 2 fills half the
    # 10% gap, so U.S. imports lose 1/6 x (1 - 0.05 / 0.1) = 1/12
    assert short[3:5] == pytest.approx([100.0 / 6.0] * 2)
    assert short[5:9] == pytest.approx([100.0 / 12.0] * 4)
    assert short[9:] == pytest.approx([0.0] * 3, abs=1e-9)
    # an expansion larger than the gap fills it, never more
    full = _with(case, expansion={"share": 0.5, "lead_months": 0, "assumption": True})
    assert _shortfall(full, frames) == pytest.approx([0.0] * 12, abs=1e-9)


def test_zero_cut_and_lever_off_change_nothing(
    case: dict[str, Any], frames: ReferenceFrames
) -> None:
    case["events"] = [
        {
            "kind": "export_control",
            "id": "oxide",
            "country": "CHN",
            "materials": ["rare earths"],
            "stage": "refined",
            "withheld_share": {"dist": "uniform", "low": 0.1, "high": 0.5},
            "start_month": {"dist": "uniform", "low": 0, "high": 4},
            "duration_months": 5,
        }
    ]
    case["responses"] = [
        {"kind": "new_supply", "max_share": 0.3, "lead_months": 2, "ramp_months": 3}
    ]
    base = parse_scenario(case)
    zero = apply_variant(
        base, Variant(name="zero", levers=[parse_scenario(_with(case, cut_share=0.0)).levers[0]])
    )
    on = apply_variant(
        base,
        Variant(
            name="on",
            levers=[
                parse_scenario(
                    _with(case, cut_share={"dist": "uniform", "low": 0.2, "high": 1})
                ).levers[0]
            ],
        ),
    )
    never = apply_variant(
        base,
        Variant(name="never", levers=[parse_scenario(_with(case, probability=0.0)).levers[0]]),
    )
    result = compare_scenarios(base, [zero, on, never], runs=200, seed=3, frames=frames)
    for k in (1, 3):  # a zero cut, and a lever that never occurs: exactly the base
        same = result.variants[k].materials[0]
        assert same.diff_shortfall is not None and same.diff_shortfall.mean == 0.0
        assert same.diff_shortfall.low == same.diff_shortfall.high == 0.0
        assert same.diff_peak_price_ratio is not None
        assert same.diff_peak_price_ratio.mean == 0.0
        assert same.diff_days_of_cover is not None and same.diff_days_of_cover.mean == 0.0
    moved = result.variants[2].materials[0]
    assert moved.diff_shortfall is not None and (moved.diff_shortfall.mean or 0.0) > 0.0
    # lever off = base, draw for draw: the base's event draws are untouched by the lever
    model = compile_scenario(base, frames=frames)
    with_lever = compile_scenario(on, frames=frames)
    a = draw_range(model, seed=3, start=0, stop=50)
    b = draw_range(with_lever, seed=3, start=0, stop=50)
    assert np.array_equal(a.events[0].share, b.events[0].share)
    assert np.array_equal(a.events[0].start, b.events[0].start)
    assert np.array_equal(a.responses[0].lead, b.responses[0].lead)


def test_engine_matches_reference(
    case: dict[str, Any], reference: ModuleType, frames: ReferenceFrames
) -> None:
    case["horizon_months"] = 24
    case["stockpile"]["holdings"] = {
        "illustrative": True,
        "items": [{"material": "rare earths", "quantity": 150.0, "unit": "t"}],
    }
    case["assumptions"]["demand_split"] = {"defence": 0.3, "essential": 0.3}
    case["responses"] = [
        {"kind": "new_supply", "max_share": 0.2, "lead_months": 1, "ramp_months": 4}
    ]
    data = _with(
        case,
        cut_share={"dist": "uniform", "low": 0.2, "high": 1.0},
        start_month={"dist": "uniform", "low": 0, "high": 6},
        duration_months={"dist": "uniform", "low": 3, "high": 14},
        probability=0.8,
        stage=["refined", "metal"],
        expansion={
            "share": 0.04,
            "lead_months": 3,
            "ramp_months": 4,
            "assumption": True,
        },
    )
    model = compile_scenario(parse_scenario(data), frames=frames)
    assert model.levers.downstream
    draws = draw_range(model, seed=11, start=1000, stop=1040)
    out = run_engine(model, draws, keep_paths=True)
    assert out.paths is not None
    assert (out.shortfall_by_class > 0).any() and (out.peak_price_ratio > 1).any()
    for s in range(draws.size):
        ref = reference.simulate_one(model, draws, s, 0)
        for c in range(3):
            assert out.shortfall_by_class[s, 0, c] == pytest.approx(
                ref.shortfall_by_class[c], rel=1e-9, abs=1e-9
            )
        assert out.release[s, 0] == pytest.approx(ref.release, rel=1e-9, abs=1e-9)
        for t, rec in enumerate(ref.months):
            assert out.paths.price_ratio[s, 0, t] == pytest.approx(rec.price_ratio, rel=1e-9)
            assert out.paths.stock[s, 0, t] == pytest.approx(rec.stock, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"material": "antimony"}, r"levers\[0\]\.material", "not in the scenario"),
        ({"stage": "magnet"}, r"levers\[0\]\.stage", "must be upstream"),
        ({"stage": "smelting"}, r"levers\[0\]\.stage", "unknown stage"),
        ({"downstream_stage": "ore"}, r"levers\[0\]\.downstream_stage", "unknown stage"),
        ({"country": "Atlantis"}, r"levers\[0\]\.country", "unknown country"),
    ],
)
def test_bad_input_names_the_field(
    case: dict[str, Any], frames: ReferenceFrames, change: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(ScenarioError, match=path) as info:
        compile_scenario(parse_scenario(_with(case, **change)), frames=frames)
    assert words in str(info.value)


def test_single_stage_material_is_refused(base: dict[str, Any], frames: ReferenceFrames) -> None:
    data = copy.deepcopy(base)
    data["materials"] = ["gallium"]
    data["baseline"]["overrides"] = {}
    data["levers"] = [dict(LEVER, material="gallium", downstream_stage="refined")]
    with pytest.raises(ScenarioError, match=r"levers\[0\]\.stage") as info:
        compile_scenario(parse_scenario(data), frames=frames)
    assert "single stage" in str(info.value)


def test_lever_needs_a_source_and_an_expansion_needs_one_size(case: dict[str, Any]) -> None:
    lever = dict(LEVER)
    lever.pop("source")
    data = copy.deepcopy(case)
    data["levers"] = [lever]
    with pytest.raises(ScenarioError, match="levers"):
        parse_scenario(data)
    with pytest.raises(ScenarioError, match="exactly one"):
        parse_scenario(
            _with(case, expansion={"share": 0.1, "capacity_per_year": 5.0, "assumption": True})
        )


def test_expansion_as_a_capacity_is_a_share_of_world_production(
    case: dict[str, Any], frames: ReferenceFrames
) -> None:
    from stockpile.reference import get_material
    from stockpile.simulate._lever_compile import world_production

    total, _ = world_production(
        get_material("rare earths").production_materials, "metric_ton", frames.production, 2024
    )
    assert total > 0
    data = _with(
        case,
        expansion={"capacity_per_year": 0.05 * total, "unit": "t", "source": "hand-made test case"},
    )
    model = compile_scenario(parse_scenario(data), frames=frames)
    (spec,) = model.levers.downstream
    assert spec.expansion == pytest.approx(0.05)
    assert spec.world == (pytest.approx(0.1),) and spec.us == (pytest.approx(1.0 / 6.0),)
    assert "expansion" in model.levers.notes[0] and "hand-made test case" in model.levers.notes[0]
