"""Robust sizing: best responses checked by enumeration, robust <= naive in the worst case."""

from __future__ import annotations

import numpy as np
import pytest

from stockpile.plan import (
    MaterialLimits,
    PlanInputError,
    PriceCurve,
    RobustMethod,
    SupplierGame,
    SupplierMeasure,
    best_response,
    best_response_by_enumeration,
    feasible_responses,
    robust_size,
)


def _game(
    seed: int, m: int = 5, j: int = 6, budget: bool = True, count: int | None = 2
) -> SupplierGame:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(50, 200, (m, 2))
    supply = demand.sum(axis=1) * rng.uniform(0.8, 1.2, m)
    measures = []
    for i in range(j):
        cuts = np.zeros(m)
        hit = rng.choice(m, 2, replace=False)
        cuts[hit] = supply[hit] * rng.uniform(0.05, 0.15, 2)
        measures.append(SupplierMeasure(f"x{i}", cuts, float(cuts.sum() * rng.uniform(1, 3))))
    costs = [ms.cost for ms in measures]
    return SupplierGame(
        supplier="CHN",
        materials=tuple(f"mat{i}" for i in range(m)),
        units=("metric_ton",) * m,
        demand=demand,
        supply=supply,
        measures=tuple(measures),
        class_names=("defence", "essential civilian"),
        class_weights=np.array([3.0, 1.0]),
        unit_prices=rng.uniform(1, 10, m),
        measure_budget=float(np.median(costs) * 2.5) if budget else np.inf,
        max_measures=count,
    )


@pytest.mark.parametrize("seed", range(6))
def test_best_response_matches_enumeration(seed: int) -> None:
    game = _game(seed, count=None if seed % 2 else 3, budget=seed % 3 != 0)
    rng = np.random.default_rng(seed + 50)
    for _ in range(3):
        stock = rng.uniform(0, 60, len(game.materials))
        milp = best_response(game, stock)
        enum = best_response_by_enumeration(game, stock)
        assert milp.value == pytest.approx(enum.value, rel=1e-7, abs=1e-9)
        assert game.feasible(np.array(milp.mask))


def test_hand_best_response() -> None:
    # One material, demand 100 defence; supply 100; two measures cut 30 and 50, the supplier
    # can afford only one: it picks the 50 t cut. Our 20 t of stock leaves 30 t short.
    game = SupplierGame(
        supplier="CHN",
        materials=("Ga",),
        units=("kilogram",),
        demand=np.array([[100.0]]),
        supply=np.array([100.0]),
        measures=(
            SupplierMeasure("small", np.array([30.0]), 1.0),
            SupplierMeasure("large", np.array([50.0]), 1.0),
        ),
        class_names=("defence",),
        class_weights=np.array([1.0]),
        unit_prices=np.array([2.0]),
        max_measures=1,
    )
    resp = best_response(game, np.array([20.0]))
    assert resp.measures == ("large",)
    assert resp.value == pytest.approx(60.0)
    assert feasible_responses(game).shape == (3, 2)


@pytest.mark.parametrize("seed", range(4))
def test_robust_not_worse_than_naive_and_methods_agree(seed: int) -> None:
    game = _game(seed)
    m = len(game.materials)
    curves = tuple(PriceCurve.flat(p) for p in game.unit_prices)
    budget = float(game.unit_prices @ game.demand.sum(axis=1)) * 0.15
    epi = robust_size(game, budget, curves, MaterialLimits.none(m), RobustMethod.EPIGRAPH)
    gen = robust_size(
        game, budget, curves, MaterialLimits.none(m), RobustMethod.CONSTRAINT_GENERATION
    )
    assert epi.response.value <= epi.naive_response.value * (1 + 1e-9)
    assert gen.response.value == pytest.approx(epi.response.value, rel=1e-6)
    # the reported best response is the true one (enumeration)
    stock = epi.plan.quantities
    assert epi.response.value == pytest.approx(
        best_response_by_enumeration(game, stock).value, rel=1e-7
    )
    assert epi.plan.total_cost <= budget * (1 + 1e-9)
    assert epi.to_dict()["value_of_robustness_usd"] >= -1e-6


def test_robustness_buys_something() -> None:
    # No shortfall without new measures: the naive plan buys nothing, the robust plan hedges.
    game = SupplierGame(
        supplier="CHN",
        materials=("Sb", "W"),
        units=("metric_ton", "metric_ton"),
        demand=np.array([[10.0], [10.0]]),
        supply=np.array([10.0, 10.0]),
        measures=(
            SupplierMeasure("ban Sb", np.array([8.0, 0.0]), 1.0),
            SupplierMeasure("ban W", np.array([0.0, 8.0]), 1.0),
        ),
        class_names=("defence",),
        class_weights=np.array([1.0]),
        unit_prices=np.array([1.0, 1.0]),
        max_measures=1,
    )
    curves = (PriceCurve.flat(1.0), PriceCurve.flat(1.0))
    res = robust_size(game, 8.0, curves, MaterialLimits.none(2))
    assert res.naive_plan.total_cost == pytest.approx(0.0)
    assert res.naive_response.value == pytest.approx(8.0)
    # robust: 4 t of each -> either ban leaves 4 t short
    np.testing.assert_allclose(res.plan.quantities, [4.0, 4.0], atol=1e-7)
    assert res.response.value == pytest.approx(4.0)
    assert res.value_of_robustness == pytest.approx(4.0)


def test_game_rejects_cuts_above_supply() -> None:
    with pytest.raises(PlanInputError, match="more than its supply"):
        SupplierGame(
            supplier="CHN",
            materials=("Sb",),
            units=("metric_ton",),
            demand=np.array([[10.0]]),
            supply=np.array([10.0]),
            measures=(SupplierMeasure("a", np.array([6.0]), 1.0),) * 2,
            class_names=("defence",),
            class_weights=np.array([1.0]),
            unit_prices=np.array([1.0]),
        )


def test_enumeration_limit() -> None:
    game = _game(1, j=6)
    with pytest.raises(PlanInputError, match="enumeration limit"):
        feasible_responses(game, limit=10)


@pytest.mark.parametrize("seed", range(3))
def test_robust_against_a_given_plan_reconciles_under_the_worst_response(seed: int) -> None:
    game = _game(seed)
    m = len(game.materials)
    curves = tuple(PriceCurve.flat(float(p)) for p in game.unit_prices)
    budget = float(game.unit_prices @ game.demand.sum(axis=1)) * 0.05
    limits = MaterialLimits.none(m)
    # a comparison plan spending the budget evenly (stands in for the expected-value plan)
    baseline = budget / m / game.unit_prices
    res = robust_size(game, budget, curves, limits, baseline=baseline, baseline_label="EV plan")
    assert res.naive_label == "EV plan"
    np.testing.assert_allclose(res.naive_plan.quantities, baseline)
    assert res.value_of_robustness >= -1e-6 * max(1.0, res.naive_response.value)
    # per-material unmet under the worst response, valued, adds up to its value
    d = np.array([2.0, 1.0])  # hinge weights of class weights (3, 1)
    # unmet of class k = clip(c_k - y, 0, g_k); its value sum_k w_k unmet_k = sum_k d_k (c_k - y)+
    weights = np.array([3.0, 1.0])
    value = float((res.unmet_worst_after @ weights) @ game.unit_prices)
    assert d[0] + d[1] == weights[0]
    assert value == pytest.approx(res.response.value, rel=1e-9, abs=1e-9)
    assert (res.unmet_worst_after <= res.unmet_worst_before + 1e-12).all()
    rows = res.material_rows()
    assert rows[0]["robust_quantity"] == pytest.approx(res.plan.quantities[0])
    assert "unmet_average_after_defence" in rows[0]
