"""Robust sizing: the dominant supplier answers our stockpile with export controls.

The supplier picks a set of candidate measures (each removes some of our supply of some
materials and costs it, e.g., lost export revenue), within a cost budget and/or a maximum
number of measures, to maximise our weighted unmet demand value *after seeing our stock*.
We choose purchases to minimise that worst case (a Stackelberg min-max problem):

``min_x max_(a in A) L(h + x, a)``, with
``L(y, a) = sum_m price_m sum_k d_k max(0, C_mk - S_m + cut_m(a) - y_m)``

with ``C_mk`` cumulative priority demand, ``S_m`` supply without new measures and
``cut_m(a) = sum_j a_j cut_jm``. Each response ``a`` is one scenario of a worst-case sizing
problem, so the finite-set version is the epigraph LP of :mod:`stockpile.plan.lp`. For
combinatorial sets, constraint generation alternates the master (worst case over the responses
found so far) with the supplier's best response to the master's plan, a small MILP
(HiGHS through :func:`stockpile.plan.solver.solve`) with one binary per measure and per
(material, class) hinge.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from stockpile.plan.errors import PlanInputError, SolverError
from stockpile.plan.problem import (
    MaterialLimits,
    Objective,
    ObjectiveKind,
    PriceCurve,
    ShortfallSample,
    SizingProblem,
    check_finite_nonnegative,
)
from stockpile.plan.result import SizingMethod, SizingPlan, assemble_plan
from stockpile.plan.sizing import size_stockpile
from stockpile.plan.solver import LinearProblem, SolveStatus, solve
from stockpile.plan.value import hinge_weights

__all__ = [
    "RobustMethod",
    "RobustPlan",
    "SupplierGame",
    "SupplierMeasure",
    "SupplierResponse",
    "best_response",
    "best_response_by_enumeration",
    "feasible_responses",
    "response_loss",
    "responses_sample",
    "robust_size",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SupplierMeasure:
    """One export control the supplier may impose.

    Parameters
    ----------
    name : str
        Label (e.g. ``"ban antimony to U.S."``).
    cuts : ndarray, shape (M,)
        Our supply lost over the horizon if imposed [material unit].
    cost : float
        Cost to the supplier, e.g. lost export revenue [USD].
    note : str
        How ``cuts`` and ``cost`` were derived.
    """

    name: str
    cuts: FloatArray
    cost: float
    note: str = ""


@dataclass(frozen=True)
class SupplierGame:
    """The supplier's options and what is at stake.

    Parameters
    ----------
    supplier : str
        Supplier country (ISO3) or name.
    materials, units : tuple of str
        Materials and units of account.
    demand : ndarray, shape (M, K)
        Priority demand over the horizon, classes in release order [material unit].
    supply : ndarray, shape (M,)
        Supply available without new measures [material unit].
    measures : tuple of SupplierMeasure
        Candidate measures.
    class_names : tuple of str
        Priority classes.
    class_weights : ndarray, shape (K,)
        Non-increasing class weights [-].
    unit_prices : ndarray, shape (M,)
        Valuation prices [USD/material unit].
    measure_budget : float
        Largest total cost the supplier accepts [USD] (``inf``: none).
    max_measures : int or None
        Largest number of measures (None: none).
    """

    supplier: str
    materials: tuple[str, ...]
    units: tuple[str, ...]
    demand: FloatArray
    supply: FloatArray
    measures: tuple[SupplierMeasure, ...]
    class_names: tuple[str, ...]
    class_weights: FloatArray
    unit_prices: FloatArray
    measure_budget: float = math.inf
    max_measures: int | None = None

    def __post_init__(self) -> None:
        m = len(self.materials)
        demand = np.asarray(self.demand, dtype=np.float64)
        if demand.ndim != 2 or demand.shape[0] != m:
            raise PlanInputError("demand", f"expected shape ({m}, K), got {demand.shape}")
        check_finite_nonnegative(demand, "demand")
        supply = np.asarray(self.supply, dtype=np.float64)
        if supply.shape != (m,):
            raise PlanInputError("supply", f"expected {m} values, got {supply.shape}")
        check_finite_nonnegative(supply, "supply")
        object.__setattr__(self, "demand", demand)
        object.__setattr__(self, "supply", supply)
        if not self.measures:
            raise PlanInputError("measures", "the supplier needs at least one candidate measure")
        for meas in self.measures:
            cuts = np.asarray(meas.cuts, dtype=np.float64)
            if cuts.shape != (m,):
                raise PlanInputError(f"measures[{meas.name}].cuts", f"expected {m} values")
            check_finite_nonnegative(cuts, f"measures[{meas.name}].cuts")
            if not meas.cost >= 0:
                raise PlanInputError(f"measures[{meas.name}].cost", f"must be >= 0: {meas.cost}")
        total = self.cut_matrix.sum(axis=0)
        over = total > supply * (1 + 1e-12)
        if over.any():
            i = int(np.argmax(over))
            raise PlanInputError(
                "measures",
                f"together the measures cut {total[i]:g} {self.units[i]} of {self.materials[i]}, "
                f"more than its supply {supply[i]:g}",
            )
        if self.max_measures is not None and self.max_measures < 0:
            raise PlanInputError("max_measures", f"must be >= 0, got {self.max_measures}")
        if math.isnan(self.measure_budget) or self.measure_budget < 0:
            raise PlanInputError("measure_budget", f"must be >= 0, got {self.measure_budget}")

    @property
    def cut_matrix(self) -> FloatArray:
        """Cuts of every measure, shape (J, M) [material unit]."""
        return np.array([np.asarray(ms.cuts, dtype=np.float64) for ms in self.measures])

    @property
    def costs(self) -> FloatArray:
        """Cost of every measure to the supplier, shape (J,) [USD]."""
        return np.array([float(ms.cost) for ms in self.measures])

    def feasible(self, mask: BoolArray) -> bool:
        """Whether a set of measures respects the supplier's budget and count limit."""
        if self.max_measures is not None and int(mask.sum()) > self.max_measures:
            return False
        return bool(float(self.costs @ mask) <= self.measure_budget * (1 + 1e-12))


@dataclass(frozen=True)
class SupplierResponse:
    """A set of measures and its effect.

    Attributes
    ----------
    measures : tuple of str
        Names of the measures imposed.
    mask : tuple of bool
        Which candidate measures are imposed.
    cost : float
        Cost to the supplier [USD].
    value : float
        Our weighted unmet demand value under it [USD].
    """

    measures: tuple[str, ...]
    mask: tuple[bool, ...]
    cost: float
    value: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        return {"measures": list(self.measures), "cost_usd": self.cost, "value_usd": self.value}


class RobustMethod(enum.Enum):
    """How the min-max problem was solved."""

    EPIGRAPH = "epigraph LP over all feasible responses"
    CONSTRAINT_GENERATION = "constraint generation (master LP + best-response MILP)"


def _response_gaps(game: SupplierGame, masks: BoolArray) -> FloatArray:
    cum_demand = np.cumsum(game.demand, axis=1)  # (M, K)
    avail = game.supply[None, :] - masks.astype(np.float64) @ game.cut_matrix  # (R, M)
    cum_gap = np.maximum(cum_demand[None, :, :] - avail[:, :, None], 0.0)
    return np.diff(cum_gap, axis=2, prepend=0.0)


def responses_sample(game: SupplierGame, masks: BoolArray) -> ShortfallSample:
    """Turn responses (rows of ``masks``, shape (R, J)) into an equally weighted sample."""
    masks = np.atleast_2d(np.asarray(masks, dtype=bool))
    names = tuple(
        "+".join(ms.name for ms, on in zip(game.measures, row, strict=False) if on)
        or "no new measure"
        for row in masks
    )
    r = masks.shape[0]
    return ShortfallSample(
        materials=game.materials,
        gaps=_response_gaps(game, masks),
        class_names=game.class_names,
        class_weights=game.class_weights,
        scenario_weights=np.full(r, 1.0 / r),
        unit_prices=game.unit_prices,
        units=game.units,
        scenario_names=names,
    )


def response_loss(game: SupplierGame, stock: FloatArray, mask: BoolArray) -> float:
    """Our weighted unmet demand value [USD] with ``stock`` [unit] under response ``mask``."""
    cum_demand = np.cumsum(game.demand, axis=1)
    avail = game.supply - mask.astype(np.float64) @ game.cut_matrix
    d = hinge_weights(np.asarray(game.class_weights, dtype=np.float64))
    excess = np.maximum(cum_demand - avail[:, None] - stock[:, None], 0.0)
    return float((excess @ d) @ game.unit_prices)


def _make_response(game: SupplierGame, stock: FloatArray, mask: BoolArray) -> SupplierResponse:
    return SupplierResponse(
        measures=tuple(ms.name for ms, on in zip(game.measures, mask, strict=False) if on),
        mask=tuple(bool(v) for v in mask),
        cost=float(game.costs @ mask),
        value=response_loss(game, stock, mask),
    )


def feasible_responses(game: SupplierGame, limit: int = 2**20) -> BoolArray:
    """Every feasible set of measures (rows), including the empty set, shape (R, J).

    Raises :class:`PlanInputError` when there are more than ``limit`` subsets to check.
    """
    j = len(game.measures)
    if 2**j > limit:
        raise PlanInputError(
            "measures", f"{j} measures give 2^{j} subsets, over the enumeration limit {limit}"
        )
    codes = np.arange(2**j, dtype=np.int64)
    masks = ((codes[:, None] >> np.arange(j, dtype=np.int64)[None, :]) & 1).astype(bool)
    ok = masks.astype(np.float64) @ game.costs <= game.measure_budget * (1 + 1e-12)
    if game.max_measures is not None:
        ok &= masks.sum(axis=1) <= game.max_measures
    return np.asarray(masks[ok], dtype=bool)


def best_response_by_enumeration(game: SupplierGame, stock: FloatArray) -> SupplierResponse:
    """The supplier's best response by checking every feasible set (small sets only)."""
    masks = feasible_responses(game)
    values = [response_loss(game, stock, row) for row in masks]
    return _make_response(game, stock, masks[int(np.argmax(values))])


def best_response(game: SupplierGame, stock: FloatArray) -> SupplierResponse:
    """The supplier's best response to our ``stock`` [unit, shape (M,)] as a MILP.

    Variables: ``a_j`` (binary, measure imposed), and per affected (material, class) hinge a
    binary ``z`` and ``v <= e + cut(a) + M1 (1 - z)``, ``v <= U z``, so that
    ``v = max(0, e + cut(a))`` at the maximum.
    """
    cut = game.cut_matrix  # (J, M)
    j_n, m_n = cut.shape
    cum_demand = np.cumsum(game.demand, axis=1)
    d = hinge_weights(np.asarray(game.class_weights, dtype=np.float64))
    e = cum_demand - game.supply[:, None] - stock[:, None]  # (M, K)
    affected = cut.sum(axis=0) > 0
    pairs = [(mi, ki) for mi in range(m_n) for ki in range(d.size) if affected[mi] and d[ki] > 0]
    n_p = len(pairs)
    n_var = j_n + 2 * n_p  # a, z, v
    c = np.zeros(n_var)
    rows: list[FloatArray] = []
    lo: list[float] = []
    hi: list[float] = []
    for p, (mi, ki) in enumerate(pairs):
        total_cut = float(cut[:, mi].sum())
        upper = max(0.0, e[mi, ki]) + total_cut
        big = upper - e[mi, ki]
        z, v = j_n + p, j_n + n_p + p
        c[v] = -game.unit_prices[mi] * d[ki]
        r1 = np.zeros(n_var)
        r1[v] = 1.0
        r1[:j_n] = -cut[:, mi]
        r1[z] = big
        rows.append(r1)
        lo.append(-np.inf)
        hi.append(float(e[mi, ki] + big))
        r2 = np.zeros(n_var)
        r2[v] = 1.0
        r2[z] = -upper
        rows.append(r2)
        lo.append(-np.inf)
        hi.append(0.0)
    if math.isfinite(game.measure_budget):
        r = np.zeros(n_var)
        r[:j_n] = game.costs
        rows.append(r)
        lo.append(-np.inf)
        hi.append(float(game.measure_budget))
    if game.max_measures is not None:
        r = np.zeros(n_var)
        r[:j_n] = 1.0
        rows.append(r)
        lo.append(-np.inf)
        hi.append(float(game.max_measures))
    integrality = np.concatenate((np.ones(j_n + n_p), np.zeros(n_p)))
    upper_b = np.concatenate((np.ones(j_n + n_p), np.full(n_p, np.inf)))
    del lo  # every row is an upper bound
    a_ub = sp.csr_array(np.array(rows)) if rows else sp.csr_array((0, n_var))
    res = solve(
        LinearProblem(
            c=c,
            lower=np.zeros(n_var),
            upper=upper_b,
            a_ub=a_ub,
            b_ub=np.array(hi),
            integer=integrality > 0,
        ),
        mip_rel_gap=1e-9,
    )
    if res.status is not SolveStatus.OPTIMAL:
        raise SolverError(f"best-response MILP failed: {res.message}")
    mask = np.asarray(res.x[:j_n] > 0.5, dtype=bool)
    return _make_response(game, stock, mask)


@dataclass(frozen=True)
class RobustPlan:
    """Our robust plan, the supplier's best response to it, and the same for the naive plan.

    Attributes
    ----------
    plan : SizingPlan
        Robust purchases (evaluated over the responses considered).
    response : SupplierResponse
        Supplier's best response to ``plan``.
    naive_plan : SizingPlan
        Plan sized as if the supplier imposed no new measure.
    naive_response : SupplierResponse
        Supplier's best response to ``naive_plan``.
    method : RobustMethod
        Solution method.
    iterations : int
        Master problems solved.
    responses_considered : int
        Responses in the final master problem.
    naive_label : str
        What the comparison plan is: the expected-value plan of the same budget when one was
        given, else the plan sized as if no new measure came.
    unmet_worst_before, unmet_worst_after : ndarray, shape (M, K)
        Unmet demand per material and class [unit] under the supplier's best response to the
        robust plan, without and with its purchases (these reconcile with the quantities).
    unmet_worst_naive : ndarray, shape (M, K)
        Unmet demand under the supplier's best response to the comparison plan [unit].
    """

    plan: SizingPlan
    response: SupplierResponse
    naive_plan: SizingPlan
    naive_response: SupplierResponse
    method: RobustMethod
    iterations: int
    responses_considered: int
    naive_label: str = "naive plan (no supplier answer)"
    unmet_worst_before: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    unmet_worst_after: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    unmet_worst_naive: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def value_of_robustness(self) -> float:
        """Worst-case value saved by the robust plan over the comparison plan [USD]."""
        return self.naive_response.value - self.response.value

    def material_rows(self) -> list[dict[str, object]]:
        """Per material: quantities of both plans and unmet demand under the worst response
        (reconciles with the quantities) beside the plain average over responses [unit]."""
        rows: list[dict[str, object]] = []
        p, n = self.plan, self.naive_plan
        for i, mat in enumerate(p.materials):
            rec: dict[str, object] = {
                "material": mat,
                "unit": p.units[i],
                "robust_quantity": float(p.quantities[i]),
                "comparison_quantity": float(n.quantities[i]),
            }
            for k, cls in enumerate(p.class_names):
                if self.unmet_worst_after.size:
                    rec[f"unmet_worst_before_{cls}"] = float(self.unmet_worst_before[i, k])
                    rec[f"unmet_worst_after_{cls}"] = float(self.unmet_worst_after[i, k])
                    rec[f"unmet_worst_comparison_{cls}"] = float(self.unmet_worst_naive[i, k])
                rec[f"unmet_average_after_{cls}"] = float(p.unmet_after[i, k])
            rows.append(rec)
        return rows

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        return {
            "method": self.method.value,
            "iterations": self.iterations,
            "responses_considered": self.responses_considered,
            "robust_plan": self.plan.to_dict(),
            "supplier_best_response": self.response.to_dict(),
            "naive_plan": self.naive_plan.to_dict(),
            "supplier_best_response_to_naive": self.naive_response.to_dict(),
            "comparison": self.naive_label,
            "value_of_robustness_usd": self.value_of_robustness,
            "materials": self.material_rows(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)


def _unmet_under(game: SupplierGame, mask: BoolArray, stock: FloatArray) -> FloatArray:
    """Unmet demand per material and class under one response [unit], shape (M, K)."""
    gaps = _response_gaps(game, np.asarray(mask, dtype=bool)[None, :])[0]
    cum = np.cumsum(gaps, axis=1)
    return np.asarray(np.clip(cum - stock[:, None], 0.0, gaps), dtype=np.float64)


def _worst_case_problem(
    game: SupplierGame,
    masks: BoolArray,
    budget: float,
    curves: tuple[PriceCurve, ...],
    limits: MaterialLimits,
) -> SizingProblem:
    return SizingProblem(responses_sample(game, masks), budget, curves, limits)


def robust_size(
    game: SupplierGame,
    budget: float,
    curves: tuple[PriceCurve, ...],
    limits: MaterialLimits,
    method: RobustMethod | None = None,
    *,
    rtol: float = 1e-9,
    max_iterations: int = 200,
    baseline: FloatArray | None = None,
    baseline_label: str = "expected-value plan of the same budget",
) -> RobustPlan:
    """Size purchases against the supplier's best response.

    Parameters
    ----------
    game : SupplierGame
        Demand, supply and the supplier's candidate measures.
    budget : float
        Our budget [USD].
    curves : tuple of PriceCurve
        Purchase price curves.
    limits : MaterialLimits
        Holdings and caps.
    method : RobustMethod, optional
        Epigraph LP over every feasible response (default when there are at most 12
        measures) or constraint generation.
    rtol : float
        Constraint generation stops when the best response gains at most ``rtol`` relative.
    max_iterations : int
        Give up (:class:`SolverError`) after this many masters.
    baseline : ndarray, shape (M,), optional
        Purchases of the plan to compare with [unit], e.g. the expected-value plan of the same
        budget over the simulated scenarios; default the plan sized as if no new measure came.
    baseline_label : str
        Name of ``baseline`` in the report.
    """
    j = len(game.measures)
    if method is None:
        method = RobustMethod.EPIGRAPH if j <= 12 else RobustMethod.CONSTRAINT_GENERATION
    worst = Objective(ObjectiveKind.WORST)
    none = np.zeros((1, j), dtype=bool)
    label = "naive plan (no supplier answer)"
    if baseline is None:
        naive = size_stockpile(
            _worst_case_problem(game, none, budget, curves, limits), worst, SizingMethod.LP
        )
    else:
        x0 = np.asarray(baseline, dtype=np.float64)
        if x0.shape != (len(game.materials),):
            raise PlanInputError("baseline", f"expected {len(game.materials)} quantities")
        naive = assemble_plan(
            _worst_case_problem(game, none, budget, curves, limits),
            worst,
            x0,
            method=SizingMethod.EXACT,
            shadow_price=0.0,
            solve_seconds=0.0,
            clip_to_need=False,
        )
        label = baseline_label
    naive_resp = best_response(game, limits.holdings + naive.quantities)

    def finish(plan: SizingPlan, resp: SupplierResponse, it: int, considered: int) -> RobustPlan:
        mask = np.array(resp.mask, dtype=bool)
        return RobustPlan(
            plan,
            resp,
            naive,
            naive_resp,
            method,
            it,
            considered,
            label,
            _unmet_under(game, mask, limits.holdings),
            _unmet_under(game, mask, limits.holdings + plan.quantities),
            _unmet_under(
                game, np.array(naive_resp.mask, dtype=bool), limits.holdings + naive.quantities
            ),
        )

    if method is RobustMethod.EPIGRAPH:
        masks = feasible_responses(game)
        big = masks.shape[0] * len(game.materials) > 20_000
        plan = size_stockpile(
            _worst_case_problem(game, masks, budget, curves, limits),
            worst,
            SizingMethod.CUTTING_PLANE if big else SizingMethod.LP,
        )
        resp = best_response(game, limits.holdings + plan.quantities)
        return finish(plan, resp, 1, masks.shape[0])
    masks = np.vstack((none, np.array(naive_resp.mask, dtype=bool)[None, :]))
    for it in range(1, max_iterations + 1):
        plan = size_stockpile(
            _worst_case_problem(game, masks, budget, curves, limits), worst, SizingMethod.LP
        )
        resp = best_response(game, limits.holdings + plan.quantities)
        if resp.value <= plan.risk_after + rtol * max(1.0, plan.risk_after):
            return finish(plan, resp, it, masks.shape[0])
        new = np.array(resp.mask, dtype=bool)
        if (masks == new).all(axis=1).any():
            raise SolverError("constraint generation repeated a response without converging")
        masks = np.vstack((masks, new[None, :]))
    raise SolverError(f"constraint generation did not converge in {max_iterations} iterations")
