"""Random sizing instances shared by the planning tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from stockpile.plan import MaterialLimits, PriceCurve, ShortfallSample, SizingProblem

InstanceFactory = Callable[..., SizingProblem]


def random_instance(
    seed: int,
    n_scen: int = 40,
    n_mat: int = 5,
    n_cls: int = 2,
    budget_share: float = 0.3,
    caps: bool = True,
    holdings: bool = True,
    impact: bool = True,
) -> SizingProblem:
    """A random instance whose budget buys about ``budget_share`` of the expected need."""
    rng = np.random.default_rng(seed)
    disrupted = rng.random((n_scen, n_mat)) < 0.4
    gaps = rng.gamma(2.0, 50.0, (n_scen, n_mat, n_cls)) * disrupted[:, :, None]
    prices = rng.uniform(1.0, 20.0, n_mat)
    weights = np.sort(rng.uniform(0.5, 4.0, n_cls))[::-1]
    probs = rng.dirichlet(np.ones(n_scen))
    sample = ShortfallSample(
        materials=tuple(f"mat{i}" for i in range(n_mat)),
        gaps=gaps,
        class_names=tuple(f"c{k}" for k in range(n_cls)),
        class_weights=weights,
        scenario_weights=probs,
        unit_prices=prices,
        units=("metric_ton",) * n_mat,
    )
    if impact:
        curves = tuple(
            PriceCurve.isoelastic_impact(p, rng.uniform(100, 500), -0.3, 0.2, 300.0, 3)
            for p in prices
        )
    else:
        curves = tuple(PriceCurve.flat(p) for p in prices)
    need = float((gaps.sum(axis=2).max(axis=0) * prices).sum())
    inf = np.full(n_mat, np.inf)
    hold = rng.uniform(0, 30, n_mat) if holdings else np.zeros(n_mat)
    if caps:
        spend = np.where(rng.random(n_mat) < 0.5, rng.uniform(100, 2000, n_mat), np.inf)
        qty = np.where(rng.random(n_mat) < 0.5, rng.uniform(20, 200, n_mat), np.inf)
        stock_max = np.where(rng.random(n_mat) < 0.3, hold + rng.uniform(10, 150, n_mat), np.inf)
        limits = MaterialLimits(hold, spend, qty, stock_max)
    else:
        limits = MaterialLimits(hold, inf, inf, inf)
    return SizingProblem(sample, budget_share * need, curves, limits)


@pytest.fixture
def make_instance() -> InstanceFactory:
    """Factory of random instances (see :func:`random_instance`)."""
    return random_instance
