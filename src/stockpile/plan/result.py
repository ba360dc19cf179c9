"""The typed sizing plan: quantities, costs, cap usage, shortfall before and after.

Exportable (:meth:`SizingPlan.to_json`, :meth:`SizingPlan.to_csv`, :meth:`SizingPlan.to_dict`);
the printed table is the use case's (:meth:`stockpile.usecases.PlanTable.to_text`).
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stockpile.display import format_number
from stockpile.plan.problem import Objective, SizingProblem
from stockpile.plan.value import cumulative_gaps, evaluate_stock, loss_slopes, risk_measure

__all__ = ["LimitStatus", "SizingMethod", "SizingPlan", "assemble_plan"]

FloatArray = NDArray[np.float64]

_REL = 1e-7


class SizingMethod(enum.Enum):
    """How a plan was computed."""

    EXACT = "exact water-filling"
    LP = "extensive LP (HiGHS)"
    CUTTING_PLANE = "cutting-plane LP (HiGHS)"


class LimitStatus(enum.Enum):
    """Which limit stops a material's purchase in the plan."""

    NONE = "none"
    SPEND_CAP = "spending cap"
    QUANTITY_LIMIT = "quantity limit"
    STOCK_CEILING = "stock ceiling"
    COVERED = "no shortfall left"
    BUDGET = "budget"
    WORTH = "next dollar avoids less than a dollar of loss"


@dataclass(frozen=True)
class SizingPlan:
    """A purchase plan and what it buys.

    Attributes
    ----------
    materials, units : tuple of str
        Material keys and units of account.
    class_names : tuple of str
        Priority classes.
    objective : Objective
        Risk measure minimised.
    method : SizingMethod
        Solution method.
    budget : float
        Budget [USD].
    quantities : ndarray, shape (M,)
        Purchases [material unit].
    costs : ndarray, shape (M,)
        Cost of each purchase on its price curve [USD].
    holdings : ndarray, shape (M,)
        Stock held before the plan [material unit].
    spend_cap_usage, quantity_limit_usage : ndarray, shape (M,)
        Share of the spending cap / quantity limit used [-] (NaN when there is no cap).
    limits : tuple of LimitStatus
        What stops each purchase.
    risk_before, risk_after : float
        Objective (expected, CVaR or worst) weighted unmet demand value [USD].
    expected_before, expected_after : float
        Expected weighted unmet demand value [USD].
    material_expected_before, material_expected_after : ndarray, shape (M,)
        Expected weighted unmet demand value per material [USD].
    unmet_before, unmet_after : ndarray, shape (M, K)
        Expected unmet demand per material and class [material unit].
    budget_shadow_price : float
        Objective reduction per extra dollar of budget [USD/USD].
    solve_seconds : float
        Wall-clock solve time [s].
    iterations : int
        Cutting-plane iterations (0 for the other methods).
    cap_sources : tuple of str
        Provenance of each material's caps.
    objective_before, objective_after : float
        The minimised objective: the risk measure, plus the purchase cost when the objective
        weighs cost [USD].
    marginal_value_per_dollar : ndarray, shape (M,)
        Loss avoided by the next dollar spent on each material at the plan (risk measure's
        subgradient over the next unit's price) [USD/USD].
    cap_shadow_prices : ndarray, shape (M,)
        Objective decrease per unit of relaxation of each binding cap: per USD of a spending
        cap [USD/USD], per unit of a quantity limit or stock ceiling [USD/material unit]; NaN
        where no cap binds.
    """

    materials: tuple[str, ...]
    units: tuple[str, ...]
    class_names: tuple[str, ...]
    objective: Objective
    method: SizingMethod
    budget: float
    quantities: FloatArray
    costs: FloatArray
    holdings: FloatArray
    spend_cap_usage: FloatArray
    quantity_limit_usage: FloatArray
    limits: tuple[LimitStatus, ...]
    risk_before: float
    risk_after: float
    expected_before: float
    expected_after: float
    material_expected_before: FloatArray
    material_expected_after: FloatArray
    unmet_before: FloatArray
    unmet_after: FloatArray
    budget_shadow_price: float
    solve_seconds: float
    iterations: int
    cap_sources: tuple[str, ...]
    objective_before: float = math.nan
    objective_after: float = math.nan
    marginal_value_per_dollar: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(0))
    cap_shadow_prices: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(0))

    @property
    def total_cost(self) -> float:
        """Total spending [USD]."""
        return float(self.costs.sum())

    @property
    def risk_reduction(self) -> float:
        """Reduction of the objective [USD]."""
        return self.risk_before - self.risk_after

    @property
    def coverage_per_dollar(self) -> float:
        """Objective reduction per dollar spent [USD/USD] (0 when nothing is spent)."""
        cost = self.total_cost
        return self.risk_reduction / cost if cost > 0 else 0.0

    def rows(self) -> list[dict[str, object]]:
        """One record per material (the CSV table)."""
        out: list[dict[str, object]] = []
        for i, mat in enumerate(self.materials):
            rec: dict[str, object] = {
                "material": mat,
                "unit": self.units[i],
                "holdings": float(self.holdings[i]),
                "quantity": float(self.quantities[i]),
                "cost_usd": float(self.costs[i]),
                "spend_cap_usage": _num(self.spend_cap_usage[i]),
                "quantity_limit_usage": _num(self.quantity_limit_usage[i]),
                "limit": self.limits[i].value,
                "expected_value_before_usd": float(self.material_expected_before[i]),
                "expected_value_after_usd": float(self.material_expected_after[i]),
                "cap_source": self.cap_sources[i],
                "marginal_value_per_dollar": _num(self.marginal_value_per_dollar[i]),
                "cap_shadow_price": _num(self.cap_shadow_prices[i]),
            }
            for k, cls in enumerate(self.class_names):
                rec[f"unmet_before_{cls}"] = float(self.unmet_before[i, k])
                rec[f"unmet_after_{cls}"] = float(self.unmet_after[i, k])
            out.append(rec)
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain, JSON-ready dictionary."""
        return {
            "objective": self.objective.label(),
            "method": self.method.value,
            "budget_usd": self.budget,
            "total_cost_usd": self.total_cost,
            "risk_before_usd": self.risk_before,
            "risk_after_usd": self.risk_after,
            "risk_reduction_usd": self.risk_reduction,
            "expected_before_usd": self.expected_before,
            "expected_after_usd": self.expected_after,
            "coverage_per_dollar": self.coverage_per_dollar,
            "budget_shadow_price": self.budget_shadow_price,
            "objective_before_usd": self.objective_before,
            "objective_after_usd": self.objective_after,
            "weigh_cost": self.objective.weigh_cost,
            "solve_seconds": self.solve_seconds,
            "iterations": self.iterations,
            "class_names": list(self.class_names),
            "materials": self.rows(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_csv(self) -> str:
        """CSV text, one row per material."""
        rows = self.rows()
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()


def _n4(v: float) -> str:
    return format_number(v, significant=4)


def _num(v: float) -> float | None:
    return None if math.isnan(float(v)) else float(v)


def _close(a: float, b: float) -> bool:
    return bool(a >= b - _REL * max(1.0, abs(b)))


def assemble_plan(
    problem: SizingProblem,
    objective: Objective,
    quantities: FloatArray,
    *,
    method: SizingMethod,
    shadow_price: float,
    solve_seconds: float,
    iterations: int = 0,
    cum: FloatArray | None = None,
    clip_to_need: bool = True,
) -> SizingPlan:
    """Post-process solver quantities into a :class:`SizingPlan`.

    Quantities are clipped to their bounds; costs are recomputed on the convex price curves.
    ``cum`` is :func:`~stockpile.plan.value.cumulative_gaps` of the sample when already known.
    ``clip_to_need=False`` keeps quantities above the largest gap (a plan sized elsewhere,
    evaluated on this sample).
    """
    sample = problem.sample
    lim = problem.limits
    upper = problem.upper_bounds
    # beyond the largest cumulative gap of any scenario a unit has no value in any scenario
    cum = cumulative_gaps(sample.gaps) if cum is None else cum
    need = np.maximum(cum[:, :, -1].max(axis=0) - lim.holdings, 0.0)  # [unit]
    top = np.minimum(upper, need) if clip_to_need else upper
    x = np.clip(np.asarray(quantities, dtype=np.float64), 0.0, top)
    costs = np.array([c.cost(float(q)) for c, q in zip(problem.curves, x, strict=False)])
    # solver tolerances: pull back onto the exact caps and budget (cost is convex, C(0) = 0)
    over_cap = costs > lim.spend_caps
    for i in (int(v) for v in np.flatnonzero(over_cap)):
        x[i] = min(x[i], problem.curves[i].quantity_for_spend(float(lim.spend_caps[i])))
        costs[i] = problem.curves[i].cost(float(x[i]))
    if costs.sum() > problem.budget:
        x = x * (problem.budget / float(costs.sum()))
        costs = np.array([c.cost(float(q)) for c, q in zip(problem.curves, x, strict=False)])
    with np.errstate(divide="ignore", invalid="ignore"):
        cap_use = np.where(np.isfinite(lim.spend_caps), costs / lim.spend_caps, np.nan)
        room = np.minimum(lim.quantity_limits, lim.max_stock - lim.holdings)
        qty_use = np.where(np.isfinite(room), x / room, np.nan)
    before_stock = lim.holdings
    after_stock = lim.holdings + x
    eval_b = evaluate_stock(sample, before_stock, cum)
    eval_a = evaluate_stock(sample, after_stock, cum)
    loss_b = eval_b.material_losses.sum(axis=1)
    loss_a = eval_a.material_losses.sum(axis=1)
    probs = sample.scenario_weights
    mat_b = probs @ eval_b.material_losses
    mat_a = probs @ eval_a.material_losses
    unmet_b = eval_b.expected_unmet
    unmet_a = eval_a.expected_unmet
    max_need = need
    statuses: list[LimitStatus] = []
    for i in range(len(sample.materials)):
        if _close(x[i], max_need[i]):
            statuses.append(LimitStatus.COVERED)
        elif np.isfinite(lim.spend_caps[i]) and _close(costs[i], lim.spend_caps[i]):
            statuses.append(LimitStatus.SPEND_CAP)
        elif np.isfinite(lim.quantity_limits[i]) and _close(x[i], lim.quantity_limits[i]):
            statuses.append(LimitStatus.QUANTITY_LIMIT)
        elif np.isfinite(lim.max_stock[i]) and _close(after_stock[i], lim.max_stock[i]):
            statuses.append(LimitStatus.STOCK_CEILING)
        elif _close(float(costs.sum()), problem.budget):
            statuses.append(LimitStatus.BUDGET)
        else:
            statuses.append(LimitStatus.NONE)
    risk_b = risk_measure(loss_b, probs, objective)
    risk_a = risk_measure(loss_a, probs, objective)
    cost_term = float(costs.sum()) if objective.weigh_cost else 0.0
    # marginal loss avoided per dollar at the plan: subgradient of the risk measure (its
    # scenario weights) times each material's loss slope, over the next unit's price
    slopes = loss_slopes(sample, after_stock)  # (S, M) [USD/unit]
    mv = -(risk_a.weights @ slopes)  # [USD/unit]
    next_price = np.array(
        [
            c.prices[min(int(np.searchsorted(c.edges[1:], q, side="right")), c.prices.size - 1)]
            for c, q in zip(problem.curves, x, strict=True)
        ]
    )
    mvpd = mv / next_price
    floor = 1.0 if objective.weigh_cost else 0.0
    if objective.weigh_cost:
        statuses = [LimitStatus.WORTH if st is LimitStatus.NONE else st for st in statuses]
    lam = max(0.0, float(shadow_price)) + floor  # value per dollar of the marginal dollar
    cap_shadow = np.full(x.size, np.nan)
    for i, st in enumerate(statuses):
        if st is LimitStatus.SPEND_CAP:
            cap_shadow[i] = max(0.0, float(mvpd[i]) - lam)
        elif st in (LimitStatus.QUANTITY_LIMIT, LimitStatus.STOCK_CEILING):
            cap_shadow[i] = max(0.0, float(mv[i] - next_price[i] * lam))
    return SizingPlan(
        materials=sample.materials,
        units=sample.units,
        class_names=sample.class_names,
        objective=objective,
        method=method,
        budget=problem.budget,
        quantities=x,
        costs=costs,
        holdings=lim.holdings,
        spend_cap_usage=cap_use,
        quantity_limit_usage=qty_use,
        limits=tuple(statuses),
        risk_before=risk_b.value,
        risk_after=risk_a.value,
        expected_before=float(probs @ loss_b),
        expected_after=float(probs @ loss_a),
        material_expected_before=np.asarray(mat_b, dtype=np.float64),
        material_expected_after=np.asarray(mat_a, dtype=np.float64),
        unmet_before=np.asarray(unmet_b, dtype=np.float64),
        unmet_after=np.asarray(unmet_a, dtype=np.float64),
        budget_shadow_price=max(0.0, float(shadow_price)),
        solve_seconds=solve_seconds,
        iterations=iterations,
        cap_sources=lim.sources,
        objective_before=risk_b.value,
        objective_after=risk_a.value + cost_term,
        marginal_value_per_dollar=np.asarray(mvpd, dtype=np.float64),
        cap_shadow_prices=cap_shadow,
    )
