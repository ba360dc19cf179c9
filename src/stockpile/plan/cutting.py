"""CVaR and worst-case sizing by a cutting-plane (L-shaped / Kelley) method.

The objective ``f(x) = rho(L(h + x))`` (``rho`` = CVaR, worst case or expectation of the
scenario losses) is convex and polyhedral in the M purchase quantities. A small master LP
over the purchase variables and one epigraph variable ``theta`` is refined with cuts

``theta >= f(x_k) + g_k . (x - x_k)``,  ``g_k = sum_s q_s dL_s/dx`` (``q`` the dual scenario
weights of ``rho`` at ``x_k``),

until the best value found and the master's lower bound agree to a relative tolerance. Each
iteration costs one pass over the S x M x K scenario gaps and one master LP with M tranche
blocks and as many rows as cuts: the scenario dimension never enters the LP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.errors import SolverError
from stockpile.plan.exact import water_fill
from stockpile.plan.lp import LinearProgram, to_problem
from stockpile.plan.problem import Objective, SizingProblem
from stockpile.plan.solver import IncrementalModel, SolveStatus
from stockpile.plan.value import cumulative_gaps, risk_measure

__all__ = ["CuttingPlaneResult", "solve_cutting_plane"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CuttingPlaneResult:
    """Result of :func:`solve_cutting_plane`.

    Attributes
    ----------
    quantities : ndarray, shape (M,)
        Best purchases found [material unit].
    value : float
        Objective at ``quantities`` [USD].
    lower_bound : float
        Master LP bound [USD]; ``value - lower_bound`` is the remaining gap.
    shadow_price : float
        Budget dual of the last master LP [USD/USD].
    iterations : int
        Number of master LPs solved.
    """

    quantities: FloatArray
    value: float
    lower_bound: float
    shadow_price: float
    iterations: int


class _Oracle:
    """Objective value and subgradient at a purchase vector (one pass over the gaps)."""

    def __init__(self, problem: SizingProblem, objective: Objective) -> None:
        sample = problem.sample
        self.cum = cumulative_gaps(sample.gaps)
        self.hinge = sample.hinges  # (M, K)
        self.holdings = problem.limits.holdings
        self.probs = sample.scenario_weights
        self.objective = objective

    def __call__(self, x: FloatArray) -> tuple[float, FloatArray]:
        y = self.holdings + x
        excess = self.cum - y[None, :, None]
        losses = (np.maximum(excess, 0.0) * self.hinge[None, :, :]).sum(axis=(1, 2))
        risk = risk_measure(losses, self.probs, self.objective)
        tail = np.flatnonzero(risk.weights > 0)
        active = ((excess[tail] > 0) * self.hinge[None, :, :]).sum(axis=2)  # (T, M)
        grad = -(risk.weights[tail] @ active)
        return risk.value, np.asarray(grad, dtype=np.float64)


class _MasterSolution:
    """Master solution in problem units: quantities [unit], objective [USD], budget dual."""

    def __init__(self, x: FloatArray, objective: float, shadow: float) -> None:
        self.x = x
        self.objective = objective
        self.shadow = shadow


class _ScaledMaster:
    """The master LP in scaled variables, kept in ``highspy`` and warm-started.

    Quantities are in units of their span (``x = span u``, tranches likewise), the epigraph
    variable in units of ``scale`` [USD], the budget row is divided by the budget and each cap
    row by its cap, so every coefficient is of order one: unscaled, HiGHS's simplex can stall
    for hundreds of thousands of iterations on the nearly parallel cuts.
    """

    def __init__(
        self, problem: SizingProblem, span: FloatArray, scale: float, weigh_cost: bool = False
    ) -> None:
        m = span.size
        self.unit = np.where(span > 1e-9, span, 1.0)
        self.span = span
        self.scale = scale
        self.budget = max(problem.budget, 1.0)
        lp = LinearProgram()
        widths = [c.widths / self.unit[i] for i, c in enumerate(problem.curves)]
        prices = [c.prices * self.unit[i] for i, c in enumerate(problem.curves)]
        n_tr = np.array([w.size for w in widths], dtype=np.int64)
        nz = int(n_tr.sum())
        z0 = lp.add_vars("z", nz, np.zeros(nz), np.concatenate(widths))
        u0 = lp.add_vars("u", m, 0.0, span / self.unit)
        theta = lp.add_vars("theta", 1, 0.0, np.inf)
        lp.set_cost(np.array([theta]), np.array([1.0]))
        owner = np.repeat(np.arange(m, dtype=np.int64), n_tr)
        zcols = z0 + np.arange(nz, dtype=np.int64)
        lp.add_eq(
            "u",
            np.concatenate((np.arange(m, dtype=np.int64), owner)),
            np.concatenate((u0 + np.arange(m, dtype=np.int64), zcols)),
            np.concatenate((np.ones(m), -np.ones(nz))),
            np.zeros(m),
        )
        p_all = np.concatenate(prices)
        if weigh_cost:  # objective theta + purchase cost, in units of ``scale``
            lp.set_cost(zcols, p_all / scale)
        lp.add_ub(
            "budget",
            np.zeros(nz, dtype=np.int64),
            zcols,
            p_all / self.budget,
            np.array([problem.budget / self.budget]),
        )
        caps = problem.limits.spend_caps
        capped = np.flatnonzero(np.isfinite(caps) & (caps > 0))
        if capped.size:
            sel = np.isin(owner, capped)
            lp.add_ub(
                "caps",
                np.searchsorted(capped, owner[sel]),
                zcols[sel],
                p_all[sel] / caps[owner[sel]],
                np.ones(capped.size),
            )
        self.u_cols = u0 + np.arange(m, dtype=np.int64)
        self.cut_cols = np.append(self.u_cols, theta)
        self.budget_row = lp.row_blocks["budget"].start
        self.model = IncrementalModel(to_problem(lp))

    def add_cut(self, f: float, g: FloatArray, x: FloatArray) -> None:
        """Add ``theta >= f + g . (x' - x)`` [USD]."""
        row = np.append(g * self.unit / self.scale, -1.0)
        self.model.add_dense_rows(self.cut_cols, row[None, :], np.array([(g @ x - f) / self.scale]))

    def set_box(self, lower: FloatArray, upper: FloatArray) -> None:
        """Bounds on the quantities [unit]."""
        self.model.set_bounds(self.u_cols, lower / self.unit, upper / self.unit)

    def solve(self) -> _MasterSolution:
        """Solve (warm start) and return the solution in problem units."""
        sol = self.model.solve()
        if sol.status is not SolveStatus.OPTIMAL:
            raise SolverError(f"HiGHS did not find an optimum: {sol.message}")
        x = sol.x[self.u_cols] * self.unit
        dual = abs(float(sol.duals_ub[self.budget_row]))
        return _MasterSolution(x, sol.objective * self.scale, dual * self.scale / self.budget)


def solve_cutting_plane(
    problem: SizingProblem,
    objective: Objective,
    *,
    rtol: float = 1e-8,
    max_iterations: int = 2000,
) -> CuttingPlaneResult:
    """Minimise CVaR / worst-case / expected weighted unmet demand value by cutting planes.

    Parameters
    ----------
    problem : SizingProblem
        The instance.
    objective : Objective
        The risk measure.
    rtol : float
        Stop when ``(best - bound) <= rtol * max(best, 1)`` [-].
    max_iterations : int
        Give up (:class:`SolverError`) after this many master LPs.
    """
    oracle = _Oracle(problem, objective)
    sample = problem.sample
    # beyond the largest cumulative gap, or what the budget buys, a unit is worth nothing
    need = np.maximum(sample.gaps.sum(axis=2).max(axis=0) - problem.limits.holdings, 0.0)
    afford = np.array([c.quantity_for_spend(problem.budget) for c in problem.curves])
    span = np.minimum(np.minimum(problem.upper_bounds, need), afford)
    f_zero, g_zero = oracle(np.zeros(span.size))
    master = _ScaledMaster(problem, span, max(f_zero, 1.0), objective.weigh_cost)

    def add_cut(x: FloatArray) -> float:
        f, g = oracle(x)
        master.add_cut(f, g, x)
        if objective.weigh_cost:
            f += sum(c.cost(float(q)) for c, q in zip(problem.curves, x, strict=True))
        return f

    # trust region (box) around the incumbent, Linderoth-Wright style; the final bound is
    # always checked on the master without the box, so the stopping test is exact
    master.add_cut(f_zero, g_zero, np.zeros(span.size))
    center = np.minimum(water_fill(problem, weigh_cost=objective.weigh_cost).quantities, span)
    f_center = add_cut(center)
    if f_zero < f_center:
        center, f_center = np.zeros(span.size), f_zero
    radius = 0.1
    nulls = 0
    lower = 0.0
    shadow = 0.0
    for it in range(1, max_iterations + 1):
        half = radius * span
        master.set_box(np.maximum(center - half, 0.0), np.minimum(center + half, span))
        sol = master.solve()
        tol = rtol * max(f_center, 1.0)
        if f_center - sol.objective <= tol or radius >= 1.0:
            master.set_box(np.zeros(span.size), span)
            full = master.solve()
            lower = max(lower, full.objective)
            shadow = full.shadow
            if f_center - lower <= tol:
                return CuttingPlaneResult(center, f_center, lower, shadow, it)
            if radius >= 1.0:
                sol = full
            else:
                radius = min(1.0, 2.0 * radius)
                continue
        x_new = np.clip(sol.x, 0.0, span)
        predicted = f_center - sol.objective
        f_new = add_cut(x_new)
        gain = f_center - f_new
        if gain >= 0.1 * predicted:
            on_edge = bool(np.any(np.abs(x_new - center) >= 0.999 * half))
            center, f_center, nulls = x_new, f_new, 0
            if on_edge and gain >= 0.5 * predicted:
                radius = min(1.0, 2.0 * radius)
        else:
            nulls += 1
            if nulls >= 3:
                radius, nulls = max(radius * 0.5, 1e-9), 0
    raise SolverError(
        f"cutting plane did not converge in {max_iterations} iterations "
        f"(best {f_center:.6g}, bound {lower:.6g})"
    )
