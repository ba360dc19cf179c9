"""The planner's one solver interface: ``solve(problem) -> Solution`` over HiGHS (``highspy``).

:class:`LinearProblem` holds ``min c @ x`` subject to ``A_ub x <= b_ub``, ``A_eq x = b_eq``,
``lower <= x <= upper`` and optional integrality (a MILP); :func:`solve` returns a
:class:`Solution` with a :class:`SolveStatus`, the primal values, the objective and the row duals
(``d objective / d rhs``: non-positive for binding ``<=`` rows of a minimisation; empty for a
MILP). :class:`IncrementalModel` is the same model kept alive in HiGHS for master problems that
grow by rows and are re-solved warm (cutting planes); it returns the same :class:`Solution`.
"""

from __future__ import annotations

import enum
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["IncrementalModel", "LinearProblem", "Solution", "SolveStatus", "solve"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class SolveStatus(enum.Enum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


@dataclass(frozen=True)
class Solution:
    """Result of :func:`solve`.

    Attributes
    ----------
    status : SolveStatus
        Outcome.
    x : ndarray
        Primal values (empty unless optimal).
    objective : float
        Objective value (NaN unless optimal).
    duals_ub, duals_eq : ndarray
        Row duals of the inequality and equality rows (empty for a MILP or unless optimal).
    message : str
        The solver's status text.
    """

    status: SolveStatus
    x: FloatArray
    objective: float
    duals_ub: FloatArray
    duals_eq: FloatArray
    message: str


def _empty() -> sp.csr_array:
    return sp.csr_array((0, 0))


@dataclass(frozen=True)
class LinearProblem:
    """``min c @ x`` s.t. ``A_ub x <= b_ub``, ``A_eq x = b_eq``, ``lower <= x <= upper``.

    Parameters
    ----------
    c : ndarray, shape (n,)
        Objective coefficients.
    a_ub, b_ub : sparse array (m_ub, n), ndarray (m_ub,)
        Inequality rows (may have zero rows).
    a_eq, b_eq : sparse array (m_eq, n), ndarray (m_eq,)
        Equality rows (may have zero rows).
    lower, upper : ndarray, shape (n,)
        Variable bounds (``-inf`` / ``inf`` allowed).
    integer : ndarray of bool, shape (n,), optional
        Integer variables (a MILP when any).
    """

    c: FloatArray
    lower: FloatArray
    upper: FloatArray
    a_ub: Any = field(default_factory=_empty)
    b_ub: FloatArray = field(default_factory=lambda: np.zeros(0))
    a_eq: Any = field(default_factory=_empty)
    b_eq: FloatArray = field(default_factory=lambda: np.zeros(0))
    integer: NDArray[np.bool_] | None = None

    @property
    def n(self) -> int:
        """Number of variables."""
        return int(self.c.shape[0])


def _new_highs(highspy: Any) -> Any:
    """A ``highspy.Highs`` instance; its one-off start-up banner is kept off standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _rows(h: Any, a: Any, n: int, lower: FloatArray, upper: FloatArray) -> None:
    csr = sp.csr_array(a, shape=(a.shape[0], n))
    csr.sum_duplicates()
    if csr.shape[0] == 0:
        return
    h.addRows(
        csr.shape[0],
        np.asarray(lower, dtype=np.float64),
        np.asarray(upper, dtype=np.float64),
        csr.nnz,
        csr.indptr[:-1].astype(np.int32),
        csr.indices.astype(np.int32),
        csr.data.astype(np.float64),
    )


def _highs(tight: bool) -> tuple[Any, Any]:
    import highspy

    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    if tight:
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    return highspy, h


def _status(highspy: Any, h: Any) -> SolveStatus:
    s = h.getModelStatus()
    kinds = highspy.HighsModelStatus
    if s == kinds.kOptimal:
        return SolveStatus.OPTIMAL
    if s == kinds.kInfeasible:
        return SolveStatus.INFEASIBLE
    if s in (kinds.kUnbounded, kinds.kUnboundedOrInfeasible):
        return SolveStatus.UNBOUNDED
    return SolveStatus.ERROR


def _solution(highspy: Any, h: Any, n_ub: int, mip: bool) -> Solution:
    status = _status(highspy, h)
    message = h.modelStatusToString(h.getModelStatus())
    if status is not SolveStatus.OPTIMAL:
        empty = np.zeros(0)
        return Solution(status, empty, float("nan"), empty, empty, message)
    sol = h.getSolution()
    rows = np.zeros(0) if mip else np.asarray(sol.row_dual, dtype=np.float64)
    return Solution(
        status,
        np.asarray(sol.col_value, dtype=np.float64),
        float(h.getInfo().objective_function_value),
        rows[:n_ub],
        rows[n_ub:],
        message,
    )


def solve(problem: LinearProblem, *, mip_rel_gap: float = 1e-9) -> Solution:
    """Solve an LP or MILP with HiGHS.

    Parameters
    ----------
    problem : LinearProblem
        The model.
    mip_rel_gap : float
        Relative optimality gap of a MILP [-].
    """
    highspy, h = _highs(tight=False)
    n = problem.n
    h.addCols(
        n,
        np.asarray(problem.c, dtype=np.float64),
        np.asarray(problem.lower, dtype=np.float64),
        np.asarray(problem.upper, dtype=np.float64),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    n_ub = int(problem.a_ub.shape[0])
    _rows(h, problem.a_ub, n, np.full(n_ub, -np.inf), problem.b_ub)
    _rows(h, problem.a_eq, n, problem.b_eq, problem.b_eq)
    integer = problem.integer
    mip = integer is not None and bool(np.any(integer))
    if integer is not None and mip:
        idx = np.flatnonzero(integer).astype(np.int32)
        h.changeColsIntegrality(
            idx.size, idx, np.full(idx.size, highspy.HighsVarType.kInteger, dtype=object)
        )
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.run()
    return _solution(highspy, h, n_ub, mip)


class IncrementalModel:
    """An LP kept in HiGHS, grown by inequality rows and re-solved warm (cutting planes).

    Parameters
    ----------
    problem : LinearProblem
        The initial model (no integer variables).
    """

    def __init__(self, problem: LinearProblem) -> None:
        self._hs, self.h = _highs(tight=True)
        # cuts are nearly parallel and the stopping test is relative 1e-8: tight tolerances
        self.n_var = problem.n
        self.h.addCols(
            problem.n,
            np.asarray(problem.c, dtype=np.float64),
            np.asarray(problem.lower, dtype=np.float64),
            np.asarray(problem.upper, dtype=np.float64),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.n_ub = int(problem.a_ub.shape[0])
        _rows(self.h, problem.a_ub, problem.n, np.full(self.n_ub, -np.inf), problem.b_ub)
        _rows(self.h, problem.a_eq, problem.n, problem.b_eq, problem.b_eq)

    def add_dense_rows(self, cols: IntArray, coeffs: FloatArray, upper: FloatArray) -> None:
        """Append rows ``coeffs @ x[cols] <= upper`` (``coeffs`` of shape (k, len(cols)))."""
        k = coeffs.shape[0]
        rows = np.repeat(np.arange(k), cols.size)
        a = sp.csr_array((coeffs.ravel(), (rows, np.tile(cols, k))), shape=(k, self.n_var))
        _rows(self.h, a, self.n_var, np.full(k, -np.inf), upper)

    def set_bounds(self, cols: IntArray, lower: FloatArray, upper: FloatArray) -> None:
        """Change the bounds of columns ``cols``."""
        self.h.changeColsBounds(
            cols.size,
            cols.astype(np.int32),
            np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
        )

    def solve(self) -> Solution:
        """Run HiGHS warm from the previous basis (once more from scratch if it stalls).

        The duals returned are of all rows (the initial inequality rows first, then the
        equality rows, then the added rows) in ``duals_ub``.
        """
        self.h.run()
        if _status(self._hs, self.h) is not SolveStatus.OPTIMAL:
            # a warm start can stall on a degenerate basis: retry from scratch once
            self.h.clearSolver()
            self.h.run()
        return _solution(self._hs, self.h, 10**12, mip=False)
