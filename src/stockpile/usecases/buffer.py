"""Buffer stock: simulate a price band defended by finite money and stock, or tune one."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from stockpile.plan import (
    BandPolicy,
    BandResult,
    BandTuning,
    PriceProcess,
    price_series,
    process_from_annual_prices,
    simulate_band,
    tune_band,
)
from stockpile.reference import get_material, load_prices
from stockpile.usecases._inputs import world_output
from stockpile.usecases.errors import UseCaseInputError
from stockpile.usecases.money import Money, money

__all__ = ["BandOutcome", "BandTuningOut", "BufferReport", "BufferRequest", "buffer_band"]

_FLOOR_STEPS = (0.6, 0.7, 0.8, 0.9)
_CEILING_STEPS = (1.1, 1.25, 1.5, 2.0)


class BufferRequest(BaseModel):
    """A band to simulate (``floor`` and ``ceiling``) or to tune (neither).

    Prices [USD/t]; ``fund`` [USD]; ``capacity`` and ``initial_stock`` [t]; ``half_life``
    [yr]; the elasticities [-] and the half-life are the caller's assumptions.
    """

    model_config = ConfigDict(frozen=True)

    material: str = Field(min_length=1)
    fund: float = Field(ge=0)
    capacity: float = Field(gt=0)
    initial_stock: float = Field(default=0.0, ge=0)
    half_life: float = Field(gt=0)
    demand_elasticity: float
    supply_elasticity: float
    floor: float | None = Field(default=None, gt=0)
    ceiling: float | None = Field(default=None, gt=0)
    max_collapse: float = Field(default=0.05, ge=0, le=1)
    months: int = Field(default=120, ge=1)
    paths: int = Field(default=2000, ge=1)
    seed: int = Field(default=0, ge=0)


class BandOutcome(BaseModel):
    """One band over the simulated paths: prices [USD/t], money [USD], stock [t], shares [-],
    volatilities [1/sqrt(yr)]."""

    model_config = ConfigDict(frozen=True)

    floor: float
    ceiling: float
    fund_usd: Money
    initial_stock: float
    capacity: float
    volatility_free: float
    volatility_band: float
    volatility_reduction: float
    mean_net_cash_usd: Money
    mean_profit_usd: Money
    mean_end_stock: float
    prob_collapse: float
    prob_money_out: float
    prob_stock_out: float
    time_in_band: float

    @classmethod
    def of(cls, r: BandResult) -> BandOutcome:
        """From the planner's :class:`~stockpile.plan.BandResult`."""
        p = r.policy
        return cls(
            floor=p.floor,
            ceiling=p.ceiling,
            fund_usd=money(p.fund),
            initial_stock=p.initial_stock,
            capacity=p.capacity,
            volatility_free=r.volatility_free,
            volatility_band=r.volatility_band,
            volatility_reduction=r.volatility_reduction,
            mean_net_cash_usd=money(r.mean_net_cash),
            mean_profit_usd=money(r.mean_profit),
            mean_end_stock=r.mean_end_stock,
            prob_collapse=r.prob_collapse,
            prob_money_out=r.prob_money_out,
            prob_stock_out=r.prob_stock_out,
            time_in_band=r.time_in_band,
        )


class BandTuningOut(BaseModel):
    """Every band tried on common random numbers and the best with P(collapse) at most
    ``max_collapse`` (null when none qualifies)."""

    model_config = ConfigDict(frozen=True)

    max_collapse: float
    best: BandOutcome | None
    tried: list[BandOutcome]

    @classmethod
    def of(cls, t: BandTuning) -> BandTuningOut:
        """From the planner's :class:`~stockpile.plan.BandTuning`."""
        return cls(
            max_collapse=t.max_collapse,
            best=None if t.best is None else BandOutcome.of(t.best),
            tried=[BandOutcome.of(r) for r in t.tried],
        )


class BufferReport(BaseModel):
    """The price model of a material and the simulated (or tuned) band."""

    model_config = ConfigDict(frozen=True)

    material: str
    price_series: str
    start_price_usd_per_t: float
    mean_price_usd_per_t: float
    volatility: float
    volatility_note: str
    world_production_t_per_yr: float
    log_impact_per_t: float
    band: BandOutcome | None = None
    tuning: BandTuningOut | None = None

    def bands(self) -> list[BandOutcome]:
        """The band simulated, or every band tried."""
        if self.band is not None:
            return [self.band]
        return [] if self.tuning is None else list(self.tuning.tried)

    def to_text(self) -> str:
        """The price model, then one line per band (and the choice when tuned)."""
        lines = [
            f"material: {self.material}",
            f"price_series: {self.price_series}",
            f"start_price_usd_per_t: {self.start_price_usd_per_t:,.2f}",
            f"mean_price_usd_per_t: {self.mean_price_usd_per_t:,.2f}",
            f"volatility: {self.volatility:.4g} ({self.volatility_note})",
            f"world_production_t_per_yr: {self.world_production_t_per_yr:,.0f}",
            f"log_impact_per_t: {self.log_impact_per_t:.4g}",
            f"{'floor':>10}{'ceiling':>10}{'vol. cut':>10}{'P(collapse)':>13}{'P(money)':>10}"
            f"{'P(stock)':>10}{'net cash USD':>16}{'end stock':>13}",
        ]
        for r in self.bands():
            lines.append(
                f"{r.floor:>10,.0f}{r.ceiling:>10,.0f}{r.volatility_reduction:>10.1%}"
                f"{r.prob_collapse:>13.1%}{r.prob_money_out:>10.1%}{r.prob_stock_out:>10.1%}"
                f"{float(r.mean_net_cash_usd):>16,.0f}{r.mean_end_stock:>13,.0f}"
            )
        if self.tuning is not None:
            best = self.tuning.best
            choice = f"{best.floor:,.0f} - {best.ceiling:,.0f}" if best else "none"
            lines.append(f"best band with P(collapse) <= {self.tuning.max_collapse:g}: {choice}")
        return "\n".join(lines)


def _process(request: BufferRequest) -> tuple[PriceProcess, str, float]:
    mat = get_material(request.material)
    per_kg, years = price_series(load_prices(), mat.reference_price)
    label = f"{mat.reference_price} (USGS MCS 2026)"
    market = world_output((mat.key,), ("metric_ton",))[mat.key]
    if not math.isfinite(market):
        raise UseCaseInputError("material", f"{request.material}: no world production data")
    process = process_from_annual_prices(
        [v * 1000.0 for v in per_kg],
        years,
        market,
        request.half_life,
        request.demand_elasticity,
        request.supply_elasticity,
        label,
    )
    return process, label, market


def buffer_band(request: BufferRequest) -> BufferReport:
    """Simulate the band ``floor``-``ceiling``, or tune one over floors of 60-90 % and
    ceilings of 110-200 % of the mean price when neither is given."""
    if (request.floor is None) != (request.ceiling is None):
        raise UseCaseInputError("floor", "give floor and ceiling, or neither to tune the band")
    process, label, market = _process(request)
    rng = np.random.default_rng(request.seed)
    band = tuning = None
    if request.floor is not None and request.ceiling is not None:
        policy = BandPolicy(
            request.floor, request.ceiling, request.fund, request.initial_stock, request.capacity
        )
        band = BandOutcome.of(simulate_band(process, policy, request.months, request.paths, rng))
    else:
        mean = process.mean_price
        tuned = tune_band(
            process,
            request.fund,
            request.capacity,
            request.initial_stock,
            [mean * f for f in _FLOOR_STEPS],
            [mean * c for c in _CEILING_STEPS],
            request.months,
            request.paths,
            rng,
            request.max_collapse,
        )
        tuning = BandTuningOut.of(tuned)
    return BufferReport(
        material=request.material,
        price_series=label,
        start_price_usd_per_t=process.start_price,
        mean_price_usd_per_t=process.mean_price,
        volatility=process.volatility,
        volatility_note="std of log changes of annual average prices (understates monthly)",
        world_production_t_per_yr=market,
        log_impact_per_t=process.impact_per_unit,
        band=band,
        tuning=tuning,
    )
