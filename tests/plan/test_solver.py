"""The one solver interface: statuses, primal values, duals, integer variables."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from stockpile.plan.solver import IncrementalModel, LinearProblem, SolveStatus, solve


def _lp(b: float = 4.0) -> LinearProblem:
    # min -x - 2y  s.t.  x + y <= b,  y <= 3,  x, y >= 0
    return LinearProblem(
        c=np.array([-1.0, -2.0]),
        lower=np.zeros(2),
        upper=np.full(2, np.inf),
        a_ub=sp.csr_array(np.array([[1.0, 1.0], [0.0, 1.0]])),
        b_ub=np.array([b, 3.0]),
    )


def test_lp_by_hand_with_duals() -> None:
    sol = solve(_lp())
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.x == pytest.approx([1.0, 3.0])
    assert sol.objective == pytest.approx(-7.0)
    # d objective / d rhs: one more unit of the first row is worth -1, of the second -1
    assert sol.duals_ub == pytest.approx([-1.0, -1.0])
    assert solve(_lp(5.0)).objective - sol.objective == pytest.approx(sol.duals_ub[0])


def test_infeasible_and_unbounded() -> None:
    bad = LinearProblem(
        c=np.array([1.0]),
        lower=np.array([2.0]),
        upper=np.array([np.inf]),
        a_ub=sp.csr_array(np.array([[1.0]])),
        b_ub=np.array([1.0]),
    )
    assert solve(bad).status is SolveStatus.INFEASIBLE
    free = LinearProblem(c=np.array([-1.0]), lower=np.zeros(1), upper=np.array([np.inf]))
    assert solve(free).status is SolveStatus.UNBOUNDED


def test_integer_variables() -> None:
    # max x + y  s.t.  2x + 2y <= 3, x, y integer in [0, 1]
    p = LinearProblem(
        c=np.array([-1.0, -1.0]),
        lower=np.zeros(2),
        upper=np.ones(2),
        a_ub=sp.csr_array(np.array([[2.0, 2.0]])),
        b_ub=np.array([3.0]),
        integer=np.array([True, True]),
    )
    sol = solve(p)
    assert sol.status is SolveStatus.OPTIMAL and sol.objective == pytest.approx(-1.0)
    assert sol.duals_ub.size == 0


def test_incremental_model_grows_by_rows() -> None:
    model = IncrementalModel(_lp())
    assert model.solve().objective == pytest.approx(-7.0)
    model.add_dense_rows(np.array([0, 1], dtype=np.int64), np.array([[0.0, 1.0]]), np.array([2.0]))
    assert model.solve().objective == pytest.approx(-6.0)
    model.set_bounds(np.array([0], dtype=np.int64), np.zeros(1), np.ones(1))
    assert model.solve().x == pytest.approx([1.0, 2.0])
