"""Purchase routes: what a stock bought in a form can serve, through conversion (oracles)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    compile_scenario,
    draw_range,
    resolve_scenario,
    run_engine,
    simulate,
)

RE = "china-rare-earths-2025"


def _bare(frames: ReferenceFrames, form: str | None) -> object:
    scenario, _ = resolve_scenario(RE)
    return compile_scenario(
        scenario,
        holdings={"rare earths": (0.0, "t")},
        frames=frames,
        purchase_forms=None if form is None else {"rare earths": form},
    )


def test_ore_with_no_conversion_outside_the_cut_country_serves_nothing(
    frames: ReferenceFrames,
) -> None:
    model = _bare(frames, "concentrate-separated-in-china")
    res = simulate(model, runs=300, seed=3)  # type: ignore[arg-type]
    assert res.servable_by_class is not None
    assert (res.shortfall_by_class[:, 0, :] > 0).any()  # there are gaps to serve
    assert np.all(res.servable_by_class == 0.0)


def test_conversion_capacity_k_from_month_l(frames: ReferenceFrames) -> None:
    # K = 30 t/month in Malaysia from onset (month 0) + L = 6 months: per run and month t >= 6,
    # min(gap_t, K) served, defence first; nothing before month 6
    model = _bare(frames, "concentrate-separated-abroad")
    route = model.route  # type: ignore[attr-defined]
    assert route is not None and bool(route.upstream[0])
    assert route.conversion_capacity[0] == pytest.approx(30.0)
    assert route.conversion_lead[0] == pytest.approx(6.0)
    res = simulate(model, runs=200, seed=5, keep_paths=True)  # type: ignore[arg-type]
    gaps = res.output.paths.shortfall[:, 0]  # type: ignore[union-attr]  # [S, T, 3]: no stock
    served_def = np.minimum(gaps[:, 6:, 0], 30.0)
    served_ess = np.minimum(gaps[:, 6:, 1], 30.0 - served_def)
    served_oth = np.minimum(gaps[:, 6:, 2], 30.0 - served_def - served_ess)
    assert res.servable_by_class is not None
    got = res.servable_by_class[:, 0]
    assert got[:, 0] == pytest.approx(served_def.sum(axis=1), rel=1e-12, abs=1e-9)
    assert got[:, 1] == pytest.approx(served_ess.sum(axis=1), rel=1e-12, abs=1e-9)
    assert got[:, 2] == pytest.approx(served_oth.sum(axis=1), rel=1e-12, abs=1e-9)
    assert (got.sum(axis=1) > 0).mean() > 0.5
    assert (got.sum(axis=1) <= 30.0 * (36 - 6) + 1e-9).all()


def test_arrival_form_without_capacity_measures_nothing(frames: ReferenceFrames) -> None:
    model = _bare(frames, "oxide")
    assert not model.route.upstream.any()  # type: ignore[attr-defined]
    assert simulate(model, runs=10, seed=0).servable_by_class is None  # type: ignore[arg-type]


def test_engine_matches_reference_on_a_route(
    frames: ReferenceFrames, reference: ModuleType
) -> None:
    model = _bare(frames, "concentrate-separated-abroad")
    draws = draw_range(model, seed=7, start=0, stop=25)  # type: ignore[arg-type]
    out = run_engine(model, draws)  # type: ignore[arg-type]
    assert out.servable_by_class is not None
    for s in range(draws.size):
        ref = reference.simulate_one(model, draws, s, 0)
        for c in range(3):
            assert out.servable_by_class[s, 0, c] == pytest.approx(
                ref.servable_by_class[c], rel=1e-9, abs=1e-9
            )


def test_bad_route_names_the_field(frames: ReferenceFrames) -> None:
    scenario, _ = resolve_scenario(RE)
    with pytest.raises(ScenarioError, match=r"form\.rare earths.*several conversion routes"):
        compile_scenario(scenario, frames=frames, purchase_forms={"rare earths": "mine"})
    with pytest.raises(ScenarioError, match=r"form\.rare earths.*unknown form"):
        compile_scenario(scenario, frames=frames, purchase_forms={"rare earths": "pebbles"})
    with pytest.raises(ScenarioError, match=r"form\.rare earths.*downstream"):
        compile_scenario(scenario, frames=frames, purchase_forms={"rare earths": "metal"})
