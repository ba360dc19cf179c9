"""Property tests over random scenarios: invariants of the engine and agreement with the
reference implementation."""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from stockpile.simulate import (
    SHORTFALL_TOLERANCE,
    ReferenceFrames,
    compile_scenario,
    draw_range,
    parse_scenario,
    run_engine,
)

from .conftest import BASE

share = st.floats(0.0, 1.0)
BOTH = ["antimony", "gallium"]
PREFIXES = [["defence"], ["defence", "essential"], ["defence", "essential", "other"]]
months = st.integers(0, 10)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["materials"] = ["antimony", "gallium"]
    data["baseline"]["overrides"]["antimony"]["world_shares"] = {"CHN": 0.5, "RUS": 0.3}
    data["baseline"]["overrides"]["antimony"]["us_import_shares"] = {"CHN": 0.6, "BEL": 0.2}
    d_hi = draw(st.floats(0.0, 0.6))
    data["assumptions"]["demand_split"] = {
        "defence": {"dist": "uniform", "low": 0.0, "high": d_hi},
        "essential": {"dist": "uniform", "low": 0.0, "high": draw(st.floats(0.0, 1.0 - d_hi))},
    }
    data["assumptions"]["elasticity"] = {
        "demand": {"dist": "uniform", "low": -0.5, "high": -0.05},
        "supply": {"dist": "uniform", "low": 0.0, "high": 0.3},
    }
    events = []
    for i in range(draw(st.integers(0, 3))):
        events.append(
            {
                "kind": "export_control",
                "id": f"e{i}",
                "country": draw(st.sampled_from(["CHN", "RUS", "BEL"])),
                "targets": draw(st.sampled_from([[], ["USA"], ["JPN"]])),
                "materials": draw(
                    st.sampled_from([["antimony"], ["gallium"], ["antimony", "gallium"]])
                ),
                "withheld_share": {"dist": "uniform", "low": 0.0, "high": draw(share)},
                "start_month": draw(months),
                "duration_months": draw(months),
                "probability": draw(share),
            }
        )
    if draw(st.booleans()):
        events.append(
            {
                "kind": "conflict",
                "id": "war",
                "sea_route_countries": ["CHN"],
                "shipping_loss": draw(share),
                "defence_surge": {"dist": "uniform", "low": 1.0, "high": 3.0},
                "start_month": draw(months),
                "duration_months": draw(months),
                "replenishment_months": draw(months),
                "replenishment_surge": 1.2,
            }
        )
    data["events"] = events
    kinds = ["spare_capacity", "new_supply", "recycling", "substitution", "austerity"]
    data["responses"] = [
        {
            "kind": k,
            "max_share": {"dist": "uniform", "low": 0.0, "high": draw(st.floats(0.0, 0.5))},
            "lead_months": draw(months),
            "ramp_months": draw(st.integers(0, 6)),
        }
        for k in draw(st.lists(st.sampled_from(kinds), max_size=4))
    ]
    data["stockpile"] = {
        "trigger": draw(st.sampled_from(["shortfall", "emergency", "never"])),
        "serve": draw(st.sampled_from(PREFIXES)),
        "release_capacity_share": {"dist": "uniform", "low": 0.0, "high": draw(share)},
        "holdings": {
            "illustrative": True,
            "items": [
                {"material": "antimony", "quantity": draw(st.floats(0, 500)), "unit": "t"},
                {"material": "gallium", "quantity": draw(st.floats(0, 5000)), "unit": "kg"},
            ],
        },
    }
    return data


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_and_reference(
    data: dict[str, Any], seed: int, frames: ReferenceFrames, reference: ModuleType
) -> None:
    model = compile_scenario(parse_scenario(data), frames=frames)
    draws = draw_range(model, seed, 0, 24)
    out = run_engine(model, draws, keep_paths=True)
    paths = out.paths
    assert paths is not None
    # stock never negative, never rises; shortfall never negative; prices positive
    assert np.all(paths.stock >= -1e-9)
    assert np.all(np.diff(paths.stock, axis=2) <= 1e-9)
    assert np.all(paths.shortfall >= 0)
    assert np.all(paths.price_ratio > 0)
    # what was released left the stock
    assert np.allclose(model.stock0[None, :] - out.final_stock, out.release)
    # an unserved class gets nothing from the stockpile
    assert np.all(out.release <= model.stock0[None, :] + 1e-9)
    for s in range(0, draws.size, 6):
        for m in range(model.n_materials):
            ref = reference.simulate_one(model, draws, s, m)
            for c in range(3):
                assert abs(
                    out.shortfall_by_class[s, m, c] - ref.shortfall_by_class[c]
                ) <= 1e-9 * max(1.0, ref.shortfall_by_class[c])
            for t, rec in enumerate(ref.months):
                # priority: a class is short only if every lower class got nothing
                d = rec.demand
                short = rec.shortfall
                if short[0] > 1e-9 * max(1.0, d[0]):
                    note(f"{data['stockpile']} {data['events']} {data['responses']} {t} {rec}")
                    # gaps up to the tolerance (a share of monthly consumption) count as zero
                    tol = SHORTFALL_TOLERANCE * float(model.consumption[m]) + 1e-9
                    assert short[1] >= d[1] * (1 - 1e-9) - tol
                    assert short[2] >= d[2] * (1 - 1e-9) - tol
                assert abs(paths.price_ratio[s, m, t] - rec.price_ratio) <= 1e-9 * rec.price_ratio
