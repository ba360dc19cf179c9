"""Market dynamics in the engine: off by default, neutral parameters give the static engine,
a larger cut never lowers the simulated peak, and the reference implementation agrees."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    compile_scenario,
    draw_range,
    parse_scenario,
    resolve_scenario,
    run_engine,
)


def _doc(name: str) -> dict[str, Any]:
    scenario, _ = resolve_scenario(name)
    return scenario.model_dump(mode="json", exclude_none=True)


def _static(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without market dynamics: responses timed on the dynamics' clock
    (``ramp: calibrated``) get a fixed linear timing instead (lead 3, ramp 12 months)."""
    del doc["market"]["dynamics"]
    for r in doc["responses"]:
        if r.get("ramp") == "calibrated":
            r.update(ramp="linear", lead_months=3.0, ramp_months=12.0)
    return doc


def _run(doc: dict[str, Any], frames: ReferenceFrames, seed: int = 3) -> Any:
    model = compile_scenario(parse_scenario(doc, "test"), frames=frames)
    return run_engine(model, draw_range(model, seed=seed, start=0, stop=64), keep_paths=True)


def test_neutral_dynamics_equal_the_static_engine(frames: ReferenceFrames) -> None:
    doc = _static(_doc("drc-cobalt-2025"))
    static = _run(doc, frames)
    doc["market"]["dynamics"] = {
        "long_run_multiplier": 1.0,
        "adjustment_months": 12.0,
        "inventory_cover_months": 0.0,
    }
    dynamic = _run(doc, frames)
    np.testing.assert_allclose(dynamic.paths.price_ratio, static.paths.price_ratio, rtol=1e-12)
    np.testing.assert_allclose(dynamic.shortfall_by_class, static.shortfall_by_class, rtol=1e-9)


def test_inventories_and_long_run_response_lower_the_peak(frames: ReferenceFrames) -> None:
    doc = _doc("drc-cobalt-2025")
    with_dyn = _run(doc, frames)
    without = _run(_static(doc), frames)
    assert np.all(with_dyn.peak_price_ratio <= without.peak_price_ratio + 1e-12)
    assert np.median(with_dyn.mean_price_ratio) < np.median(without.mean_price_ratio)


@pytest.mark.parametrize("dynamics", [True, False])
def test_a_larger_cut_never_lowers_the_simulated_peak(
    frames: ReferenceFrames, dynamics: bool
) -> None:
    doc = _doc("drc-cobalt-2025")
    if not dynamics:
        _static(doc)
    peaks = []
    for share in (0.3, 0.5, 0.8):
        for event in doc["events"]:
            event["withheld_share"] = share
        peaks.append(_run(doc, frames).peak_price_ratio)
    assert np.all(peaks[1] >= peaks[0] - 1e-12)
    assert np.all(peaks[2] >= peaks[1] - 1e-12)
    assert np.any(peaks[2] > peaks[0])


def test_reference_implementation_learns_the_dynamics(
    reference: ModuleType, frames: ReferenceFrames
) -> None:
    doc = _doc("china-export-ban-us-2024")
    doc["market"]["dynamics"]["inventory_cover_months"] = 3.0
    model = compile_scenario(parse_scenario(doc, "test"), frames=frames)
    draws = draw_range(model, seed=11, start=0, stop=8)
    out = run_engine(model, draws, keep_paths=True)
    assert out.paths is not None
    for s in range(draws.size):
        for m in range(model.n_materials):
            ref = reference.simulate_one(model, draws, s, m)
            got = out.paths.price_ratio[s, m, :]
            want = [rec.price_ratio for rec in ref.months]
            np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize("name", ["drc-cobalt-2025", "china-export-ban-us-2024"])
def test_response_factor_table_equals_the_cell_formula(name: str, frames: ReferenceFrames) -> None:
    # g is computed once per month and onset group; the numbers are those of the formula
    # applied to each cell, bit for bit
    from stockpile.simulate._dynamics import dynamics_factor
    from stockpile.simulate._step_context import build_context

    scenario, _ = resolve_scenario(name)
    model = compile_scenario(scenario, frames=frames)
    ctx = build_context(model, draw_range(model, 2, 0, 300), keep_paths=False)
    dyn = ctx.dynamics
    assert dyn is not None
    cells = np.arange(0, dyn.k.size, 7, dtype=np.intp)
    for t in range(model.horizon):
        tau = t - dyn.onset
        lag = np.where(tau >= 0, tau, 0.0)
        want = np.where(tau >= 0, dyn.k - (dyn.k - 1.0) * np.exp(-lag / dyn.t_adj), 1.0)
        assert np.array_equal(dynamics_factor(dyn, t), want)
        assert np.array_equal(dynamics_factor(dyn, t, cells), want.ravel()[cells])


def test_dynamic_prices_equal_one_mixed_solve() -> None:
    # the closed-form and Newton cells are solved apart; the numbers are those of one solve
    # of all cells together, bit for bit
    from stockpile.market import solve_price_ratio
    from stockpile.simulate._dynamics import DynamicMonthPrices, DynamicsContext, dynamics_factor
    from stockpile.simulate.prices import PRICE_TOLERANCE

    rng = np.random.default_rng(4)
    s, m, horizon = 50, 6, 12
    ed, es = -rng.uniform(0.02, 1.0, (s, m)), rng.uniform(0.0, 1.0, (s, m))
    ctx = DynamicsContext.build(
        k=rng.uniform(1.0, 9.0, s),
        t_adj=rng.uniform(5.0, 50.0, s),
        cover=np.zeros(s),
        onset=rng.integers(0, 4, (s, 2)).astype(np.float64),
        column=np.array([0, 0, 1, 1, 0, 1], dtype=np.intp),
        horizon=horizon,
    )
    prices = DynamicMonthPrices(ed, es, 13.6, ctx)
    for t in range(horizon):
        x = rng.uniform(0.0, 0.9, (s, m)) * (rng.random((s, m)) < 0.8)
        extra = rng.uniform(0.0, 0.2, (s, m)) * (rng.random((s, m)) < 0.5)
        prices.update_dynamic(x, extra, t)
        g = dynamics_factor(ctx, t)
        r, _, _ = solve_price_ratio(
            np.ones(s * m),
            1.0 - x.ravel(),
            (ed * g).ravel(),
            (es * g).ravel(),
            extra.ravel(),
            13.6,
            PRICE_TOLERANCE,
            200,
        )
        r = r.reshape(s, m)
        moved = (x > 0) | (extra > 0)
        assert np.array_equal(prices.ratio, np.where(moved, r, 1.0))
        assert np.array_equal(prices.ratio_ed, np.where(moved, np.power(r, ed * g), 1.0))
