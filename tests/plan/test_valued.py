"""Valued shortfall: cost + risk objective, by hand and across methods; marginal values."""

from __future__ import annotations

import numpy as np
import pytest

from stockpile.plan import (
    LimitStatus,
    MaterialLimits,
    Objective,
    ObjectiveKind,
    PlanInputError,
    PriceCurve,
    ShortfallSample,
    SizingMethod,
    SizingProblem,
    size_stockpile,
)

from .conftest import random_instance


def _one(value_per_unit: float, budget: float = 1e6, cap: float = np.inf) -> SizingProblem:
    # two equally likely scenarios, gaps 10 and 20 units, one class, price 1 USD/unit
    sample = ShortfallSample.uniform(
        ["m"], np.array([[[10.0]], [[20.0]]]), unit_prices=[1.0], class_weights=[1.0]
    )
    sample = ShortfallSample(
        sample.materials,
        sample.gaps,
        sample.class_names,
        sample.class_weights,
        sample.scenario_weights,
        sample.unit_prices,
        sample.units,
        class_values=np.array([[value_per_unit]]),
    )
    limits = MaterialLimits(np.zeros(1), np.array([cap]), np.full(1, np.inf), np.full(1, np.inf))
    return SizingProblem(sample, budget, (PriceCurve.flat(1.0),), limits)


def test_cost_weighed_stops_where_a_dollar_no_longer_avoids_a_dollar() -> None:
    obj = Objective(weigh_cost=True)
    # value 3/unit: the 10..20 interval avoids 1.5 per dollar -> buy 20
    assert size_stockpile(_one(3.0), obj).quantities[0] == pytest.approx(20.0)
    # value 1.5/unit: 10..20 avoids 0.75 per dollar -> stop at 10
    plan = size_stockpile(_one(1.5), obj)
    assert plan.quantities[0] == pytest.approx(10.0)
    assert plan.limits[0] is LimitStatus.WORTH
    assert plan.budget_shadow_price == 0.0
    assert plan.marginal_value_per_dollar[0] == pytest.approx(0.75)
    # objective = cost 10 + expected loss 0.5 * 10 * 1.5
    assert plan.objective_after == pytest.approx(10.0 + 7.5)
    # the plain objective covers the worst scenario whatever it costs
    assert size_stockpile(_one(1.5)).quantities[0] == pytest.approx(20.0)


def test_binding_budget_and_cap_shadow_prices_by_hand() -> None:
    obj = Objective(weigh_cost=True)
    plan = size_stockpile(_one(3.0, budget=5.0), obj)
    # the last dollar avoids 3 of loss and costs 1: the budget is worth 2 per dollar
    assert plan.quantities[0] == pytest.approx(5.0)
    assert plan.budget_shadow_price == pytest.approx(2.0)
    capped = size_stockpile(_one(3.0, cap=15.0), obj)
    assert capped.limits[0] is LimitStatus.SPEND_CAP
    # at 15 units the next dollar avoids 1.5 and costs 1 (budget slack)
    assert capped.cap_shadow_prices[0] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(6))
def test_exact_lp_and_cutting_plane_agree_with_cost(seed: int) -> None:
    problem = random_instance(seed, n_scen=30, n_mat=4, budget_share=0.8)
    obj = Objective(weigh_cost=True)
    exact = size_stockpile(problem, obj, SizingMethod.EXACT)
    lp = size_stockpile(problem, obj, SizingMethod.LP)
    cp = size_stockpile(problem, obj, SizingMethod.CUTTING_PLANE)
    scale = max(1.0, exact.objective_after)
    assert lp.objective_after == pytest.approx(exact.objective_after, abs=1e-6 * scale)
    assert cp.objective_after == pytest.approx(exact.objective_after, abs=1e-6 * scale)
    assert lp.budget_shadow_price == pytest.approx(exact.budget_shadow_price, abs=1e-6)
    # never worse than buying nothing
    assert exact.objective_after <= exact.objective_before + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_cvar_with_cost_lp_equals_cutting_plane(seed: int) -> None:
    problem = random_instance(seed, n_scen=25, n_mat=3, budget_share=0.6)
    obj = Objective(ObjectiveKind.CVAR, 0.8, weigh_cost=True)
    lp = size_stockpile(problem, obj, SizingMethod.LP)
    cp = size_stockpile(problem, obj, SizingMethod.CUTTING_PLANE)
    scale = max(1.0, lp.objective_after)
    assert cp.objective_after == pytest.approx(lp.objective_after, abs=1e-6 * scale)


def test_class_values_must_fall_with_priority() -> None:
    smp = ShortfallSample.uniform(
        ["a"], np.ones((2, 1, 2)), unit_prices=[1.0], class_weights=[2.0, 1.0]
    )
    with pytest.raises(PlanInputError, match=r"^class_values\[a\]: must be non-increasing"):
        ShortfallSample(
            smp.materials,
            smp.gaps,
            smp.class_names,
            smp.class_weights,
            smp.scenario_weights,
            smp.unit_prices,
            smp.units,
            class_values=np.array([[1.0, 2.0]]),
        )
