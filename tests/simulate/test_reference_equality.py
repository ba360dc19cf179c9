"""The vectorised engine equals the slow reference implementation on the same draws."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    compile_scenario,
    draw_range,
    resolve_scenario,
    run_engine,
)

SCENARIOS = [
    "china-export-ban-us-2024",
    "drc-cobalt-2025",
    "blockade-east-asia",
    "us-planning-conflict",
    "china-rare-earths-2025",
    "china-tungsten-bismuth-indium-2025",
]
HOLDINGS = {
    "gallium": (4000.0, "kg"),
    "antimony": (1500.0, "t"),
    "cobalt": (800.0, "t"),
    "rare earths": (500.0, "t"),
    "bismuth": (60.0, "t"),
    "indium": (10.0, "t"),
    "tin": (3000.0, "short_ton"),
}


def _close(a: float, b: float) -> bool:
    if np.isnan(a) and np.isnan(b):
        return True
    return bool(abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_matches_reference(
    name: str, reference: ModuleType, frames: ReferenceFrames
) -> None:
    scenario, _ = resolve_scenario(name)
    model = compile_scenario(scenario, holdings=HOLDINGS, frames=frames)
    draws = draw_range(model, seed=7, start=1000, stop=1040)  # spans two seeding blocks
    out = run_engine(model, draws, keep_paths=True)
    assert out.paths is not None
    for s in range(draws.size):
        for m in range(model.n_materials):
            ref = reference.simulate_one(model, draws, s, m)
            for c in range(3):
                assert _close(out.shortfall_by_class[s, m, c], ref.shortfall_by_class[c])
            assert _close(out.release[s, m], ref.release)
            assert _close(out.final_stock[s, m], ref.final_stock)
            assert _close(out.peak_price_ratio[s, m], ref.peak_price_ratio)
            assert _close(out.mean_price_ratio[s, m], ref.mean_price_ratio)
            assert _close(out.months_to_stockout[s, m], ref.months_to_stockout)
            assert _close(out.days_of_cover[s, m], ref.days_of_cover)
            if out.servable_by_class is not None:
                for c in range(3):
                    assert _close(out.servable_by_class[s, m, c], ref.servable_by_class[c])
            for t, rec in enumerate(ref.months):
                assert _close(out.paths.price_ratio[s, m, t], rec.price_ratio)
                assert _close(out.paths.stock[s, m, t], rec.stock)
                for c in range(3):
                    assert _close(out.paths.shortfall[s, m, t, c], rec.shortfall[c])


CAPACITY = {
    "gallium": (300.0, "kg"),
    "antimony": (40.0, "t"),
    "cobalt": (30.0, "t"),
    "rare earths": (12.0, "t"),
    "bismuth": (2.0, "t"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_matches_reference_with_release_capacity(
    name: str, reference: ModuleType, frames: ReferenceFrames
) -> None:
    """An absolute monthly release capacity: releases and servable gaps equal the reference."""
    scenario, _ = resolve_scenario(name)
    model = compile_scenario(scenario, holdings=HOLDINGS, frames=frames, release_capacity=CAPACITY)
    draws = draw_range(model, seed=7, start=1000, stop=1030)
    out = run_engine(model, draws)
    assert out.servable_by_class is not None
    for s in range(draws.size):
        for m in range(model.n_materials):
            ref = reference.simulate_one(model, draws, s, m)
            for c in range(3):
                assert _close(out.shortfall_by_class[s, m, c], ref.shortfall_by_class[c])
                assert _close(out.servable_by_class[s, m, c], ref.servable_by_class[c])
            assert _close(out.release[s, m], ref.release)
            assert _close(out.final_stock[s, m], ref.final_stock)


def test_reference_cases_are_not_trivial(frames: ReferenceFrames) -> None:
    """The equality above covers shortfall, releases and moving prices."""
    scenario, _ = resolve_scenario("blockade-east-asia")
    model = compile_scenario(scenario, holdings=HOLDINGS, frames=frames)
    out = run_engine(model, draw_range(model, seed=7, start=1000, stop=1040))
    assert (out.shortfall_by_class[:, :, :2] > 0).any()
    assert (out.release > 0).any()
    assert (out.peak_price_ratio > 1.0).any()
