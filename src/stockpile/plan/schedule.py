"""Multi-year procurement: turn target quantities into a U.S. fiscal-year schedule.

Decision ``q_mf >= 0``: quantity of material m ordered in fiscal year f (U.S. FY f runs from
1 October of year f - 1 to 30 September of year f). Constraints: the targets are met
(``sum_f q_mf = target_m``); the Annual Materials Plan limit and the pacing limit
(``q_mf <= share * world production_m``) bound each year; cumulative spending never exceeds
cumulative funds (the Transaction Fund is available until spent; per-year funds when
``carry_over`` is off); contract value between its guaranteed minimum and its ceiling.
Objective: earliest deliveries, ``min sum price_m (f + lead_m / 12) q_mf``.

When the limits are too tight the LP is re-solved with elastic slacks and the error names the
constraints that have to give (:class:`~stockpile.plan.errors.InfeasiblePlanError`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from stockpile.plan.errors import InfeasiblePlanError, PlanInputError, SolverError
from stockpile.plan.problem import check_finite_nonnegative
from stockpile.plan.solver import LinearProblem, SolveStatus, solve

__all__ = [
    "ProcurementSchedule",
    "ScheduleLine",
    "ScheduleProblem",
    "add_months",
    "fiscal_year",
    "fiscal_year_start",
    "schedule_procurement",
]

FloatArray = NDArray[np.float64]


def fiscal_year(day: date) -> int:
    """U.S. federal fiscal year of ``day`` (FY2026 = 1 Oct 2025 - 30 Sep 2026)."""
    return day.year + 1 if day.month >= 10 else day.year


def fiscal_year_start(fy: int) -> date:
    """First day of U.S. fiscal year ``fy`` (1 October of ``fy - 1``)."""
    return date(fy - 1, 10, 1)


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months later (day of month clipped to 28)."""
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, min(day.day, 28))


def _arr(value: object, name: str, m: int, *, allow_inf: bool = False) -> FloatArray:
    arr = np.array(value, dtype=np.float64).reshape(-1)
    if arr.shape != (m,):
        raise PlanInputError(name, f"expected {m} values, got {arr.shape[0]}")
    check_finite_nonnegative(arr, name, allow_inf=allow_inf)
    return arr


@dataclass(frozen=True)
class ScheduleProblem:
    """Targets, money and limits for a procurement schedule.

    Parameters
    ----------
    materials, units : tuple of str
        Materials and units of account.
    targets : ndarray, shape (M,)
        Quantity to acquire over the horizon [material unit].
    unit_prices : ndarray, shape (M,)
        Contract unit price [USD/material unit].
    fiscal_years : tuple of int
        Consecutive fiscal years of the horizon (e.g. 2026 ... 2030).
    funds : ndarray, shape (F,)
        New money available in each fiscal year [USD].
    annual_limits : ndarray, shape (M,)
        Annual Materials Plan maximum acquisition per FY [material unit] (``inf``: none).
    contract_min, contract_ceiling : ndarray, shape (M,)
        Guaranteed minimum and ceiling of each material's contract [USD].
    lead_months : ndarray, shape (M,)
        Delivery lead time after the order [month].
    world_production : ndarray, shape (M,)
        World production per year, for the pacing limit [material unit/yr] (NaN: unknown).
    pacing_share : float
        Largest share of world production bought per FY [-] (``inf``: no pacing limit).
    carry_over : bool
        Unspent funds stay available in later years (the NDS Transaction Fund does).
    """

    materials: tuple[str, ...]
    units: tuple[str, ...]
    targets: FloatArray
    unit_prices: FloatArray
    fiscal_years: tuple[int, ...]
    funds: FloatArray
    annual_limits: FloatArray
    contract_min: FloatArray
    contract_ceiling: FloatArray
    lead_months: FloatArray
    world_production: FloatArray
    pacing_share: float = float("inf")
    carry_over: bool = True

    def __post_init__(self) -> None:
        m = len(self.materials)
        if len(self.units) != m:
            raise PlanInputError("units", f"{len(self.units)} units for {m} materials")
        fys = tuple(int(f) for f in self.fiscal_years)
        if not fys or any(b - a != 1 for a, b in itertools.pairwise(fys)):
            raise PlanInputError("fiscal_years", f"need consecutive fiscal years, got {fys}")
        object.__setattr__(self, "fiscal_years", fys)
        object.__setattr__(self, "targets", _arr(self.targets, "targets", m))
        prices = _arr(self.unit_prices, "unit_prices", m)
        if (prices <= 0).any():
            raise PlanInputError("unit_prices", "contract prices must be positive")
        object.__setattr__(self, "unit_prices", prices)
        object.__setattr__(self, "funds", _arr(self.funds, "funds", len(fys)))
        for name in ("annual_limits", "contract_ceiling"):
            object.__setattr__(self, name, _arr(getattr(self, name), name, m, allow_inf=True))
        object.__setattr__(self, "contract_min", _arr(self.contract_min, "contract_min", m))
        object.__setattr__(self, "lead_months", _arr(self.lead_months, "lead_months", m))
        prod = np.array(self.world_production, dtype=np.float64).reshape(-1)
        if prod.shape != (m,):
            raise PlanInputError("world_production", f"expected {m} values")
        if (prod[~np.isnan(prod)] < 0).any():
            raise PlanInputError("world_production", "must be >= 0")
        object.__setattr__(self, "world_production", prod)
        if not self.pacing_share > 0:
            raise PlanInputError("pacing_share", f"must be > 0, got {self.pacing_share!r}")
        if np.isfinite(self.pacing_share):
            unknown = np.isnan(prod) & (self.targets > 0)
            if unknown.any():
                i = int(np.argmax(unknown))
                raise PlanInputError(
                    "world_production",
                    f"unknown for {self.materials[i]}: the pacing limit cannot be applied",
                )

    @property
    def yearly_cap(self) -> FloatArray:
        """Largest order per FY from the plan and pacing limits [material unit]."""
        pace = np.where(np.isnan(self.world_production), np.inf, self.world_production)
        return np.asarray(np.minimum(self.annual_limits, self.pacing_share * pace))


@dataclass(frozen=True)
class ScheduleLine:
    """One order: material, fiscal year, quantity, cost, order and delivery dates."""

    material: str
    unit: str
    fiscal_year: int
    quantity: float
    cost: float
    order_date: date
    delivery_date: date

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        return {
            "material": self.material,
            "unit": self.unit,
            "fiscal_year": self.fiscal_year,
            "quantity": self.quantity,
            "cost_usd": self.cost,
            "order_date": self.order_date.isoformat(),
            "delivery_date": self.delivery_date.isoformat(),
        }


@dataclass(frozen=True)
class ProcurementSchedule:
    """A fiscal-year schedule.

    Attributes
    ----------
    problem : ScheduleProblem
        The inputs.
    quantities, costs : ndarray, shape (M, F)
        Orders per material and FY [material unit], [USD].
    lines : tuple of ScheduleLine
        Non-zero orders with dates.
    """

    problem: ScheduleProblem
    quantities: FloatArray
    costs: FloatArray
    lines: tuple[ScheduleLine, ...]

    @property
    def spending_by_year(self) -> FloatArray:
        """Spending per FY [USD]."""
        return np.asarray(self.costs.sum(axis=0), dtype=np.float64)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary (readable back by :func:`stockpile.plan.apply`)."""
        p = self.problem
        contracts = [
            {
                "material": mat,
                "unit": p.units[i],
                "ceiling_usd": float(p.contract_ceiling[i])
                if np.isfinite(p.contract_ceiling[i])
                else None,
                "minimum_usd": float(p.contract_min[i]),
                "unit_price_usd": float(p.unit_prices[i]),
            }
            for i, mat in enumerate(p.materials)
            if p.targets[i] > 0
        ]
        return {
            "fiscal_years": list(p.fiscal_years),
            "funds_usd": p.funds.tolist(),
            "spending_usd": self.spending_by_year.tolist(),
            "contracts": contracts,
            "orders": [line.to_dict() for line in self.lines],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_csv(self) -> str:
        """CSV text, one row per order."""
        buf = io.StringIO()
        fields = ["material", "unit", "fiscal_year", "quantity", "cost_usd"]
        writer = csv.DictWriter(buf, fieldnames=[*fields, "order_date", "delivery_date"])
        writer.writeheader()
        for line in self.lines:
            writer.writerow(line.to_dict())
        return buf.getvalue()


def _check_contracts(p: ScheduleProblem) -> None:
    value = p.targets * p.unit_prices
    over = value > p.contract_ceiling * (1 + 1e-12)
    if over.any():
        i = int(np.argmax(over))
        raise InfeasiblePlanError(
            (f"contract_ceiling[{p.materials[i]}]",),
            f"{p.targets[i]:g} {p.units[i]} of {p.materials[i]} cost ${value[i]:,.0f}, over the "
            f"contract ceiling ${p.contract_ceiling[i]:,.0f}",
        )
    under = (p.targets > 0) & (value < p.contract_min * (1 - 1e-12))
    if under.any():
        i = int(np.argmax(under))
        raise InfeasiblePlanError(
            (f"contract_min[{p.materials[i]}]",),
            f"{p.targets[i]:g} {p.units[i]} of {p.materials[i]} cost ${value[i]:,.0f}, under "
            f"the contract's guaranteed minimum ${p.contract_min[i]:,.0f}",
        )


def _solve(p: ScheduleProblem, elastic: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """LP in variables q (M*F), then when elastic: target slack (M), funds slack (F)."""
    m, f = len(p.materials), len(p.fiscal_years)
    n_q = m * f
    n = n_q + (m + f if elastic else 0)
    years = np.arange(f, dtype=np.float64)
    delay = years[None, :] + p.lead_months[:, None] / 12.0
    scale = float(max(p.unit_prices.max(), 1.0))
    if elastic:
        c = np.concatenate((np.zeros(n_q), p.unit_prices / scale, np.ones(f) / scale))
    else:
        c = (p.unit_prices[:, None] * delay).ravel() / scale
    # targets: sum_f q_mf (+ s_m) = target_m
    rows = np.repeat(np.arange(m), f)
    a_eq = sp.coo_array((np.ones(n_q), (rows, np.arange(n_q))), shape=(m, n))
    if elastic:
        a_eq = sp.vstack(
            (a_eq, sp.coo_array((np.ones(m), (np.arange(m), n_q + np.arange(m))), shape=(m, n)))
        )
        a_eq = sp.coo_array(a_eq.tocsr()[:m] + a_eq.tocsr()[m:])
    # funds: cumulative (or per-year) spending <= funds (+ e)
    r_idx, c_idx, vals = [], [], []
    for yr in range(f):
        span = range(yr + 1) if p.carry_over else (yr,)
        for y2 in span:
            for i in range(m):
                r_idx.append(yr)
                c_idx.append(i * f + y2)
                vals.append(p.unit_prices[i])
        if elastic:
            for y2 in span:
                r_idx.append(yr)
                c_idx.append(n_q + m + y2)
                vals.append(-1.0)
    a_ub = sp.coo_array((vals, (r_idx, c_idx)), shape=(f, n))
    rhs = np.cumsum(p.funds) if p.carry_over else p.funds
    cap = np.repeat(p.yearly_cap, f)
    bounds = np.zeros((n, 2))
    bounds[:n_q, 1] = cap
    bounds[n_q:, 1] = np.inf
    res = solve(
        LinearProblem(
            c=c,
            lower=bounds[:, 0],
            upper=bounds[:, 1],
            a_ub=a_ub.tocsr(),
            b_ub=np.asarray(rhs, dtype=np.float64),
            a_eq=a_eq.tocsr(),
            b_eq=np.asarray(p.targets, dtype=np.float64),
        )
    )
    if res.status is SolveStatus.INFEASIBLE:
        raise InfeasiblePlanError(("schedule",), "no schedule meets the limits")
    if res.status is not SolveStatus.OPTIMAL:
        raise SolverError(f"HiGHS failed on the schedule: {res.message}")
    x = np.asarray(res.x, dtype=np.float64)
    q = np.clip(x[:n_q].reshape(m, f), 0.0, None)
    if elastic:
        return q, x[n_q : n_q + m], x[n_q + m :]
    return q, np.zeros(m), np.zeros(f)


def _diagnose(p: ScheduleProblem) -> InfeasiblePlanError:
    _, short, extra = _solve(p, elastic=True)
    binding: list[str] = []
    parts: list[str] = []
    f = len(p.fiscal_years)
    for i in np.flatnonzero(short > 1e-9 * np.maximum(p.targets, 1.0)):
        mat = p.materials[i]
        capacity = float(p.yearly_cap[i]) * f
        plan_cap = float(p.annual_limits[i]) * f
        if capacity < p.targets[i] * (1 - 1e-12):
            name = "annual plan limit" if plan_cap <= capacity * (1 + 1e-12) else "pacing limit"
            binding.append(f"{name}[{mat}]")
            parts.append(
                f"{mat}: target {p.targets[i]:g} {p.units[i]} but the {name} allows "
                f"{float(p.yearly_cap[i]):g} per FY x {f} FY = {capacity:g}"
            )
        else:
            binding.append(f"funds[{mat}]")
            parts.append(f"{mat}: {short[i]:g} {p.units[i]} cannot be paid for within the funds")
    for y in np.flatnonzero(extra > 1e-6):
        binding.append(f"funds[FY{p.fiscal_years[y]}]")
        parts.append(f"FY{p.fiscal_years[y]} would need ${extra[y]:,.0f} more")
    if not binding:
        binding.append("schedule")
        parts.append("the limits cannot all hold")
    return InfeasiblePlanError(tuple(dict.fromkeys(binding)), "; ".join(parts))


def schedule_procurement(problem: ScheduleProblem) -> ProcurementSchedule:
    """Schedule the targets over the fiscal years, earliest deliveries first.

    Raises
    ------
    InfeasiblePlanError
        Naming the binding constraint(s): contract ceiling or minimum, annual plan limit,
        pacing limit, or funds by FY.
    """
    p = problem
    _check_contracts(p)
    total_cost = float(p.targets @ p.unit_prices)
    if total_cost > float(p.funds.sum()) * (1 + 1e-12):
        raise InfeasiblePlanError(
            ("funds",),
            f"the targets cost ${total_cost:,.0f}, more than the ${float(p.funds.sum()):,.0f} "
            f"available over FY{p.fiscal_years[0]}-FY{p.fiscal_years[-1]}",
        )
    try:
        q, _, _ = _solve(p, elastic=False)
    except InfeasiblePlanError:
        raise _diagnose(p) from None
    costs = q * p.unit_prices[:, None]
    lines: list[ScheduleLine] = []
    for fi, fy in enumerate(p.fiscal_years):
        for i, mat in enumerate(p.materials):
            if q[i, fi] <= 1e-9 * max(float(p.targets[i]), 1.0):
                continue
            start = fiscal_year_start(fy)
            lines.append(
                ScheduleLine(
                    material=mat,
                    unit=p.units[i],
                    fiscal_year=fy,
                    quantity=float(q[i, fi]),
                    cost=float(costs[i, fi]),
                    order_date=start,
                    delivery_date=add_months(start, round(float(p.lead_months[i]))),
                )
            )
    return ProcurementSchedule(p, q, costs, tuple(lines))
