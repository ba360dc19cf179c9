"""Inputs of the sizing problem: shortfall sample, purchase price curves, limits, objective.

Every array is validated on construction by small ``check_*`` functions; a bad field raises
:class:`~stockpile.plan.errors.PlanInputError` naming it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.errors import InfeasiblePlanError, PlanInputError

__all__ = [
    "MaterialLimits",
    "Objective",
    "ObjectiveKind",
    "PriceCurve",
    "ShortfallSample",
    "SizingProblem",
    "check_finite_nonnegative",
]

FloatArray = NDArray[np.float64]


def _as_float_array(value: object, name: str, ndim: int) -> FloatArray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PlanInputError(name, f"not numeric ({exc})") from None
    if arr.ndim != ndim:
        raise PlanInputError(name, f"expected {ndim} dimension(s), got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


def check_finite_nonnegative(arr: FloatArray, name: str, *, allow_inf: bool = False) -> None:
    """Raise :class:`PlanInputError` unless every entry is >= 0 (and finite unless allowed).

    Parameters
    ----------
    arr : ndarray
        Values to check.
    name : str
        Field name used in the message.
    allow_inf : bool
        Accept ``+inf`` (used for "no limit").
    """
    if np.isnan(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise PlanInputError(name, f"NaN at index {idx}")
    if not allow_inf and np.isinf(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise PlanInputError(name, f"infinite value at index {idx}")
    if (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise PlanInputError(name, f"negative value {arr[idx]!r} at index {idx}")


@dataclass(frozen=True)
class ShortfallSample:
    """Unmet priority demand per scenario, material and priority class, before any release.

    Parameters
    ----------
    materials : tuple of str
        Material keys, length M.
    gaps : ndarray, shape (S, M, K)
        Demand of each priority class not met by supply, with no stockpile release
        [material unit, e.g. t]. Existing holdings are *not* netted out here: they are given
        in :class:`MaterialLimits` and released first, highest class first.
    class_names : tuple of str
        Priority classes in release order (e.g. ``("defence", "essential civilian")``).
    class_weights : ndarray, shape (K,)
        Value of one unit of unmet demand of each class relative to the material's unit price
        [-]; non-increasing (release order is priority order).
    scenario_weights : ndarray, shape (S,)
        Probability of each scenario [-]; non-negative, sums to 1.
    unit_prices : ndarray, shape (M,)
        Reference price used to value unmet demand [USD/material unit].
    units : tuple of str
        Unit of account of each material (pint unit string, e.g. ``"metric_ton"``).
    scenario_names : tuple of str, optional
        Names of the scenarios (defaults to ``"s0"``, ``"s1"``, ...).
    class_values : ndarray, shape (M, K), optional
        Value of lost use of one unit of unmet demand per material and class
        [USD/material unit], non-increasing along the classes. Default:
        ``unit_prices[m] * class_weights[k]``. Given where a material's value of lost use is
        set in USD or by its own multiples (:class:`~stockpile.plan.LossValues`).
    """

    materials: tuple[str, ...]
    gaps: FloatArray
    class_names: tuple[str, ...]
    class_weights: FloatArray
    scenario_weights: FloatArray
    unit_prices: FloatArray
    units: tuple[str, ...]
    scenario_names: tuple[str, ...] = ()
    class_values: FloatArray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "materials", tuple(str(m) for m in self.materials))
        object.__setattr__(self, "units", tuple(str(u) for u in self.units))
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        gaps = _as_float_array(self.gaps, "gaps", 3)
        object.__setattr__(self, "gaps", gaps)
        s, m, k = gaps.shape
        if s == 0 or m == 0 or k == 0:
            raise PlanInputError(
                "gaps", f"needs at least one scenario, material, class: {gaps.shape}"
            )
        check_finite_nonnegative(gaps, "gaps")
        if len(self.materials) != m:
            raise PlanInputError("materials", f"{len(self.materials)} names for {m} materials")
        if len(set(self.materials)) != m:
            raise PlanInputError("materials", "duplicate material names")
        if len(self.units) != m:
            raise PlanInputError("units", f"{len(self.units)} units for {m} materials")
        if len(self.class_names) != k:
            raise PlanInputError("class_names", f"{len(self.class_names)} names for {k} classes")
        w = _as_float_array(self.class_weights, "class_weights", 1)
        object.__setattr__(self, "class_weights", w)
        if w.shape != (k,):
            raise PlanInputError("class_weights", f"expected {k} weights, got {w.shape[0]}")
        check_finite_nonnegative(w, "class_weights")
        if (np.diff(w) > 0).any():
            raise PlanInputError(
                "class_weights",
                "must be non-increasing: classes are listed in release priority "
                f"(defence first), got {w.tolist()}",
            )
        p = _as_float_array(self.scenario_weights, "scenario_weights", 1)
        object.__setattr__(self, "scenario_weights", p)
        if p.shape != (s,):
            raise PlanInputError("scenario_weights", f"expected {s} weights, got {p.shape[0]}")
        check_finite_nonnegative(p, "scenario_weights")
        if not math.isclose(float(p.sum()), 1.0, rel_tol=1e-9, abs_tol=1e-9):
            raise PlanInputError("scenario_weights", f"must sum to 1, sum is {p.sum()!r}")
        prices = _as_float_array(self.unit_prices, "unit_prices", 1)
        object.__setattr__(self, "unit_prices", prices)
        if prices.shape != (m,):
            raise PlanInputError("unit_prices", f"expected {m} prices, got {prices.shape[0]}")
        check_finite_nonnegative(prices, "unit_prices")
        names = tuple(str(n) for n in self.scenario_names) or tuple(f"s{i}" for i in range(s))
        if len(names) != s:
            raise PlanInputError("scenario_names", f"{len(names)} names for {s} scenarios")
        object.__setattr__(self, "scenario_names", names)
        if self.class_values is not None:
            v = _as_float_array(self.class_values, "class_values", 2)
            if v.shape != (m, k):
                raise PlanInputError("class_values", f"expected shape {(m, k)}, got {v.shape}")
            check_finite_nonnegative(v, "class_values")
            bad = np.flatnonzero((np.diff(v, axis=1) > 0).any(axis=1))
            if bad.size:
                i = int(bad[0])
                raise PlanInputError(
                    f"class_values[{self.materials[i]}]",
                    f"must be non-increasing in release priority (defence first), got "
                    f"{v[i].tolist()}",
                )
            object.__setattr__(self, "class_values", v)

    @property
    def values(self) -> FloatArray:
        """Value of lost use per unit of unmet demand, shape (M, K) [USD/material unit]."""
        if self.class_values is not None:
            return self.class_values
        return np.asarray(self.unit_prices[:, None] * self.class_weights[None, :], dtype=np.float64)

    @property
    def hinges(self) -> FloatArray:
        """Hinge weights ``v_mk - v_m,k+1`` of :attr:`values`, shape (M, K) [USD/unit]."""
        v = self.values
        return np.asarray(v - np.concatenate((v[:, 1:], np.zeros((v.shape[0], 1))), axis=1))

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, M, K): scenarios, materials, priority classes."""
        s, m, k = self.gaps.shape
        return int(s), int(m), int(k)

    @classmethod
    def uniform(
        cls,
        materials: Sequence[str],
        gaps: object,
        *,
        unit_prices: object,
        class_weights: object,
        class_names: Sequence[str] | None = None,
        units: Sequence[str] | None = None,
    ) -> ShortfallSample:
        """Build a sample whose scenarios are equally likely (a Monte Carlo draw).

        Parameters
        ----------
        materials : sequence of str
            Material keys.
        gaps : array_like, shape (S, M, K)
            Unmet demand before release [material unit].
        unit_prices : array_like, shape (M,)
            Valuation price [USD/material unit].
        class_weights : array_like, shape (K,)
            Non-increasing class weights [-].
        class_names, units : sequence of str, optional
            Default to ``class0..`` and ``metric_ton``.
        """
        g = _as_float_array(gaps, "gaps", 3)
        s, m, k = g.shape
        return cls(
            materials=tuple(materials),
            gaps=g,
            class_names=tuple(class_names) if class_names else tuple(f"class{i}" for i in range(k)),
            class_weights=np.asarray(class_weights, dtype=np.float64),
            scenario_weights=np.full(s, 1.0 / s) if s else np.zeros(0),
            unit_prices=np.asarray(unit_prices, dtype=np.float64),
            units=tuple(units) if units else ("metric_ton",) * m,
        )


@dataclass(frozen=True)
class PriceCurve:
    """Convex piecewise-linear purchase cost of one material (price impact of our buying).

    The i-th tranche of ``widths[i]`` units costs ``prices[i]`` per unit; prices are
    non-decreasing, so the total cost of buying ``x`` is convex.

    Parameters
    ----------
    widths : ndarray, shape (J,)
        Tranche sizes [material unit]; the last may be ``inf``.
    prices : ndarray, shape (J,)
        Unit price in each tranche [USD/material unit]; positive, non-decreasing.
    source : str
        Where the prices come from.
    """

    widths: FloatArray
    prices: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        w = _as_float_array(self.widths, "price_curve.widths", 1)
        p = _as_float_array(self.prices, "price_curve.prices", 1)
        object.__setattr__(self, "widths", w)
        object.__setattr__(self, "prices", p)
        if w.size == 0 or w.shape != p.shape:
            raise PlanInputError("price_curve", f"widths {w.shape} and prices {p.shape} differ")
        check_finite_nonnegative(w, "price_curve.widths", allow_inf=True)
        if (w[:-1] == np.inf).any():
            raise PlanInputError("price_curve.widths", "only the last tranche may be unbounded")
        check_finite_nonnegative(p, "price_curve.prices")
        if (p <= 0).any():
            raise PlanInputError("price_curve.prices", "unit prices must be positive")
        if (np.diff(p) < 0).any():
            raise PlanInputError(
                "price_curve.prices",
                f"must be non-decreasing (convex cost), got {p.tolist()}",
            )

    @classmethod
    def flat(cls, price: float, source: str = "") -> PriceCurve:
        """A constant unit price [USD/material unit] (no price impact)."""
        return cls(np.array([np.inf]), np.array([float(price)]), source)

    @classmethod
    def isoelastic_impact(
        cls,
        base_price: float,
        market_size: float,
        demand_elasticity: float,
        supply_elasticity: float,
        max_quantity: float,
        tranches: int = 8,
        source: str = "",
    ) -> PriceCurve:
        """Tranches approximating the isoelastic price response to our extra demand.

        Buying ``q`` in a balanced market of size ``Q0`` clears at
        ``(1 + q/Q0) = (P/P0)^(es - ed)`` (domain.md §4 with ``R = -q``), so
        ``P(q) = P0 (1 + q/Q0)^(1/(es - ed))``. Tranche i is priced at ``P`` at its upper end
        (a conservative, convex over-approximation of the cost).

        Parameters
        ----------
        base_price : float
            Pre-purchase price ``P0`` [USD/material unit].
        market_size : float
            Market volume over the purchase period ``Q0`` [material unit].
        demand_elasticity, supply_elasticity : float
            ``ed < 0`` and ``es >= 0`` [-]: user assumptions, there are no citable per-metal
            values (domain.md §4).
        max_quantity : float
            Quantity covered by the tranches [material unit]; beyond it the last price holds.
        tranches : int
            Number of equal tranches.
        source : str
            Provenance of the base price and market size.
        """
        if not base_price > 0:
            raise PlanInputError("base_price", f"must be positive, got {base_price!r}")
        if not market_size > 0:
            raise PlanInputError("market_size", f"must be positive, got {market_size!r}")
        if not demand_elasticity < 0 or not supply_elasticity >= 0:
            raise PlanInputError(
                "elasticities", "need demand_elasticity < 0 and supply_elasticity >= 0"
            )
        if not max_quantity > 0 or tranches < 1:
            raise PlanInputError("max_quantity", "needs max_quantity > 0 and tranches >= 1")
        edges = np.linspace(0.0, max_quantity, tranches + 1)[1:]
        expo = 1.0 / (supply_elasticity - demand_elasticity)
        prices = base_price * (1.0 + edges / market_size) ** expo
        widths = np.full(tranches, max_quantity / tranches)
        widths[-1] = np.inf
        return cls(widths, prices, source)

    @property
    def edges(self) -> FloatArray:
        """Cumulative tranche boundaries, shape (J + 1,), starting at 0 [material unit]."""
        return np.concatenate(([0.0], np.cumsum(self.widths)))

    def cost(self, quantity: float) -> float:
        """Total cost of buying ``quantity`` [material unit] -> [USD]."""
        if quantity < 0:
            raise PlanInputError("quantity", f"must be >= 0, got {quantity!r}")
        lo = self.edges[:-1]
        take = np.clip(quantity - lo, 0.0, self.widths)
        return float(np.dot(take, self.prices))

    def quantity_for_spend(self, spend: float) -> float:
        """Largest quantity [material unit] whose cost is <= ``spend`` [USD] (inf if unbounded)."""
        if spend == np.inf:
            return np.inf if self.widths[-1] == np.inf else float(self.widths.sum())
        tranche_cost = self.widths * self.prices
        cum = np.concatenate(([0.0], np.cumsum(tranche_cost)))
        j = int(np.searchsorted(cum, spend, side="right")) - 1
        if j >= self.widths.size:
            return float(self.widths.sum())
        return float(self.edges[j] + (spend - cum[j]) / self.prices[j])


@dataclass(frozen=True)
class MaterialLimits:
    """Per-material holdings and limits on purchases.

    Parameters
    ----------
    holdings : ndarray, shape (M,)
        Stock already held, released first [material unit].
    spend_caps : ndarray, shape (M,)
        Maximum spending per material, e.g. a contract ceiling [USD]; ``inf`` for none.
    quantity_limits : ndarray, shape (M,)
        Maximum quantity to acquire, e.g. the Annual Materials Plan [material unit].
    max_stock : ndarray, shape (M,)
        Inventory ceiling including holdings (a stockpile goal) [material unit].
    sources : tuple of str
        Provenance of each material's caps ("" when none).
    """

    holdings: FloatArray
    spend_caps: FloatArray
    quantity_limits: FloatArray
    max_stock: FloatArray
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        h = _as_float_array(self.holdings, "holdings", 1)
        m = h.shape[0]
        check_finite_nonnegative(h, "holdings")
        object.__setattr__(self, "holdings", h)
        for name in ("spend_caps", "quantity_limits", "max_stock"):
            arr = _as_float_array(getattr(self, name), name, 1)
            if arr.shape != (m,):
                raise PlanInputError(name, f"expected {m} values, got {arr.shape[0]}")
            check_finite_nonnegative(arr, name, allow_inf=True)
            object.__setattr__(self, name, arr)
        srcs = tuple(self.sources) or ("",) * m
        if len(srcs) != m:
            raise PlanInputError("sources", f"{len(srcs)} sources for {m} materials")
        object.__setattr__(self, "sources", srcs)

    @classmethod
    def none(cls, n_materials: int) -> MaterialLimits:
        """No holdings and no limits for ``n_materials`` materials."""
        inf = np.full(n_materials, np.inf)
        return cls(np.zeros(n_materials), inf, inf, inf)


class ObjectiveKind(enum.Enum):
    """What the planner minimises over the scenarios."""

    EXPECTED = "expected"
    CVAR = "cvar"
    WORST = "worst"


@dataclass(frozen=True)
class Objective:
    """The risk measure of weighted unmet demand value to minimise.

    Parameters
    ----------
    kind : ObjectiveKind
        Expected value, CVaR at ``alpha``, or worst case.
    alpha : float
        CVaR level in [0, 1): the mean of the worst ``1 - alpha`` probability mass.
    scenarios : tuple of int
        For the worst case: indices of the named scenario set (empty = all scenarios).
    weigh_cost : bool
        Minimise purchase cost + the risk measure of valued shortfall [USD], so that with a
        slack budget buying stops where a dollar no longer avoids a dollar of loss. False:
        the plain "cover unmet demand" objective (the risk measure alone, within the budget).
    """

    kind: ObjectiveKind = ObjectiveKind.EXPECTED
    alpha: float = 0.9
    scenarios: tuple[int, ...] = field(default_factory=tuple)
    weigh_cost: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.kind, ObjectiveKind):
            raise PlanInputError("objective.kind", f"not an ObjectiveKind: {self.kind!r}")
        if not 0.0 <= self.alpha < 1.0:
            raise PlanInputError("objective.alpha", f"must be in [0, 1), got {self.alpha!r}")

    @classmethod
    def parse(cls, text: str, alpha: float | None = None, weigh_cost: bool = False) -> Objective:
        """Parse ``"expected"``, ``"worst"``, ``"cvar"`` or ``"cvar:0.9"``."""
        name, _, level = text.strip().lower().partition(":")
        try:
            kind = ObjectiveKind(name)
        except ValueError:
            choices = ", ".join(k.value for k in ObjectiveKind)
            raise PlanInputError("objective", f"unknown {text!r}; choose {choices}") from None
        a = alpha if alpha is not None else 0.9
        if level:
            try:
                a = float(level)
            except ValueError:
                raise PlanInputError("objective", f"bad CVaR level in {text!r}") from None
        return cls(kind, a, weigh_cost=weigh_cost)

    def label(self) -> str:
        """Short text such as ``cvar:0.9`` or ``cost + expected``."""
        base = f"cvar:{self.alpha:g}" if self.kind is ObjectiveKind.CVAR else self.kind.value
        return f"cost + {base}" if self.weigh_cost else base


@dataclass(frozen=True)
class SizingProblem:
    """A complete sizing instance.

    Parameters
    ----------
    sample : ShortfallSample
        Scenario gaps and valuation.
    budget : float
        Money available for purchases [USD].
    curves : tuple of PriceCurve
        Purchase cost curve of each material.
    limits : MaterialLimits
        Holdings, caps and plan limits.
    """

    sample: ShortfallSample
    budget: float
    curves: tuple[PriceCurve, ...]
    limits: MaterialLimits

    def __post_init__(self) -> None:
        _s, m, _k = self.sample.shape
        budget = float(self.budget)
        if math.isnan(budget) or budget < 0:
            raise InfeasiblePlanError(
                ("budget >= 0",), f"the budget must be a non-negative amount, got {self.budget!r}"
            )
        if math.isinf(budget):
            raise PlanInputError("budget", "must be finite [USD]")
        object.__setattr__(self, "budget", budget)
        if len(self.curves) != m:
            raise PlanInputError("curves", f"{len(self.curves)} price curves for {m} materials")
        if self.limits.holdings.shape != (m,):
            raise PlanInputError(
                "limits", f"limits for {self.limits.holdings.shape[0]} materials, sample has {m}"
            )
        check_limits_consistent(self.sample.materials, self.sample.units, self.limits)

    @property
    def upper_bounds(self) -> FloatArray:
        """Largest purchase allowed per material by its caps [material unit] (may be inf)."""
        lim = self.limits
        room = lim.max_stock - lim.holdings
        by_spend = np.array(
            [
                c.quantity_for_spend(float(cap))
                for c, cap in zip(self.curves, lim.spend_caps, strict=False)
            ]
        )
        return np.minimum(np.minimum(lim.quantity_limits, room), by_spend)


def check_limits_consistent(
    materials: tuple[str, ...], units: tuple[str, ...], limits: MaterialLimits
) -> None:
    """Raise :class:`InfeasiblePlanError` when holdings already exceed the stock ceiling."""
    over = limits.holdings > limits.max_stock
    if over.any():
        i = int(np.argmax(over))
        raise InfeasiblePlanError(
            (f"max_stock[{materials[i]}]",),
            f"holdings of {materials[i]} ({limits.holdings[i]:g} {units[i]}) already exceed the "
            f"stock ceiling ({limits.max_stock[i]:g} {units[i]}): caps inconsistent with holdings",
        )
