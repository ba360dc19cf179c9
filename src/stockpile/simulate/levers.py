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
- ``move_downstream``: the supplier restricts exports of an upstream product (separated oxide)
  while it keeps exporting the downstream one (magnets), on the stage network
  (:mod:`stockpile.simulate.stages`): producers outside the supplier that it fed lose their
  feed, its own downstream exports continue and may grow to fill the gap
  (:mod:`stockpile.simulate._lever_downstream`).

Equations and units: ``docs/model.md``, "Supplier levers".
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from stockpile.simulate.distributions import Distribution, Fixed
from stockpile.simulate.inuse import (
    Lifetime,
    LifetimeKind,
    inflow_driven_stock,
    recycling_target_path,
)

__all__ = [
    "CompiledLevers",
    "DownstreamExpansion",
    "DownstreamSpec",
    "Lever",
    "LeverKind",
    "LowGradeOre",
    "MoveDownstream",
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
    MOVE_DOWNSTREAM = "move_downstream"


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


def _within(lo: float, hi: float, what: str) -> Any:
    def check(spec: Distribution) -> Distribution:
        s_lo, s_hi = spec.support()
        if s_lo < lo or s_hi > hi:
            raise ValueError(
                f"{what} must lie in [{lo:g}, {hi:g}], but the distribution spans "
                f"[{s_lo:g}, {s_hi:g}]"
            )
        return spec

    return AfterValidator(check)


class DownstreamExpansion(BaseModel):
    """New downstream capacity of the supplier that fills the gap its restriction leaves.

    Give ``share`` (of world output at the stage where U.S. imports arrive [-]) or
    ``capacity_per_year`` [``unit``/yr]; it comes on line ``lead_months`` after the restriction
    reaches that stage and ramps linearly over ``ramp_months``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: _Share | None = None
    capacity_per_year: _Quantity | None = None
    unit: str = "metric_ton"
    lead_months: int = Field(default=0, ge=0, le=1200)
    ramp_months: int = Field(default=1, ge=1, le=1200)
    source: str = ""
    assumption: bool = False

    @model_validator(mode="after")
    def _one(self) -> DownstreamExpansion:
        if (self.share is None) == (self.capacity_per_year is None):
            raise ValueError("give exactly one of 'share' and 'capacity_per_year'")
        if not self.source and not self.assumption:
            raise ValueError("an expansion needs a 'source' or 'assumption: true'")
        return self


class MoveDownstream(_Lever):
    """The supplier restricts exports of upstream product(s) and keeps exporting downstream.

    ``stage`` names the restricted stage(s) (``refined`` = separated oxide), ``downstream_stage``
    the stage whose exports continue (``magnet``). ``cut_share`` is the share of the supplier's
    upstream exports withheld [-], drawn like an export control's ``withheld_share``, with the
    same ``start_month``, ``duration_months`` (absent: permanent, to the horizon) and
    ``probability``. ``expansion`` is the supplier's optional new downstream capacity.
    """

    kind: Literal["move_downstream"]
    country: str
    stage: list[str] = Field(min_length=1)
    downstream_stage: str
    cut_share: Annotated[Distribution, _within(0.0, 1.0, "cut_share")]
    start_month: Annotated[Distribution, _within(0.0, 1200.0, "start_month")] = Fixed(value=0.0)
    duration_months: Annotated[Distribution, _within(0.0, 1200.0, "duration_months")] | None = None
    probability: float = Field(default=1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    expansion: DownstreamExpansion | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


Lever = Annotated[
    SupplierReserve
    | NewSupplyAbroad
    | PriceSubstitution
    | LowGradeOre
    | UrbanMining
    | MoveDownstream,
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
class DownstreamSpec:
    """A compiled move downstream of one material (see ``docs/model.md``, "Supplier levers").

    Attributes
    ----------
    material : index of the material.
    events : indices of the compiled events of the restriction (one per pipeline lead time).
    world, us : per event, the share of world supply at the arrival stage and of U.S. imports
        lost per unit cut [-] (the sum over its ``ISO3@stage`` columns).
    expansion : the supplier's new downstream capacity once fully on line, share of world
        supply at the arrival stage [-] (0: none).
    lead_months, ramp_months : months from the restriction's arrival until the expansion
        starts, and of its ramp [month].
    """

    material: int
    events: tuple[int, ...]
    world: tuple[float, ...]
    us: tuple[float, ...]
    expansion: float = 0.0
    lead_months: int = 0
    ramp_months: int = 1

    def on_line(self, months_since: FloatArray) -> FloatArray:
        """Expansion on line [share of world supply] ``months_since`` months after the
        restriction reached the arrival stage (the month it arrives counts as 0) [-]."""
        frac: FloatArray = np.clip(
            (months_since - self.lead_months + 1.0) / self.ramp_months, 0.0, 1.0
        )
        return self.expansion * frac


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
    downstream : moves downstream whose supplier expands its downstream capacity (the
        restriction itself is compiled into stage events).
    notes : provenance and labelled assumptions, one line per lever.
    """

    reserves: tuple[ReserveSpec, ...] = ()
    price_responses: tuple[PriceResponseSpec, ...] = ()
    world_supply: FloatArray | None = None
    us_offtake: FloatArray | None = None
    offtake_blocked_by: tuple[tuple[int, ...], ...] = ()
    recycling: FloatArray | None = None
    downstream: tuple[DownstreamSpec, ...] = ()
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
            or bool(self.downstream)
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
