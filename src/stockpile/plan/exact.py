"""Exact separable solution of expected-shortfall sizing: marginal value per dollar.

For the expected objective the problem separates by material. Material m's expected loss
``F_m(x) = sum_(s,k) p_s d_mk max(0, c_smk - h_m - x)`` is convex piecewise linear;
its marginal value ``-F_m'(x)`` is the weight of the breakpoints above ``x`` (a step function
read off the sorted scenario gaps). The purchase cost is convex piecewise linear. Cutting the
axis at every breakpoint and tranche edge gives intervals whose marginal value per dollar is
non-increasing, so the optimum buys, across all materials, every interval whose ratio exceeds
a threshold ``lambda*`` and part of those at ``lambda*`` (a continuous knapsack). ``lambda*``
is found by bisection over the bit patterns of positive floats (exact: it ends on two adjacent
floats) and is the shadow price of the budget [USD of value per USD]. When the purchase cost is
weighed against the loss (``weigh_cost``), intervals are bought only above a ratio of 1: with a
slack budget buying stops where a dollar no longer avoids a dollar of loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.problem import PriceCurve, SizingProblem
from stockpile.plan.value import cumulative_gaps

__all__ = ["WaterFill", "water_fill"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class _Ladder:
    """Intervals of one material in increasing quantity, with non-increasing ratio."""

    ratio: FloatArray  # [USD value / USD]
    cum_cost: FloatArray  # cost of buying the first i intervals, length n+1 [USD]
    cum_len: FloatArray  # quantity of the first i intervals, length n+1 [unit]


@dataclass(frozen=True)
class WaterFill:
    """Result of :func:`water_fill`.

    Attributes
    ----------
    quantities : ndarray, shape (M,)
        Optimal purchases [material unit].
    threshold : float
        Marginal value per dollar of the last dollar spent when the budget binds; else the
        floor (0, or 1 when cost is weighed) [USD/USD].
    budget_binding : bool
        Whether all the budget is spent.
    floor : float
        Smallest value per dollar worth buying: 0 for the plain objective, 1 when the
        purchase cost is weighed against the loss avoided [USD/USD].
    """

    quantities: FloatArray
    threshold: float
    budget_binding: bool
    floor: float = 0.0

    @property
    def shadow_price(self) -> float:
        """Objective decrease per extra dollar of budget [USD/USD] (threshold - floor)."""
        return max(0.0, self.threshold - self.floor) if self.budget_binding else 0.0


def _ladder(
    cum: FloatArray,
    weight: FloatArray,
    holdings: float,
    upper: float,
    curve: PriceCurve,
) -> _Ladder:
    """Build the ratio ladder of one material from its flattened breakpoints."""
    b = cum - holdings
    keep = (b > 0) & (weight > 0)
    b = b[keep]
    a = weight[keep]
    top = min(upper, float(b.max())) if b.size else 0.0
    if top <= 0:
        empty = np.zeros(0)
        return _Ladder(empty, np.zeros(1), np.zeros(1))
    order = np.argsort(b)
    b = b[order]
    a = a[order]
    suffix = np.concatenate((np.cumsum(a[::-1])[::-1], [0.0]))
    edges = curve.edges[1:-1]
    cuts = np.concatenate(([0.0], b[b < top], edges[edges < top], [top]))
    cuts.sort(kind="stable")
    left = cuts[:-1]
    length = np.diff(cuts)
    mv = suffix[np.searchsorted(b, left, side="right")]
    price = curve.prices[np.searchsorted(curve.edges[1:], left, side="right")]
    ratio = mv / price
    cost = length * price
    return _Ladder(
        ratio,
        np.concatenate(([0.0], np.cumsum(cost))),
        np.concatenate(([0.0], np.cumsum(length))),
    )


def _spend_above(ladders: list[_Ladder], lam: float) -> float:
    """Cost of every interval whose ratio is strictly above ``lam`` [USD]."""
    total = 0.0
    for lad in ladders:
        n = int(np.searchsorted(-lad.ratio, -lam, side="left"))
        total += float(lad.cum_cost[n])
    return total


def water_fill(
    problem: SizingProblem, cum: FloatArray | None = None, *, weigh_cost: bool = False
) -> WaterFill:
    """Solve expected-value sizing exactly (any budget, caps, limits, holdings, price curves).

    Parameters
    ----------
    problem : SizingProblem
        The instance; the objective is the expected valued shortfall [USD].
    cum : ndarray, optional
        :func:`~stockpile.plan.value.cumulative_gaps` of the sample, when already computed.
    weigh_cost : bool
        Minimise cost + expected valued shortfall: buy only intervals whose value per dollar
        exceeds 1 (and, when the budget binds, the threshold).

    Returns
    -------
    WaterFill
        Optimal quantities and the budget's shadow price.
    """
    sample = problem.sample
    _, m, _ = sample.shape
    cum = cumulative_gaps(sample.gaps) if cum is None else cum
    c = np.ascontiguousarray(cum.transpose(1, 0, 2))  # (M, S, K)
    hinge = sample.hinges  # (M, K)
    upper = problem.upper_bounds
    probs = sample.scenario_weights[:, None]  # (S, 1)
    ladders: list[_Ladder] = []
    for i in range(m):
        weight = (probs * hinge[i][None, :]).ravel()
        ladders.append(
            _ladder(
                c[i].ravel(),
                weight,
                float(problem.limits.holdings[i]),
                float(upper[i]),
                problem.curves[i],
            )
        )
    budget = problem.budget
    floor = 1.0 if weigh_cost else 0.0
    if _spend_above(ladders, floor) <= budget:
        qty = np.array(
            [lad.cum_len[int(np.count_nonzero(lad.ratio > floor))] for lad in ladders],
            dtype=np.float64,
        )
        return WaterFill(qty, floor, False, floor)
    top = max(float(lad.ratio[0]) for lad in ladders if lad.ratio.size)
    lo = int(np.float64(floor).view(np.int64))  # spend above the floor exceeds the budget
    hi = int(np.float64(top).view(np.int64))  # nothing is strictly above the top ratio
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lam_mid = float(np.int64(mid).view(np.float64))
        if _spend_above(ladders, lam_mid) <= budget:
            hi = mid
        else:
            lo = mid
    lam = float(np.int64(hi).view(np.float64))
    spent = 0.0
    qty = np.zeros(m)
    tied_cost = 0.0
    tied: list[tuple[int, int, int]] = []
    for i, lad in enumerate(ladders):
        n_gt = int(np.searchsorted(-lad.ratio, -lam, side="left"))
        n_ge = int(np.searchsorted(-lad.ratio, -lam, side="right"))
        spent += float(lad.cum_cost[n_gt])
        qty[i] = lad.cum_len[n_gt]
        if n_ge > n_gt:
            tied.append((i, n_gt, n_ge))
            tied_cost += float(lad.cum_cost[n_ge] - lad.cum_cost[n_gt])
    share = min(1.0, max(0.0, (budget - spent) / tied_cost)) if tied_cost > 0 else 0.0
    for i, n_gt, n_ge in tied:
        lad = ladders[i]
        block_cost = lad.cum_cost[n_gt : n_ge + 1] - lad.cum_cost[n_gt]
        block_len = lad.cum_len[n_gt : n_ge + 1] - lad.cum_len[n_gt]
        qty[i] += float(np.interp(share * block_cost[-1], block_cost, block_len))
    return WaterFill(qty, lam, True, floor)
