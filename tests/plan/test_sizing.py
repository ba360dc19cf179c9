"""Sizing: hand-solved cases, exact vs LP vs cutting plane, limits never exceeded."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockpile.plan import (
    LimitStatus,
    MaterialLimits,
    Objective,
    ObjectiveKind,
    PriceCurve,
    ShortfallSample,
    SizingMethod,
    SizingProblem,
    risk_measure,
    scenario_losses,
    size_stockpile,
)
from stockpile.usecases import PlanTable

from .conftest import random_instance


def _hand_problem(budget: float = 20.0) -> SizingProblem:
    # A: 30 t short in scenario 0 only; B: 10 t short in every scenario; both $1/t.
    gaps = np.array([[[30.0], [10.0]], [[0.0], [10.0]], [[0.0], [10.0]]])
    sample = ShortfallSample.uniform(["A", "B"], gaps, unit_prices=[1.0, 1.0], class_weights=[1.0])
    curves = (PriceCurve.flat(1.0), PriceCurve.flat(1.0))
    return SizingProblem(sample, budget, curves, MaterialLimits.none(2))


@pytest.mark.parametrize(
    "method", [SizingMethod.EXACT, SizingMethod.LP, SizingMethod.CUTTING_PLANE]
)
def test_hand_solved_expected(method: SizingMethod) -> None:
    # B saves $1 per $ (every scenario), A $1/3 per $: buy all 10 t of B, then 10 t of A.
    plan = size_stockpile(_hand_problem(), Objective(), method)
    np.testing.assert_allclose(plan.quantities, [10.0, 10.0], rtol=1e-9, atol=1e-9)
    assert plan.risk_before == pytest.approx(20.0)
    assert plan.risk_after == pytest.approx(20.0 / 3.0)
    assert plan.budget_shadow_price == pytest.approx(1.0 / 3.0)
    assert plan.total_cost == pytest.approx(20.0)
    assert plan.coverage_per_dollar == pytest.approx((20.0 - 20.0 / 3.0) / 20.0)
    assert plan.limits[1] is LimitStatus.COVERED


@pytest.mark.parametrize("method", [SizingMethod.LP, SizingMethod.CUTTING_PLANE])
@pytest.mark.parametrize(
    "objective", [Objective(ObjectiveKind.CVAR, 2.0 / 3.0), Objective(ObjectiveKind.WORST)]
)
def test_hand_solved_tail(method: SizingMethod, objective: Objective) -> None:
    # Losses 40, 10, 10; the worst third is scenario 0: 40 - a - b with a + b <= 20 -> 20.
    plan = size_stockpile(_hand_problem(), objective, method)
    assert plan.risk_before == pytest.approx(40.0)
    assert plan.risk_after == pytest.approx(20.0, rel=1e-7)


def test_budget_not_binding_buys_full_need() -> None:
    plan = size_stockpile(_hand_problem(budget=1000.0))
    np.testing.assert_allclose(plan.quantities, [30.0, 10.0])
    assert plan.budget_shadow_price == 0.0
    assert plan.risk_after == pytest.approx(0.0)


def test_priority_classes_defence_first() -> None:
    # One material: defence gap 5, civilian gap 10; 5 t of holdings cover defence first.
    gaps = np.array([[[5.0, 10.0]]])
    sample = ShortfallSample.uniform(
        ["Sb"], gaps, unit_prices=[2.0], class_weights=[3.0, 1.0], class_names=["def", "civ"]
    )
    limits = MaterialLimits(np.array([5.0]), *(np.full(1, np.inf),) * 3)
    prob = SizingProblem(sample, 4.0, (PriceCurve.flat(2.0),), limits)
    plan = size_stockpile(prob)
    # before: holdings cover defence, civilian 10 t short: 1 * 2 * 10 = 20 USD
    assert plan.risk_before == pytest.approx(20.0)
    np.testing.assert_allclose(plan.unmet_before, [[0.0, 10.0]])
    # $4 buys 2 t at $2/t: civilian 8 t short -> 16 USD
    assert plan.risk_after == pytest.approx(16.0)
    np.testing.assert_allclose(plan.unmet_after, [[0.0, 8.0]])


@pytest.mark.parametrize("seed", range(8))
def test_water_filling_equals_lp(seed: int) -> None:
    prob = random_instance(seed, n_scen=60, n_mat=6, impact=seed % 2 == 0)
    exact = size_stockpile(prob, Objective(), SizingMethod.EXACT)
    lp = size_stockpile(prob, Objective(), SizingMethod.LP)
    assert exact.risk_after == pytest.approx(lp.risk_after, rel=1e-6)
    assert exact.total_cost <= prob.budget * (1 + 1e-9)
    assert exact.budget_shadow_price == pytest.approx(lp.budget_shadow_price, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", [ObjectiveKind.CVAR, ObjectiveKind.WORST])
def test_cutting_plane_equals_extensive_lp(seed: int, kind: ObjectiveKind) -> None:
    prob = random_instance(100 + seed, n_scen=50, n_mat=5)
    obj = Objective(kind, 0.8)
    lp = size_stockpile(prob, obj, SizingMethod.LP)
    cp = size_stockpile(prob, obj, SizingMethod.CUTTING_PLANE)
    assert cp.risk_after == pytest.approx(lp.risk_after, rel=1e-6)
    assert cp.iterations >= 1


def test_worst_case_over_named_scenarios() -> None:
    prob = _hand_problem()
    obj = Objective(ObjectiveKind.WORST, scenarios=(1, 2))
    plan = size_stockpile(prob, obj, SizingMethod.LP)
    # scenarios 1 and 2 only short of B: buying 10 t of B clears them
    assert plan.risk_after == pytest.approx(0.0, abs=1e-9)
    assert plan.quantities[1] == pytest.approx(10.0)


def test_risk_measure_cvar_by_hand() -> None:
    losses = np.array([10.0, 40.0, 20.0, 0.0])
    probs = np.full(4, 0.25)
    # worst 30 %: all of 40 (0.25) and 0.05 of 20 -> (10 + 1) / 0.3
    got = risk_measure(losses, probs, Objective(ObjectiveKind.CVAR, 0.7))
    assert got.value == pytest.approx((0.25 * 40 + 0.05 * 20) / 0.3)
    assert got.weights.sum() == pytest.approx(1.0)
    assert risk_measure(losses, probs, Objective()).value == pytest.approx(17.5)
    assert risk_measure(losses, probs, Objective(ObjectiveKind.WORST)).value == 40.0


def _check_within_limits(prob: SizingProblem, x: np.ndarray, costs: np.ndarray) -> None:
    lim = prob.limits
    assert (x >= 0).all()
    assert costs.sum() <= prob.budget * (1 + 1e-9) + 1e-9
    assert (costs <= lim.spend_caps * (1 + 1e-9) + 1e-9).all()
    assert (x <= lim.quantity_limits * (1 + 1e-9) + 1e-9).all()
    assert (lim.holdings + x <= lim.max_stock * (1 + 1e-9) + 1e-9).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    share=st.floats(0.0, 1.5),
    method=st.sampled_from([SizingMethod.EXACT, SizingMethod.LP, SizingMethod.CUTTING_PLANE]),
    kind=st.sampled_from(list(ObjectiveKind)),
)
def test_limits_never_exceeded(
    seed: int, share: float, method: SizingMethod, kind: ObjectiveKind
) -> None:
    if method is SizingMethod.EXACT:
        kind = ObjectiveKind.EXPECTED
    prob = random_instance(seed, n_scen=20, n_mat=4, budget_share=share)
    plan = size_stockpile(prob, Objective(kind, 0.75), method)
    _check_within_limits(prob, plan.quantities, plan.costs)
    assert plan.risk_after <= plan.risk_before * (1 + 1e-9) + 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), draw=st.integers(0, 10_000))
def test_exact_beats_random_feasible_plans(seed: int, draw: int) -> None:
    prob = random_instance(seed, n_scen=20, n_mat=4)
    plan = size_stockpile(prob)
    rng = np.random.default_rng(draw)
    upper = np.minimum(prob.upper_bounds, 1e4)
    x = rng.uniform(0, 1, 4) * upper
    cost = sum(c.cost(float(q)) for c, q in zip(prob.curves, x, strict=True))
    if cost > prob.budget:
        x = x * prob.budget / cost
    loss = prob.sample.scenario_weights @ scenario_losses(prob.sample, prob.limits.holdings + x)
    assert plan.risk_after <= loss * (1 + 1e-9) + 1e-9


def test_plan_exports() -> None:
    plan = size_stockpile(_hand_problem())
    data = json.loads(plan.to_json())
    assert data["objective"] == "expected"
    assert [m["material"] for m in data["materials"]] == ["A", "B"]
    assert data["total_cost_usd"] == pytest.approx(20.0)
    csv_text = plan.to_csv()
    assert csv_text.splitlines()[0].startswith("material,unit,holdings,quantity")
    assert len(csv_text.strip().splitlines()) == 3
    text = PlanTable.of(plan).to_text()  # the table the CLI prints
    assert "B" in text and "budget $20" in text


def test_cutting_plane_medium_instance_agrees_with_lp() -> None:
    # 30 materials with price-impact tranches and caps: the master LP must stay well scaled
    prob = random_instance(7, n_scen=300, n_mat=30, budget_share=0.2)
    obj = Objective(ObjectiveKind.CVAR, 0.9)
    cp = size_stockpile(prob, obj, SizingMethod.CUTTING_PLANE)
    lp = size_stockpile(prob, obj, SizingMethod.LP)
    assert cp.risk_after == pytest.approx(lp.risk_after, rel=1e-6)
    assert cp.iterations < 500
    assert cp.budget_shadow_price == pytest.approx(lp.budget_shadow_price, rel=1e-3)


def test_tied_ratios_split_the_budget() -> None:
    # two materials with the same value per dollar: any split is optimal, spend it all
    gaps = np.full((2, 2, 1), 10.0)
    sample = ShortfallSample.uniform(["A", "B"], gaps, unit_prices=[1.0, 2.0], class_weights=[1.0])
    curves = (PriceCurve.flat(1.0), PriceCurve.flat(2.0))
    prob = SizingProblem(sample, 12.0, curves, MaterialLimits.none(2))
    plan = size_stockpile(prob)
    assert plan.total_cost == pytest.approx(12.0)
    assert plan.risk_after == pytest.approx(30.0 - 12.0)
    assert plan.budget_shadow_price == pytest.approx(1.0)
    lp = size_stockpile(prob, Objective(), SizingMethod.LP)
    assert lp.risk_after == pytest.approx(plan.risk_after)
