"""Orchestrator: size purchases under a budget and return a :class:`SizingPlan`."""

from __future__ import annotations

import time

from stockpile.plan.cutting import solve_cutting_plane
from stockpile.plan.errors import PlanInputError
from stockpile.plan.exact import water_fill
from stockpile.plan.lp import solve_sizing_lp
from stockpile.plan.problem import Objective, ObjectiveKind, SizingProblem
from stockpile.plan.result import SizingMethod, SizingPlan, assemble_plan
from stockpile.plan.value import cumulative_gaps

__all__ = ["size_stockpile"]


def size_stockpile(
    problem: SizingProblem,
    objective: Objective | None = None,
    method: SizingMethod | None = None,
) -> SizingPlan:
    """Choose purchases ``x >= 0`` minimising a risk measure of weighted unmet demand value.

    Parameters
    ----------
    problem : SizingProblem
        Sample, budget [USD], price curves and limits.
    objective : Objective, optional
        Expected (default), CVaR or worst case.
    method : SizingMethod, optional
        ``EXACT`` (water-filling; expected objective only), ``LP`` (extensive form, the
        cross-check at small sizes) or ``CUTTING_PLANE``. By default: exact for the expected
        objective, cutting plane otherwise.

    Returns
    -------
    SizingPlan
        Quantities, costs, cap usage, shortfall before/after and the budget's shadow price.
    """
    obj = objective or Objective()
    if method is None:
        method = (
            SizingMethod.EXACT if obj.kind is ObjectiveKind.EXPECTED else SizingMethod.CUTTING_PLANE
        )
    n_scen = problem.sample.shape[0]
    bad = [i for i in obj.scenarios if not 0 <= i < n_scen]
    if bad:
        raise PlanInputError("objective.scenarios", f"indices {bad} outside 0..{n_scen - 1}")
    start = time.perf_counter()
    iterations = 0
    cum = None
    if method is SizingMethod.EXACT:
        if obj.kind is not ObjectiveKind.EXPECTED:
            raise PlanInputError(
                "method",
                f"exact water-filling solves the expected objective only, not {obj.label()}",
            )
        cum = cumulative_gaps(problem.sample.gaps)
        wf = water_fill(problem, cum, weigh_cost=obj.weigh_cost)
        x, shadow = wf.quantities, wf.shadow_price
    elif method is SizingMethod.LP:
        x, shadow = solve_sizing_lp(problem, obj)
    else:
        cp = solve_cutting_plane(problem, obj)
        x, shadow, iterations = cp.quantities, cp.shadow_price, cp.iterations
    elapsed = time.perf_counter() - start
    return assemble_plan(
        problem,
        obj,
        x,
        method=method,
        shadow_price=shadow,
        solve_seconds=elapsed,
        iterations=iterations,
        cum=cum,
    )
