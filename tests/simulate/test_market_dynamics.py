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
