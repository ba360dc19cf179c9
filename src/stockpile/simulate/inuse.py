"""In-use stocks and the secondary supply they release: a dynamic stock model.

Products containing a material enter use in yearly cohorts (the inflow ``I_c`` of cohort ``c``
[t/yr of contained material]); each cohort leaves use according to a lifetime distribution with
survival function ``S(a) = P(lifetime > a)`` (age ``a`` in years). The inflow-driven model is

    stock_by_cohort[t, c] = I_c * S(t - c)                  for t >= c, else 0
    stock[t]              = sum_c stock_by_cohort[t, c]
    outflow[t]            = sum_c I_c * (S(t - 1 - c) - S(t - c)),   with S(-1) := 1

so the mass balance ``stock[t] - stock[t-1] = inflow[t] - outflow[t]`` holds every year by
construction. End-of-life (EoL) material becomes secondary supply through collection and
processing:

    secondary[t] = outflow[t] * collection_rate[t] * processing_yield

and the EU's end-of-life recycling input rate (EoL-RIR, the share of a material's input that
comes from old scrap) is ``secondary[t] / demand[t]``. A recycling target (the EU's 25%, or
higher) becomes a trajectory: the collection rate ramps from today's value to the one the
target needs, capped at the rate that is physically reachable (1, or a stated maximum), so the
secondary supply is what the end-of-life flow can actually deliver, never a share drawn from
nothing. The yearly figures are spread evenly over months for the monthly simulation.

The lifetime distributions follow the dynamic material-flow-analysis literature (fixed,
normal, lognormal, Weibull; Lauinger et al. 2021, "A review of the methods and applications of
dynamic stock models", and ODYM's ``DynamicStockModel``). Their parameters are inputs: each
scenario names its source or labels it an assumption.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from stockpile.simulate.errors import SimulationInputError

__all__ = [
    "InUseStock",
    "Lifetime",
    "LifetimeKind",
    "RecyclingPath",
    "inflow_driven_stock",
    "monthly_from_annual",
    "recycling_target_path",
    "survival_curve",
]

_FloatArray = npt.NDArray[np.float64]


class LifetimeKind(enum.StrEnum):
    """Shape of a product lifetime distribution."""

    FIXED = "fixed"
    NORMAL = "normal"
    LOGNORMAL = "lognormal"
    WEIBULL = "weibull"


@dataclass(frozen=True)
class Lifetime:
    """A product lifetime distribution.

    Attributes
    ----------
    kind : the distribution's shape.
    mean : mean lifetime [yr] (fixed, normal, lognormal); the scale for Weibull [yr].
    sd : standard deviation [yr] (normal, lognormal); unused for fixed and Weibull.
    shape : Weibull shape parameter k [-]; unused otherwise.
    """

    kind: LifetimeKind
    mean: float
    sd: float = 0.0
    shape: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.mean) or self.mean <= 0:
            raise SimulationInputError(
                f"lifetime.mean: must be a positive number of years, got {self.mean}"
            )
        needs_sd = self.kind in (LifetimeKind.NORMAL, LifetimeKind.LOGNORMAL)
        if needs_sd and (not math.isfinite(self.sd) or self.sd <= 0):
            raise SimulationInputError(
                f"lifetime.sd: a {self.kind} lifetime needs sd > 0 [yr], got {self.sd}"
            )
        if self.kind is LifetimeKind.WEIBULL and (not math.isfinite(self.shape) or self.shape <= 0):
            raise SimulationInputError(
                f"lifetime.shape: a Weibull lifetime needs shape > 0, got {self.shape}"
            )


def survival_curve(lifetime: Lifetime, years: int) -> _FloatArray:
    """Survival ``S(a) = P(lifetime > a)`` at ages ``a = 0, 1, ..., years - 1`` [-].

    A fixed lifetime L survives while ``a < L``. The normal distribution is truncated at age 0
    (renormalised so that ``S(0) = 1``), since a product cannot leave use before it enters it.
    """
    if years <= 0:
        raise SimulationInputError(f"years: must be positive, got {years}")
    ages = np.arange(years, dtype=np.float64)
    if lifetime.kind is LifetimeKind.FIXED:
        return (ages < lifetime.mean).astype(np.float64)
    if lifetime.kind is LifetimeKind.NORMAL:
        dist = stats.norm(loc=lifetime.mean, scale=lifetime.sd)
        sf: _FloatArray = dist.sf(ages) / dist.sf(0.0)
        return np.minimum(sf, 1.0)
    if lifetime.kind is LifetimeKind.LOGNORMAL:
        sigma2 = math.log1p((lifetime.sd / lifetime.mean) ** 2)
        mu = math.log(lifetime.mean) - sigma2 / 2.0
        out: _FloatArray = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(mu)).sf(ages)
        return out
    weib: _FloatArray = stats.weibull_min(c=lifetime.shape, scale=lifetime.mean).sf(ages)
    return weib


@dataclass(frozen=True)
class InUseStock:
    """Result of :func:`inflow_driven_stock` (years along axis 0).

    Attributes
    ----------
    inflow : material entering use [t/yr].
    stock : material in use at the end of each year [t].
    outflow : material reaching end of life [t/yr].
    stock_by_cohort : stock[t, c] of the cohort that entered in year c [t].
    """

    inflow: _FloatArray
    stock: _FloatArray
    outflow: _FloatArray
    stock_by_cohort: _FloatArray

    def balance_error(self) -> _FloatArray:
        """Yearly mass-balance residual ``dS - (inflow - outflow)`` [t/yr] (zero up to rounding)."""
        previous = np.concatenate(([0.0], self.stock[:-1]))
        out: _FloatArray = (self.stock - previous) - (self.inflow - self.outflow)
        return out


def inflow_driven_stock(inflow: npt.ArrayLike, lifetime: Lifetime) -> InUseStock:
    """The in-use stock and end-of-life outflow from yearly inflows.

    Parameters
    ----------
    inflow : contained material entering use in each year [t/yr], non-negative, years in order
        (the first year is the oldest cohort; the stock before it is taken as empty, so give
        enough history for the cohorts that still matter).
    lifetime : the products' lifetime distribution.
    """
    flows = np.asarray(inflow, dtype=np.float64)
    if flows.ndim != 1 or flows.size == 0:
        raise SimulationInputError("inflow: must be a non-empty list of yearly values [t/yr]")
    if not np.all(np.isfinite(flows)) or np.any(flows < 0):
        raise SimulationInputError("inflow: values must be finite and non-negative [t/yr]")
    n = flows.size
    sf = survival_curve(lifetime, n + 1)
    age = np.arange(n)[:, None] - np.arange(n)[None, :]
    alive = age >= 0
    surv = np.where(alive, sf[np.clip(age, 0, n)], 0.0)
    before = np.where(age >= 1, sf[np.clip(age - 1, 0, n)], np.where(age == 0, 1.0, 0.0))
    by_cohort = flows[None, :] * surv
    outflow = (flows[None, :] * (before - surv)).sum(axis=1)
    return InUseStock(
        inflow=flows, stock=by_cohort.sum(axis=1), outflow=outflow, stock_by_cohort=by_cohort
    )


@dataclass(frozen=True)
class RecyclingPath:
    """Secondary supply from end-of-life flows under a recycling-rate target (yearly arrays).

    Attributes
    ----------
    secondary : secondary (old-scrap) supply [t/yr].
    collection_rate : share of end-of-life material collected for recycling [-].
    eol_rir : end-of-life recycling input rate, secondary / demand [-].
    target_rir : the target share on its ramp [-].
    reachable : whether the year's target is met by the available end-of-life flow.
    """

    secondary: _FloatArray
    collection_rate: _FloatArray
    eol_rir: _FloatArray
    target_rir: _FloatArray
    reachable: npt.NDArray[np.bool_]


def recycling_target_path(
    eol_outflow: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    current_collection: float,
    processing_yield: float,
    target_rir: float,
    ramp_years: int,
    max_collection: float = 1.0,
) -> RecyclingPath:
    """Secondary supply when the recycling input rate is steered towards a target.

    The target share rises linearly from today's rate (``current_collection`` applied to the
    first year's flow) to ``target_rir`` over ``ramp_years``; each year's collection rate is the
    one the target needs, ``target * demand / (outflow * yield)``, never below today's rate and
    never above ``max_collection``. Where even ``max_collection`` falls short, the year is marked
    unreachable and the secondary supply is what the flow allows.

    Parameters
    ----------
    eol_outflow : material reaching end of life [t/yr].
    demand : total demand (primary + secondary input) [t/yr], positive.
    current_collection : today's collection rate [-] in [0, 1].
    processing_yield : share of collected material recovered as usable secondary supply [-].
    target_rir : the end-of-life recycling input rate aimed at [-] (0.25 for the EU target).
    ramp_years : years to reach the target [yr], >= 1.
    max_collection : the highest collection rate deemed reachable [-].
    """
    outflow = np.asarray(eol_outflow, dtype=np.float64)
    dem = np.broadcast_to(np.asarray(demand, dtype=np.float64), outflow.shape)
    for name, value in (
        ("current_collection", current_collection),
        ("processing_yield", processing_yield),
        ("target_rir", target_rir),
        ("max_collection", max_collection),
    ):
        if not 0.0 <= value <= 1.0:
            raise SimulationInputError(f"{name}: must be a share in [0, 1], got {value}")
    if ramp_years < 1:
        raise SimulationInputError(f"ramp_years: must be at least 1, got {ramp_years}")
    if np.any(dem <= 0):
        raise SimulationInputError("demand: must be positive [t/yr]")
    if current_collection > max_collection:
        raise SimulationInputError("current_collection: exceeds max_collection")
    recoverable = outflow * processing_yield
    start_rir = float(recoverable[0] * current_collection / dem[0]) if outflow.size else 0.0
    years = np.arange(outflow.size, dtype=np.float64)
    ramp = np.minimum(years / ramp_years, 1.0)
    target = start_rir + (max(target_rir, start_rir) - start_rir) * ramp
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(recoverable > 0, target * dem / recoverable, np.inf)
    collection = np.clip(needed, current_collection, max_collection)
    secondary = recoverable * collection
    eol_rir = secondary / dem
    reachable = eol_rir >= target * (1.0 - 1e-12)
    return RecyclingPath(
        secondary=secondary,
        collection_rate=collection,
        eol_rir=eol_rir,
        target_rir=target,
        reachable=reachable,
    )


def monthly_from_annual(annual: npt.ArrayLike, months: int) -> _FloatArray:
    """Spread yearly flows [t/yr] evenly over months [t/month], first month = first year's."""
    values = np.asarray(annual, dtype=np.float64)
    if months <= 0:
        raise SimulationInputError(f"months: must be positive, got {months}")
    year = np.minimum(np.arange(months) // 12, values.size - 1)
    out: _FloatArray = values[year] / 12.0
    return out
