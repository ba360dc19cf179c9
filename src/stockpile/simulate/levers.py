"""The supplier's answers and the market's own adjustments as scenario levers.

A scenario's ``levers:`` section lists them; each names one material, carries a ``source`` or is
labelled ``assumption: true``, and is compiled into per-batch arrays for the engine's lever steps
(:mod:`stockpile.simulate._lever_steps`):

- ``supplier_reserve``: a state reserve of a supplying country (stock, money, a price band it
  defends, monthly limits, domestic buyers only or all) acting in the monthly price clearing
  (:mod:`stockpile.simulate.reserve`); it can run out.
- ``new_supply_abroad``: capacity in a named country, owned by a named country, on line after a
  lead time and a ramp; it adds to world supply and, for the share contracted to U.S. buyers,
  replaces lost U.S. imports unless the owner's export controls reach it.
- ``price_substitution`` and ``low_grade_ore``: demand that switches away, or supply that
  appears, once the price has stayed above a threshold for a lag, ramping to a maximum share.
- ``urban_mining``: secondary supply from the U.S. in-use stock (a dynamic stock model,
  :mod:`stockpile.simulate.inuse`) steered towards a recycling-rate target; the increase over
  today's secondary supply adds to U.S. supply.

Equations and units: ``docs/model.md``, "Supplier levers".
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from stockpile.simulate.inuse import (
    Lifetime,
    LifetimeKind,
    inflow_driven_stock,
    recycling_target_path,
)

__all__ = [
    "CompiledLevers",
    "Lever",
    "LeverKind",
    "LowGradeOre",
    "NewSupplyAbroad",
    "PriceResponseSpec",
    "PriceSubstitution",
    "ReserveSpec",
    "SupplierReserve",
    "UrbanMining",
    "urban_mining_increment",
]

FloatArray = npt.NDArray[np.float64]

_Quantity = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class LeverKind(enum.StrEnum):
    """Names of the lever kinds (the ``kind`` field)."""

    SUPPLIER_RESERVE = "supplier_reserve"
    NEW_SUPPLY_ABROAD = "new_supply_abroad"
    PRICE_SUBSTITUTION = "price_substitution"
    LOW_GRADE_ORE = "low_grade_ore"
    URBAN_MINING = "urban_mining"


class _Lever(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    material: str
    source: str = ""
    assumption: bool = False
    rationale: str = ""

    @model_validator(mode="after")
    def _labelled(self) -> _Lever:
        if not self.source and not self.assumption:
            raise ValueError("a lever needs a 'source' or 'assumption: true'")
        return self


class SupplierReserve(_Lever):
    """A supplying country's state reserve defending a price band [quantities in ``unit``]."""

    kind: Literal["supplier_reserve"]
    country: str
    unit: str = "metric_ton"
    stock: _Quantity
    cash_usd: _Quantity = 0.0
    trigger_ratio: float = Field(gt=0, allow_inf_nan=False)
    floor_ratio: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    max_sell_per_month: _Quantity | None = None
    max_buy_per_month: _Quantity | None = None
    capacity: _Quantity | None = None
    domestic_only: bool = False
    domestic_share: _Share | None = None

    @model_validator(mode="after")
    def _band(self) -> SupplierReserve:
        if self.floor_ratio >= self.trigger_ratio:
            raise ValueError("floor_ratio must be below trigger_ratio")
        if self.domestic_only and self.domestic_share is None:
            raise ValueError("domestic_only needs domestic_share (the country's share of demand)")
        return self


class NewSupplyAbroad(_Lever):
    """New capacity in ``country`` owned by ``owner`` [capacity in ``unit`` per year]."""

    kind: Literal["new_supply_abroad"]
    country: str
    owner: str
    unit: str = "metric_ton"
    capacity_per_year: _Quantity
    lead_months: int = Field(ge=0, le=1200)
    ramp_months: int = Field(default=12, ge=1, le=1200)
    us_offtake_share: _Share | None = None
    """Share of the new output sold to U.S. buyers; default: the U.S. share of world
    consumption (U.S. consumption / world production)."""
    follows_owner_controls: bool = True


class _PriceResponse(_Lever):
    threshold_ratio: float = Field(gt=1.0, allow_inf_nan=False)
    lag_months: int = Field(default=6, ge=0, le=600)
    ramp_months: int = Field(default=12, ge=1, le=600)
    max_share: _Share


class PriceSubstitution(_PriceResponse):
    """Civilian demand that switches away once the price stays above a threshold."""

    kind: Literal["price_substitution"]


class LowGradeOre(_PriceResponse):
    """Supply from low-grade ore and marginal producers once the price stays above a threshold,
    as a share of world production; U.S. buyers get their share of world consumption of it."""

    kind: Literal["low_grade_ore"]


class _LifetimeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: LifetimeKind
    mean: float = Field(gt=0, allow_inf_nan=False)
    sd: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    shape: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class UrbanMining(_Lever):
    """Secondary supply from the U.S. in-use stock steered towards a recycling-rate target.

    ``inflow`` lists the material entering U.S. use each year [``unit``/yr], oldest first, ending
    in the year before the scenario starts; without it, today's U.S. consumption is taken for
    each of ``history_years`` (a labelled assumption in the compiled note).
    """

    kind: Literal["urban_mining"]
    unit: str = "metric_ton"
    inflow: list[_Quantity] | None = None
    history_years: int = Field(default=40, ge=1, le=200)
    lifetime: _LifetimeSpec
    collection_rate: _Share
    processing_yield: _Share
    target_rir: _Share = 0.25
    ramp_years: int = Field(default=5, ge=1, le=100)
    max_collection: _Share = 1.0


Lever = Annotated[
    SupplierReserve | NewSupplyAbroad | PriceSubstitution | LowGradeOre | UrbanMining,
    Field(discriminator="kind"),
]


@dataclass(frozen=True)
class ReserveSpec:
    """A compiled supplier reserve (quantities as shares of monthly world production [-])."""

    material: int
    stock: float
    cash_usd: float
    price0_usd: float
    trigger_ratio: float
    floor_ratio: float
    max_sell: float
    max_buy: float
    capacity: float
    domestic_only: bool
    domestic_share: float
    world_per_month: float
    """World production [unit/month], to turn shares back into quantities."""


@dataclass(frozen=True)
class PriceResponseSpec:
    """A compiled price-triggered response (substitution of demand or low-grade supply)."""

    material: int
    supply: bool
    us_per_share: float
    """U.S. supply gained per unit of world-supply share [unit/month] (low-grade ore only)."""
    threshold_ratio: float
    lag_months: int
    ramp_months: int
    max_share: float


@dataclass(frozen=True)
class CompiledLevers:
    """All levers of a scenario, ready for the engine.

    Attributes
    ----------
    reserves : supplier reserves.
    price_responses : price-triggered substitution and low-grade supply.
    world_supply : new supply abroad entering the world market, share of world production
        [M, T] [-].
    us_offtake : new supply abroad contracted to U.S. buyers [M, T] [unit/month].
    offtake_blocked_by : per material, the events that block the U.S. offtake while active.
    recycling : increase of U.S. secondary supply over today's, share of U.S. consumption
        [M, T] [-].
    notes : provenance and labelled assumptions, one line per lever.
    """

    reserves: tuple[ReserveSpec, ...] = ()
    price_responses: tuple[PriceResponseSpec, ...] = ()
    world_supply: FloatArray | None = None
    us_offtake: FloatArray | None = None
    offtake_blocked_by: tuple[tuple[int, ...], ...] = ()
    recycling: FloatArray | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """Whether the scenario has no levers."""
        return not (
            self.reserves
            or self.price_responses
            or self.world_supply is not None
            or self.us_offtake is not None
            or self.recycling is not None
        )


def urban_mining_increment(
    lever: UrbanMining, consumption_per_year: float, months: int
) -> tuple[FloatArray, str]:
    """Monthly increase of secondary supply over today's, as a share of U.S. consumption [-].

    Parameters
    ----------
    lever : the urban-mining lever (quantities already in the material's unit).
    consumption_per_year : U.S. consumption [unit/yr], positive.
    months : months to simulate.

    Returns
    -------
    tuple
        The share path [T] and a note on the assumptions used.
    """
    years = math.ceil(months / 12)
    if lever.inflow is not None and lever.inflow:
        history = list(lever.inflow)
        basis = "inflow given in the scenario"
    else:
        history = [consumption_per_year] * lever.history_years
        basis = f"ASSUMPTION: inflow = today's U.S. consumption for {lever.history_years} years"
    # the future inflow holds at today's consumption over the horizon
    inflow = np.array(history + [consumption_per_year] * years, dtype=np.float64)
    spec = lever.lifetime
    model = inflow_driven_stock(
        inflow, Lifetime(spec.kind, mean=spec.mean, sd=spec.sd, shape=spec.shape)
    )
    start = len(history)
    outflow = model.outflow[start - 1 : start + years]
    path = recycling_target_path(
        outflow,
        consumption_per_year,
        current_collection=lever.collection_rate,
        processing_yield=lever.processing_yield,
        target_rir=lever.target_rir,
        ramp_years=lever.ramp_years,
        max_collection=lever.max_collection,
    )
    gain = np.maximum(path.secondary[1:] - path.secondary[0], 0.0) / consumption_per_year
    reach = "reached" if path.reachable[-1] else "NOT reachable from the end-of-life flow"
    note = (
        f"EoL-RIR {path.eol_rir[0]:.1%} today -> {path.eol_rir[-1]:.1%} "
        f"(target {lever.target_rir:.0%}, {reach}); {basis}"
    )
    year = np.minimum(np.arange(months) // 12, gain.size - 1)
    out: FloatArray = gain[year]
    return out, note
