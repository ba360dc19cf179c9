"""The engine's reuse of unchanged work never changes a number.

Prices are re-solved only in cells whose removed share or spare capacity moved, and the other
parts of a month only when their inputs moved; these tests compare against full recomputation.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from stockpile.market import clear_price, solve_price_ratio
from stockpile.simulate import (
    Paths,
    ReferenceFrames,
    compile_scenario,
    resolve_scenario,
    simulate,
)
from stockpile.simulate.prices import PRICE_TOLERANCE, MonthPrices

MAX_RATIO = 1000.0


def _full_solve(
    x: np.ndarray, spare: np.ndarray, ed: np.ndarray, es: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    ratio, _, _ = solve_price_ratio(
        np.ones(x.shape), 1.0 - x, ed, es, spare, MAX_RATIO, PRICE_TOLERANCE, 200
    )
    return ratio, np.power(ratio, ed)


def test_price_memo_equals_a_full_solve_every_month() -> None:
    rng = np.random.default_rng(5)
    shape = (60, 9)
    ed = rng.uniform(-0.8, -0.05, shape)
    es = rng.uniform(0.0, 0.6, shape)
    prices = MonthPrices(ed, es, MAX_RATIO)
    x = np.zeros(shape)
    spare = np.zeros(shape)
    changed_months = 0
    for month in range(16):
        # a random part of the cells moves each month; some months nothing moves, and
        # removals and spare capacity come and go (None: zero everywhere)
        x = x.copy()
        spare = spare.copy()
        if month % 5 != 4:
            moving = rng.random(shape) < 0.3
            x[moving] = rng.choice([0.0, 0.1, 0.4, 0.95, 1.0], moving.sum())
            moving = rng.random(shape) < 0.3
            spare[moving] = rng.choice([0.0, 0.02, 0.3], moving.sum())
        x_arg = None if month in (7, 8) else x
        spare_arg = None if month in (8, 12) else spare
        changed_months += prices.update(x_arg, spare_arg)
        x_now = np.zeros(shape) if x_arg is None else x
        spare_now = np.zeros(shape) if spare_arg is None else spare
        want_ratio, want_ratio_ed = _full_solve(x_now, spare_now, ed, es)
        assert np.array_equal(prices.ratio, want_ratio), month
        assert np.array_equal(prices.ratio_ed, want_ratio_ed), month
        assert prices.any_moved == bool(((x_now > 0) | (spare_now > 0)).any())
    assert 0 < changed_months < 16


def test_price_memo_flags_the_cap() -> None:
    ed = np.full((2, 2), -0.1)
    es = np.zeros((2, 2))
    prices = MonthPrices(ed, es, MAX_RATIO)
    x = np.array([[1.0, 0.2], [0.0, 0.0]])
    prices.update(x, None)
    assert prices.capped.tolist() == [[True, False], [False, False]]
    assert prices.ratio[0, 0] == pytest.approx(MAX_RATIO)
    prices.update(np.zeros((2, 2)), None)  # the flag stays: the cap was hit in some month
    assert prices.capped[0, 0]
    assert not prices.any_moved


def test_each_price_is_solved_as_if_alone() -> None:
    """Newton iterates on fewer elements once most have converged; none depends on another."""
    rng = np.random.default_rng(11)
    n = 3000
    x = rng.uniform(0.0, 1.0, n)
    x[:40] = 1.0
    spare = rng.uniform(0.0, 0.6, n)
    spare[::7] = 0.0
    ed = rng.uniform(-2.0, -0.02, n)
    es = rng.uniform(0.0, 2.0, n)
    vec = clear_price(1.0, 1.0, x, ed, es, spare, max_price_ratio=1e4)
    for i in rng.choice(n, 80, replace=False):
        one = clear_price(1.0, 1.0, x[i], ed[i], es[i], spare[i], max_price_ratio=1e4)
        assert vec.price_ratio[i] == one.price_ratio
        assert vec.status[i] == one.status


@pytest.mark.parametrize("name", ["us-planning-conflict", "china-export-ban-us-2024"])
def test_paths_identical_across_batch_sizes(name: str, frames: ReferenceFrames) -> None:
    scenario, _ = resolve_scenario(name)
    model = compile_scenario(scenario, frames=frames)
    whole = simulate(model, runs=30, seed=3, keep_paths=True, batch_size=30)
    for batch_size in (1, 7):
        got = simulate(model, runs=30, seed=3, keep_paths=True, batch_size=batch_size)
        assert whole.output.paths is not None and got.output.paths is not None
        for f in fields(Paths):
            a = getattr(whole.output.paths, f.name)
            b = getattr(got.output.paths, f.name)
            assert np.array_equal(a, b, equal_nan=True), (batch_size, f.name)
    assert (whole.output.paths.price_ratio != 1.0).any()
