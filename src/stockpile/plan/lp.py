"""The general sizing problem as one extensive-form LP, solved by HiGHS.

Built in small steps (create -> solve -> assign):
:func:`define_purchases` (tranche variables ``z_mj``, quantities ``x_m = sum_j z_mj``, budget,
spending caps, quantity limits), :func:`define_shortfall` (hinge variables
``t_smk >= c_smk - h_m - x_m``), :func:`define_objective` (expected, CVaR via
Rockafellar-Uryasev, or worst case by an epigraph variable), then :func:`solve_lp` (the
planner's one solver interface, :func:`stockpile.plan.solver.solve`).
The LP holds one variable per scenario, material and class: use it as the cross-check at small
sizes and :mod:`stockpile.plan.cutting` for large CVaR / worst-case problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from stockpile.plan.errors import SolverError
from stockpile.plan.problem import Objective, ObjectiveKind, SizingProblem
from stockpile.plan.solver import LinearProblem, Solution, SolveStatus, solve
from stockpile.plan.value import cumulative_gaps

__all__ = [
    "LinearProgram",
    "build_sizing_lp",
    "define_objective",
    "define_purchases",
    "define_shortfall",
    "solve_lp",
    "solve_sizing_lp",
    "to_problem",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class LinearProgram:
    """A minimisation LP assembled row block by row block (mutable while being built).

    ``min c @ v`` subject to ``A_ub v <= b_ub``, ``A_eq v = b_eq``, ``lo <= v <= hi``.
    """

    n_var: int = 0
    cost: list[FloatArray] = field(default_factory=list)
    lo: list[FloatArray] = field(default_factory=list)
    hi: list[FloatArray] = field(default_factory=list)
    ub_rows: list[IntArray] = field(default_factory=list)
    ub_cols: list[IntArray] = field(default_factory=list)
    ub_vals: list[FloatArray] = field(default_factory=list)
    ub_rhs: list[FloatArray] = field(default_factory=list)
    eq_rows: list[IntArray] = field(default_factory=list)
    eq_cols: list[IntArray] = field(default_factory=list)
    eq_vals: list[FloatArray] = field(default_factory=list)
    eq_rhs: list[FloatArray] = field(default_factory=list)
    n_ub: int = 0
    n_eq: int = 0
    blocks: dict[str, slice] = field(default_factory=dict)
    row_blocks: dict[str, slice] = field(default_factory=dict)

    def add_vars(self, name: str, n: int, lo: float | FloatArray, hi: float | FloatArray) -> int:
        """Append ``n`` variables (zero cost) and return the index of the first."""
        start = self.n_var
        self.cost.append(np.zeros(n))
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy())
        self.n_var += n
        self.blocks[name] = slice(start, start + n)
        return start

    def set_cost(self, cols: IntArray, vals: FloatArray) -> None:
        """Add ``vals`` to the objective coefficients of ``cols``."""
        full = np.zeros(self.n_var)
        np.add.at(full, cols, vals)
        self.cost = [np.concatenate(self.cost) + full]

    def add_ub(
        self, name: str, rows: IntArray, cols: IntArray, vals: FloatArray, rhs: FloatArray
    ) -> None:
        """Append inequality rows ``A v <= rhs`` given in local row numbers ``rows``."""
        self.ub_rows.append(rows + self.n_ub)
        self.ub_cols.append(cols)
        self.ub_vals.append(vals)
        self.ub_rhs.append(rhs)
        self.row_blocks[name] = slice(self.n_ub, self.n_ub + rhs.shape[0])
        self.n_ub += rhs.shape[0]

    def add_eq(
        self, name: str, rows: IntArray, cols: IntArray, vals: FloatArray, rhs: FloatArray
    ) -> None:
        """Append equality rows ``A v = rhs``."""
        self.eq_rows.append(rows + self.n_eq)
        self.eq_cols.append(cols)
        self.eq_vals.append(vals)
        self.eq_rhs.append(rhs)
        self.n_eq += rhs.shape[0]


def _ar(n: int) -> IntArray:
    return np.arange(n, dtype=np.int64)


def define_purchases(lp: LinearProgram, problem: SizingProblem) -> None:
    """Tranche variables, quantities, budget, spending caps and quantity limits."""
    _, m, _ = problem.sample.shape
    lim = problem.limits
    widths = [c.widths for c in problem.curves]
    prices = [c.prices for c in problem.curves]
    n_tr = np.array([w.size for w in widths], dtype=np.int64)
    z0 = lp.add_vars("z", int(n_tr.sum()), np.zeros(int(n_tr.sum())), np.concatenate(widths))
    qty_room = np.minimum(lim.quantity_limits, lim.max_stock - lim.holdings)
    x0 = lp.add_vars("x", m, 0.0, qty_room)
    owner = np.repeat(_ar(m), n_tr)
    zcols = z0 + _ar(int(n_tr.sum()))
    # x_m - sum_j z_mj = 0
    lp.add_eq(
        "x",
        np.concatenate((_ar(m), owner)),
        np.concatenate((x0 + _ar(m), zcols)),
        np.concatenate((np.ones(m), -np.ones(zcols.size))),
        np.zeros(m),
    )
    p_all = np.concatenate(prices)
    lp.add_ub(
        "budget", np.zeros(zcols.size, dtype=np.int64), zcols, p_all, np.array([problem.budget])
    )
    capped = np.flatnonzero(np.isfinite(lim.spend_caps))
    if capped.size:
        sel = np.isin(owner, capped)
        local = np.searchsorted(capped, owner[sel])
        lp.add_ub("spend_caps", local, zcols[sel], p_all[sel], lim.spend_caps[capped])


def define_shortfall(lp: LinearProgram, problem: SizingProblem) -> tuple[IntArray, FloatArray]:
    """Hinge variables ``t >= c - h - x`` for breakpoints above holdings.

    Returns
    -------
    scen : ndarray of int
        Scenario index of each hinge variable.
    value : ndarray
        Value weight ``d_mk`` (:attr:`ShortfallSample.hinges`) of each hinge variable
        [USD/unit].
    """
    sample = problem.sample
    _s, _m, _k = sample.shape
    c = cumulative_gaps(sample.gaps)
    hinge = sample.hinges
    rhs = c - problem.limits.holdings[None, :, None]
    keep = (rhs > 0) & (hinge[None, :, :] > 0)
    si, mi, ki = np.nonzero(keep)
    n = si.size
    t0 = lp.add_vars("t", n, 0.0, np.inf)
    x0 = lp.blocks["x"].start
    rows = np.concatenate((_ar(n), _ar(n)))
    cols = np.concatenate((t0 + _ar(n), x0 + mi))
    lp.add_ub("hinge", rows, cols, -np.ones(2 * n), -rhs[si, mi, ki])
    return si.astype(np.int64), hinge[mi, ki].astype(np.float64)


def define_objective(
    lp: LinearProgram,
    problem: SizingProblem,
    objective: Objective,
    scen: IntArray,
    value: FloatArray,
) -> None:
    """Expected value, CVaR (``eta + sum p xi / (1 - alpha)``) or worst case (epigraph), plus
    the purchase cost ``sum_mj price_mj z_mj`` when ``objective.weigh_cost``."""
    sample = problem.sample
    s = sample.shape[0]
    t0 = lp.blocks["t"].start
    tcols = t0 + _ar(scen.size)
    probs = sample.scenario_weights
    if objective.weigh_cost:
        zb = lp.blocks["z"]
        lp.set_cost(
            _ar(zb.stop - zb.start) + zb.start, np.concatenate([c.prices for c in problem.curves])
        )
    if objective.kind is ObjectiveKind.EXPECTED:
        lp.set_cost(tcols, probs[scen] * value)
        return
    if objective.kind is ObjectiveKind.CVAR:
        eta = lp.add_vars("eta", 1, -np.inf, np.inf)
        xi0 = lp.add_vars("xi", s, 0.0, np.inf)
        # sum value t_s - eta - xi_s <= 0
        rows = np.concatenate((scen, _ar(s), _ar(s)))
        cols = np.concatenate((tcols, np.full(s, eta), xi0 + _ar(s)))
        vals = np.concatenate((value, -np.ones(s), -np.ones(s)))
        lp.add_ub("cvar", rows, cols, vals, np.zeros(s))
        lp.set_cost(
            np.concatenate(([eta], xi0 + _ar(s))),
            np.concatenate(([1.0], probs / (1.0 - objective.alpha))),
        )
        return
    pool = np.array(objective.scenarios, dtype=np.int64) if objective.scenarios else _ar(s)
    zeta = lp.add_vars("zeta", 1, 0.0, np.inf)
    local = np.full(s, -1, dtype=np.int64)
    local[pool] = _ar(pool.size)
    sel = local[scen] >= 0
    rows = np.concatenate((local[scen][sel], _ar(pool.size)))
    cols = np.concatenate((tcols[sel], np.full(pool.size, zeta)))
    vals = np.concatenate((value[sel], -np.ones(pool.size)))
    lp.add_ub("worst", rows, cols, vals, np.zeros(pool.size))
    lp.set_cost(np.array([zeta]), np.array([1.0]))


def to_problem(lp: LinearProgram) -> LinearProblem:
    """The assembled model as a :class:`~stockpile.plan.solver.LinearProblem`."""
    c = np.concatenate(lp.cost) if lp.cost else np.zeros(0)
    if c.size < lp.n_var:
        c = np.concatenate((c, np.zeros(lp.n_var - c.size)))

    def matrix(
        vals: list[FloatArray], rows: list[IntArray], cols: list[IntArray], n_rows: int
    ) -> sp.csr_array:
        if not n_rows:
            return sp.csr_array((0, lp.n_var))
        return sp.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows, lp.n_var),
        )

    return LinearProblem(
        c=c,
        lower=np.concatenate(lp.lo),
        upper=np.concatenate(lp.hi),
        a_ub=matrix(lp.ub_vals, lp.ub_rows, lp.ub_cols, lp.n_ub),
        b_ub=np.concatenate(lp.ub_rhs) if lp.n_ub else np.zeros(0),
        a_eq=matrix(lp.eq_vals, lp.eq_rows, lp.eq_cols, lp.n_eq),
        b_eq=np.concatenate(lp.eq_rhs) if lp.n_eq else np.zeros(0),
    )


def solve_lp(lp: LinearProgram) -> Solution:
    """Solve with HiGHS through :func:`stockpile.plan.solver.solve`."""
    sol = solve(to_problem(lp))
    if sol.status is not SolveStatus.OPTIMAL:
        raise SolverError(f"HiGHS did not find an optimum: {sol.message}")
    return sol


def build_sizing_lp(problem: SizingProblem, objective: Objective) -> LinearProgram:
    """Create the extensive-form sizing LP (create step)."""
    lp = LinearProgram()
    define_purchases(lp, problem)
    scen, value = define_shortfall(lp, problem)
    define_objective(lp, problem, objective, scen, value)
    return lp


def solve_sizing_lp(problem: SizingProblem, objective: Objective) -> tuple[FloatArray, float]:
    """Create, solve and assign: optimal quantities [unit] and the budget's shadow price.

    Returns
    -------
    quantities : ndarray, shape (M,)
        Purchases [material unit].
    shadow_price : float
        Decrease of the objective per extra dollar of budget [USD/USD].
    """
    lp = build_sizing_lp(problem, objective)
    sol = solve_lp(lp)
    x = np.clip(sol.x[lp.blocks["x"]], 0.0, None)
    budget_row = lp.row_blocks["budget"].start
    return x, float(-sol.duals_ub[budget_row])
