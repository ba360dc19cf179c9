"""Buffer stock: defend a price band with finite money and finite stock.

Prices follow a mean-reverting (Ornstein-Uhlenbeck) log price, simulated monthly with its
exact discretisation, ``x' = mu + (x - mu) e^(-k dt) + sigma sqrt((1 - e^(-2 k dt)) / (2k)) eps``,
``k = ln 2 / half-life``. Our trades move the log price by ``b q`` (``b`` from the market's
short-run elasticities, :func:`log_price_impact`), and the move persists and reverts with the
price. Each month, below the floor the agency buys up to what lifts the price to the floor, the
storage room left and what its money pays for (it pays the post-trade price, never above the
floor); above the ceiling it sells up to what brings the price down to the ceiling and the stock
it holds. When the money or the stock runs out and the band breaks, the agency suspends
operations for the rest of the path (as the International Tin Council did on 24 Oct 1985).
It never holds negative stock, never exceeds its capacity, never spends money it does not have.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.errors import PlanInputError

__all__ = [
    "BandPolicy",
    "BandResult",
    "BandTuning",
    "PriceProcess",
    "estimate_log_volatility",
    "log_price_impact",
    "process_from_annual_prices",
    "simulate_band",
    "tune_band",
]

FloatArray = NDArray[np.float64]
_DT = 1.0 / 12.0


def estimate_log_volatility(prices: Sequence[float]) -> float:
    """Annual volatility of log prices from a series of annual average prices [1/sqrt(yr)].

    The sample standard deviation (ddof=1) of year-on-year log changes. Annual averages
    smooth within-year moves, so this understates the volatility of monthly prices.

    Parameters
    ----------
    prices : sequence of float
        Consecutive annual average prices [USD/unit], at least three, all positive.
    """
    arr = np.asarray(prices, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 3:
        raise PlanInputError("prices", f"need at least 3 annual prices, got {arr.size}")
    if not np.isfinite(arr).all() or (arr <= 0).any():
        raise PlanInputError("prices", f"prices must be positive and finite: {arr.tolist()}")
    return float(np.std(np.diff(np.log(arr)), ddof=1))


def log_price_impact(
    annual_market: float, demand_elasticity: float, supply_elasticity: float
) -> float:
    """Log price change per unit bought in one month [1/unit].

    With isoelastic demand and supply clearing monthly volume ``Q/12``, extra demand ``q``
    moves the price by ``ln(P/P0) ~= (q / (Q/12)) / (es - ed)``.

    Parameters
    ----------
    annual_market : float
        World market volume per year [unit/yr].
    demand_elasticity, supply_elasticity : float
        Short-run ``ed < 0`` and ``es >= 0`` [-] (user assumptions; domain.md §4).
    """
    if not annual_market > 0:
        raise PlanInputError("annual_market", f"must be positive, got {annual_market!r}")
    if not (demand_elasticity < 0 <= supply_elasticity):
        raise PlanInputError("elasticities", "need demand_elasticity < 0 <= supply_elasticity")
    return 12.0 / ((supply_elasticity - demand_elasticity) * annual_market)


@dataclass(frozen=True)
class PriceProcess:
    """Mean-reverting log price.

    Parameters
    ----------
    start_price : float
        Price at the start [USD/unit].
    mean_price : float
        Long-run price the log reverts to [USD/unit].
    volatility : float
        Annual volatility of the log price [1/sqrt(yr)].
    half_life_years : float
        Half-life of deviations from the mean [yr].
    impact_per_unit : float
        Log price change per unit we buy in a month [1/unit]; > 0.
    source : str
        Where the figures come from.
    """

    start_price: float
    mean_price: float
    volatility: float
    half_life_years: float
    impact_per_unit: float
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("start_price", "mean_price", "half_life_years", "impact_per_unit"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise PlanInputError(name, f"must be a positive number, got {v!r}")
        if not (math.isfinite(self.volatility) and self.volatility >= 0):
            raise PlanInputError("volatility", f"must be >= 0, got {self.volatility!r}")


def process_from_annual_prices(
    prices: Sequence[float],
    years: Sequence[int],
    annual_market: float,
    half_life_years: float,
    demand_elasticity: float,
    supply_elasticity: float,
    label: str = "",
) -> PriceProcess:
    """A :class:`PriceProcess` from annual average prices [USD/unit] and the market size.

    Start = the latest price; long-run mean = the geometric mean of the prices; volatility =
    :func:`estimate_log_volatility` (annual averages: understates monthly volatility); impact =
    :func:`log_price_impact` of ``annual_market`` [unit/yr]. The half-life [yr] and the
    elasticities [-] are the caller's assumptions.
    """
    sigma = estimate_log_volatility(prices)
    if len(years) != len(prices):
        raise PlanInputError("years", f"{len(years)} years for {len(prices)} prices")
    impact = log_price_impact(annual_market, demand_elasticity, supply_elasticity)
    mean = float(np.exp(np.mean(np.log(np.asarray(prices, dtype=np.float64)))))
    return PriceProcess(
        float(prices[-1]),
        mean,
        sigma,
        half_life_years,
        impact,
        f"{label}, {years[0]}-{years[-1]}; mean = geometric mean of the annual prices; "
        "volatility from annual averages (understates monthly volatility)",
    )


@dataclass(frozen=True)
class BandPolicy:
    """A price band and the means to defend it.

    Parameters
    ----------
    floor, ceiling : float
        Band [USD/unit], ``0 < floor < ceiling``.
    fund : float
        Money at the start [USD].
    initial_stock : float
        Stock at the start [unit].
    capacity : float
        Largest stock the agency can hold [unit].
    max_trade : float
        Largest purchase or sale per month [unit] (``inf``: none).
    """

    floor: float
    ceiling: float
    fund: float
    initial_stock: float
    capacity: float
    max_trade: float = math.inf

    def __post_init__(self) -> None:
        if not (self.floor > 0 and self.ceiling > self.floor):
            raise PlanInputError(
                "band", f"need 0 < floor < ceiling, got floor {self.floor}, ceiling {self.ceiling}"
            )
        for name in ("fund", "initial_stock", "capacity", "max_trade"):
            v = getattr(self, name)
            if math.isnan(v) or v < 0:
                raise PlanInputError(name, f"must be >= 0, got {v!r}")
        if self.initial_stock > self.capacity:
            raise PlanInputError(
                "initial_stock",
                f"{self.initial_stock:g} exceeds the storage capacity {self.capacity:g}",
            )


@dataclass(frozen=True)
class BandResult:
    """Statistics of a band over simulated paths.

    Attributes
    ----------
    policy : BandPolicy
        The band.
    volatility_free, volatility_band : float
        Mean annualised volatility of monthly log price changes without / with the agency
        [1/sqrt(yr)].
    volatility_reduction : float
        ``1 - volatility_band / volatility_free`` [-].
    mean_net_cash : float
        Mean money at the end minus the fund [USD] (negative: net cost).
    mean_profit : float
        Mean of money plus stock at the final price, minus the fund and the initial stock at
        the start price [USD].
    mean_end_stock : float
        Mean stock at the end [unit].
    prob_collapse, prob_money_out, prob_stock_out : float
        Share of paths on which the band broke for lack of money (or room), of stock, or
        either [-].
    time_in_band : float
        Share of months the price ends inside the band [-].
    min_money, min_stock, max_stock : float
        Extremes over all paths and months [USD], [unit], [unit].
    """

    policy: BandPolicy
    volatility_free: float
    volatility_band: float
    volatility_reduction: float
    mean_net_cash: float
    mean_profit: float
    mean_end_stock: float
    prob_collapse: float
    prob_money_out: float
    prob_stock_out: float
    time_in_band: float
    min_money: float
    min_stock: float
    max_stock: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dictionary."""
        p = self.policy
        return {
            "floor": p.floor,
            "ceiling": p.ceiling,
            "fund_usd": p.fund,
            "initial_stock": p.initial_stock,
            "capacity": p.capacity,
            "volatility_free": self.volatility_free,
            "volatility_band": self.volatility_band,
            "volatility_reduction": self.volatility_reduction,
            "mean_net_cash_usd": self.mean_net_cash,
            "mean_profit_usd": self.mean_profit,
            "mean_end_stock": self.mean_end_stock,
            "prob_collapse": self.prob_collapse,
            "prob_money_out": self.prob_money_out,
            "prob_stock_out": self.prob_stock_out,
            "time_in_band": self.time_in_band,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)


def _simulate(process: PriceProcess, policy: BandPolicy, shocks: FloatArray) -> BandResult:
    n, t = shocks.shape
    k = math.log(2.0) / process.half_life_years
    decay = math.exp(-k * _DT)
    step_sd = process.volatility * math.sqrt((1.0 - decay**2) / (2.0 * k))
    mu = math.log(process.mean_price)
    b = process.impact_per_unit
    lf, lc = math.log(policy.floor), math.log(policy.ceiling)
    x = np.full(n, math.log(process.start_price))
    x_free = x.copy()
    money = np.full(n, float(policy.fund))
    stock = np.full(n, float(policy.initial_stock))
    active = np.ones(n, dtype=bool)
    money_out = np.zeros(n, dtype=bool)
    stock_out = np.zeros(n, dtype=bool)
    path = np.empty((t + 1, n))
    free = np.empty((t + 1, n))
    path[0] = x
    free[0] = x_free
    in_band = 0
    min_money, min_stock, max_stock = float(money.min()), float(stock.min()), float(stock.max())
    tol = 1e-12
    for j in range(t):
        x = mu + (x - mu) * decay + step_sd * shocks[:, j]
        x_free = mu + (x_free - mu) * decay + step_sd * shocks[:, j]
        price = np.exp(x)
        low = active & (x < lf)
        if low.any():
            need = (lf - x[low]) / b
            room = policy.capacity - stock[low]
            afford = money[low] / policy.floor
            q = np.minimum(np.minimum(need, room), np.minimum(afford, policy.max_trade))
            q = np.maximum(q, 0.0)
            paid = np.minimum(q * price[low] * np.exp(b * q), money[low])
            money[low] -= paid
            stock[low] += q
            x[low] += b * q
            broke = need > q * (1 + tol) + tol
            failed = np.zeros(n, dtype=bool)
            failed[low] = broke
            money_out |= failed
            active &= ~failed
        high = active & (x > lc)
        if high.any():
            need = (x[high] - lc) / b
            q = np.maximum(np.minimum(np.minimum(need, stock[high]), policy.max_trade), 0.0)
            money[high] += q * price[high] * np.exp(-b * q)
            stock[high] = np.maximum(stock[high] - q, 0.0)
            x[high] -= b * q
            broke = need > q * (1 + tol) + tol
            failed = np.zeros(n, dtype=bool)
            failed[high] = broke
            stock_out |= failed
            active &= ~failed
        in_band += int(((x >= lf - 1e-9) & (x <= lc + 1e-9)).sum())
        min_money = min(min_money, float(money.min()))
        min_stock = min(min_stock, float(stock.min()))
        max_stock = max(max_stock, float(stock.max()))
        path[j + 1] = x
        free[j + 1] = x_free
    ann = math.sqrt(12.0)
    vol_band = float(np.std(np.diff(path, axis=0), axis=0, ddof=1).mean() * ann) if t > 1 else 0.0
    vol_free = float(np.std(np.diff(free, axis=0), axis=0, ddof=1).mean() * ann) if t > 1 else 0.0
    end_price = np.exp(x)
    value0 = policy.fund + policy.initial_stock * process.start_price
    return BandResult(
        policy=policy,
        volatility_free=vol_free,
        volatility_band=vol_band,
        volatility_reduction=1.0 - vol_band / vol_free if vol_free > 0 else 0.0,
        mean_net_cash=float((money - policy.fund).mean()),
        mean_profit=float((money + stock * end_price - value0).mean()),
        mean_end_stock=float(stock.mean()),
        prob_collapse=float((money_out | stock_out).mean()),
        prob_money_out=float(money_out.mean()),
        prob_stock_out=float(stock_out.mean()),
        time_in_band=in_band / (n * t) if t else 1.0,
        min_money=min_money,
        min_stock=min_stock,
        max_stock=max_stock,
    )


def _shocks(months: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
    if months < 1 or n_paths < 1:
        raise PlanInputError("months/n_paths", f"need >= 1, got {months}, {n_paths}")
    if not isinstance(rng, np.random.Generator):
        raise PlanInputError("rng", "pass a numpy.random.Generator")
    return rng.standard_normal((n_paths, months))


def simulate_band(
    process: PriceProcess,
    policy: BandPolicy,
    months: int,
    n_paths: int,
    rng: np.random.Generator,
) -> BandResult:
    """Simulate the band on ``n_paths`` monthly price paths of ``months`` months.

    Parameters
    ----------
    process : PriceProcess
        The price model.
    policy : BandPolicy
        Band, money and stock.
    months : int
        Horizon [month].
    n_paths : int
        Number of paths.
    rng : numpy.random.Generator
        Source of the price shocks.
    """
    return _simulate(process, policy, _shocks(months, n_paths, rng))


@dataclass(frozen=True)
class BandTuning:
    """Result of :func:`tune_band`: the chosen band and every band tried."""

    best: BandResult | None
    tried: tuple[BandResult, ...]
    max_collapse: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        return {
            "max_collapse": self.max_collapse,
            "best": self.best.to_dict() if self.best else None,
            "tried": [r.to_dict() for r in self.tried],
        }


def tune_band(
    process: PriceProcess,
    fund: float,
    capacity: float,
    initial_stock: float,
    floors: Sequence[float],
    ceilings: Sequence[float],
    months: int,
    n_paths: int,
    rng: np.random.Generator,
    max_collapse: float = 0.05,
) -> BandTuning:
    """Choose the band that damps volatility most with collapse probability <= ``max_collapse``.

    Every (floor, ceiling) pair with ``floor < ceiling`` is simulated on the same shocks
    (common random numbers); ties go to the higher mean profit.

    Parameters
    ----------
    process : PriceProcess
        Price model.
    fund, capacity, initial_stock : float
        Money [USD], storage capacity [unit] and opening stock [unit].
    floors, ceilings : sequence of float
        Candidate band edges [USD/unit].
    months, n_paths : int
        Horizon [month] and number of paths.
    rng : numpy.random.Generator
        Source of the shocks.
    max_collapse : float
        Largest acceptable collapse probability [-].
    """
    shocks = _shocks(months, n_paths, rng)
    tried: list[BandResult] = []
    for lo in floors:
        for hi in ceilings:
            if lo < hi:
                pol = BandPolicy(float(lo), float(hi), fund, initial_stock, capacity)
                tried.append(_simulate(process, pol, shocks))
    if not tried:
        raise PlanInputError("floors/ceilings", "no pair with floor < ceiling")
    ok = [r for r in tried if r.prob_collapse <= max_collapse]
    best = max(ok, key=lambda r: (r.volatility_reduction, r.mean_profit)) if ok else None
    return BandTuning(best, tuple(tried), max_collapse)
