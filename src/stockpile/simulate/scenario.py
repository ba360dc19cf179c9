"""Scenario models: the declarative description of a disruption and the responses to it.

A scenario names the materials, the baseline (from the reference data unless overridden), the
named uncertain assumptions (elasticities, the split of U.S. demand into priority classes), the
events (export controls, conflict, outages), the responses that ramp over time and the stockpile
policy. Every uncertain number is a distribution spec (:mod:`stockpile.simulate.distributions`).
Structure and ranges are checked here; names of materials and countries are checked against
the reference data by :func:`stockpile.simulate.checks.check_scenario`.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from stockpile.simulate.distributions import Distribution, Fixed
from stockpile.simulate.errors import FieldError
from stockpile.simulate.levers import Lever

__all__ = [
    "Assumptions",
    "Austerity",
    "BaselineOverride",
    "BaselineSpec",
    "Conflict",
    "DemandSplit",
    "ElasticityAssumption",
    "Event",
    "ExportControl",
    "FormOption",
    "HoldingItem",
    "HoldingsSpec",
    "ImportOrigin",
    "MarketSpec",
    "NewSupply",
    "Outage",
    "PriorityClass",
    "RampShape",
    "Recycling",
    "ReleaseCapacityItem",
    "ReleaseTrigger",
    "Response",
    "Scenario",
    "SpareCapacity",
    "StageFeed",
    "StageForm",
    "StageNetworkSpec",
    "StageShares",
    "StockpileSpec",
    "Substitution",
    "Variant",
]


class PriorityClass(enum.StrEnum):
    """U.S. demand classes, in the order in which scarce supply is allocated."""

    DEFENCE = "defence"
    ESSENTIAL = "essential"
    OTHER = "other"


class ReleaseTrigger(enum.StrEnum):
    """When the stockpile may release material."""

    SHORTFALL = "shortfall"
    """Whenever a served priority class would otherwise be short."""
    EMERGENCY = "emergency"
    """Only while a conflict (or its replenishment period) is under way and a class is short."""
    NEVER = "never"
    """No releases (the counterfactual without a stockpile policy)."""


class ImportOrigin(enum.StrEnum):
    """Which country shares stand for the origin of U.S. imports."""

    SHIPPING_SOURCE = "shipping_source"
    """USGS U.S. import sources (country that shipped, not mine origin)."""
    WORLD_PRODUCTION = "world_production"
    """World production shares (origin of the material, ignoring intermediate processors)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_Spec = Distribution


def _range(lo: float, hi: float, what: str) -> Callable[[_Spec], _Spec]:
    def check(spec: _Spec) -> _Spec:
        s_lo, s_hi = spec.support()
        if s_lo < lo or s_hi > hi:
            raise ValueError(
                f"{what} must lie in [{lo:g}, {hi:g}], but the distribution spans "
                f"[{s_lo:g}, {s_hi:g}]"
            )
        return spec

    return check


def _negative(spec: _Spec) -> _Spec:
    s_lo, s_hi = spec.support()
    if not s_hi < 0:
        raise ValueError(
            f"demand elasticity must be < 0, but the distribution reaches {s_hi:g} "
            f"(spans [{s_lo:g}, {s_hi:g}])"
        )
    return spec


Share = Annotated[_Spec, AfterValidator(_range(0.0, 1.0, "a share"))]
Months = Annotated[_Spec, AfterValidator(_range(0.0, 1200.0, "a number of months"))]
Multiplier = Annotated[_Spec, AfterValidator(_range(0.0, 100.0, "a demand multiplier"))]
SupplyElasticity = Annotated[_Spec, AfterValidator(_range(0.0, 10.0, "a supply elasticity"))]
DemandElasticity = Annotated[_Spec, AfterValidator(_negative)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ElasticityAssumption(_Model):
    """Price elasticities of world demand and supply (short run, monthly clearing) [-]."""

    demand: DemandElasticity
    supply: SupplyElasticity
    rationale: str = ""


class DemandSplit(_Model):
    """Shares of U.S. consumption in the defence and essential-civilian classes [-]; the rest is
    'other'."""

    defence: Share
    essential: Share
    rationale: str = ""

    @model_validator(mode="after")
    def _sum(self) -> DemandSplit:
        top = self.defence.support()[1] + self.essential.support()[1]
        if top > 1.0 + 1e-12:
            raise ValueError(
                f"defence + essential shares can reach {top:g}; their maxima must sum to <= 1"
            )
        return self


class Assumptions(_Model):
    """Named uncertain assumptions, sampled per scenario by the Monte Carlo."""

    elasticity: ElasticityAssumption
    elasticity_by_material: dict[str, ElasticityAssumption] = Field(default_factory=dict)
    demand_split: DemandSplit
    demand_split_by_material: dict[str, DemandSplit] = Field(default_factory=dict)


class BaselineOverride(_Model):
    """Replace reference-data baseline figures for one material (annual figures, material unit)."""

    us_consumption: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    us_net_imports: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    us_production: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    us_import_shares: dict[str, float] | None = None
    world_shares: dict[str, float] | None = None
    price_usd_per_kg: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _shares(self) -> BaselineOverride:
        for label, shares in (
            ("us_import_shares", self.us_import_shares),
            ("world_shares", self.world_shares),
        ):
            if shares is None:
                continue
            for country, value in shares.items():
                if not (0.0 <= value <= 1.0) or math.isnan(value):
                    raise ValueError(f"{label}[{country}]: a share must be in [0, 1], got {value}")
            if sum(shares.values()) > 1.0 + 1e-9:
                raise ValueError(f"{label}: shares sum to {sum(shares.values()):g} > 1")
        if (
            self.us_consumption is not None
            and self.us_net_imports is not None
            and self.us_net_imports > self.us_consumption
        ):
            raise ValueError("us_net_imports cannot exceed us_consumption")
        if self.us_net_imports is not None and self.us_production is not None:
            raise ValueError("give us_net_imports or us_production, not both")
        return self


class BaselineSpec(_Model):
    """Which reference year to use and what to override."""

    year: int = Field(default=2024, ge=2021, le=2025)
    price_year: int | None = Field(default=None, ge=1900, le=2100)
    """Price year of the reference prices (default: the latest year with a price)."""
    us_import_origin: ImportOrigin = ImportOrigin.SHIPPING_SOURCE
    overrides: dict[str, BaselineOverride] = Field(default_factory=dict)


class _Timed(_Model):
    id: str = Field(min_length=1)
    source: str = ""
    start_month: Months = Fixed(value=0.0)
    duration_months: Months
    probability: Probability = 1.0


class ExportControl(_Timed):
    """A country withholds a share of its exports of some materials, to all or named targets.

    ``stage`` (``mine``, ``refined``, ``metal``, ``magnet``) places the control at one stage of
    the materials' chains (an ore export ban: ``mine``); without it the control acts on the
    country's share of the baseline origin shares, as before stages existed.
    """

    kind: Literal["export_control"]
    country: str
    materials: list[str] = Field(min_length=1)
    targets: list[str] = Field(default_factory=list)
    withheld_share: Share
    stage: str | None = None


class Outage(_Timed):
    """A mine or plant outage: a share of one country's production is lost (at ``stage``)."""

    kind: Literal["outage"]
    country: str
    materials: list[str] = Field(min_length=1)
    lost_share: Share
    stage: str | None = None


class Conflict(_Timed):
    """A conflict: shipping losses on sea routes, defence demand surge, then replenishment."""

    kind: Literal["conflict"]
    materials: list[str] | None = None
    sea_route_countries: list[str] = Field(default_factory=list)
    shipping_loss: Share
    defence_surge: Multiplier
    replenishment_months: Months = Fixed(value=36.0)
    replenishment_surge: Multiplier = Fixed(value=1.0)


Event = Annotated[ExportControl | Outage | Conflict, Field(discriminator="kind")]


class RampShape(enum.StrEnum):
    """How a response ramps up from the disruption onset."""

    LINEAR = "linear"
    """``clip((t - onset - lead + 1) / ramp, 0, 1)`` with its own lead and ramp months."""
    CALIBRATED = "calibrated"
    """``1 - exp(-(t - onset) / T)`` with the market dynamics' adjustment time T of the same
    Monte Carlo scenario (needs ``market.dynamics``)."""


_NO_LEAD = Fixed(value=0.0)
_NO_RAMP = Fixed(value=1.0)


class _Ramped(_Model):
    materials: list[str] | None = None
    max_share: Share
    lead_months: Months = _NO_LEAD
    ramp_months: Months = _NO_RAMP
    ramp: RampShape = RampShape.LINEAR
    rationale: str = ""

    _calibrated_timing: ClassVar[bool] = False
    """Whether the response may take ``ramp: calibrated`` (a response that is not itself a
    price response of the calibrated market)."""

    @model_validator(mode="after")
    def _timing(self) -> _Ramped:
        if self.ramp is not RampShape.CALIBRATED:
            return self
        kind = getattr(self, "kind", "")
        if not self._calibrated_timing:
            raise FieldError(
                "ramp",
                f"'calibrated' applies to new_supply and recycling only, not to {kind} "
                "(its timing is its own: give lead_months and ramp_months)",
            )
        if self.lead_months != _NO_LEAD or self.ramp_months != _NO_RAMP:
            raise FieldError(
                "ramp",
                "with 'calibrated' the timing is the market's adjustment time T; "
                "leave out lead_months and ramp_months",
            )
        return self


class _PriceLike(_Ramped):
    """A response of the kind the calibrated price response already holds (docs/model.md,
    "Responses"): with ``market.dynamics`` it is accepted only as ``beyond_price_response``
    with a ``source`` naming the capacity or event the elasticities do not capture."""

    beyond_price_response: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> _PriceLike:
        if self.beyond_price_response and not self.source.strip():
            raise FieldError(
                "source",
                "beyond_price_response needs a source naming the capacity or event "
                "that the calibrated elasticities do not capture",
            )
        return self


class SpareCapacity(_PriceLike):
    """Spare capacity brought to the world market, as a share of world production."""

    kind: Literal["spare_capacity"]


class NewSupply(_Ramped):
    """New supply from other countries, as a share of the U.S. imports lost."""

    kind: Literal["new_supply"]
    _calibrated_timing: ClassVar[bool] = True


class Recycling(_Ramped):
    """Secondary supply, as a share of U.S. baseline consumption."""

    kind: Literal["recycling"]
    _calibrated_timing: ClassVar[bool] = True


class Substitution(_PriceLike):
    """Substitution, as a share of civilian (essential and other) demand removed."""

    kind: Literal["substitution"]


class Austerity(_Ramped):
    """Civil austerity: a share of 'other' (non-essential) demand cut."""

    kind: Literal["austerity"]


Response = Annotated[
    SpareCapacity | NewSupply | Recycling | Substitution | Austerity,
    Field(discriminator="kind"),
]


def _check_shares(shares: dict[str, float], what: str, *, total: bool) -> None:
    for country, value in shares.items():
        if math.isnan(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"{what}.{country}: a share must be in [0, 1], got {value}")
    sum_ = sum(shares.values())
    if total and abs(sum_ - 1.0) > 1e-6:
        raise ValueError(f"{what}: feed shares sum to {sum_:g}, they must sum to 1")
    if not total and sum_ > 1.0 + 1e-6:
        raise ValueError(f"{what}: shares sum to {sum_:g} > 1")


class StageFeed(_Model):
    """A sourced feed matrix of one stage: for each producing country at the stage, the shares
    of its feed that come from each country of the stage above (each row sums to 1)."""

    shares: dict[str, dict[str, float]] = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _rows(self) -> StageFeed:
        for country, row in self.shares.items():
            _check_shares(row, f"shares.{country}", total=True)
        return self


class StageShares(_Model):
    """Country shares of world output at one stage [fraction], sourced."""

    shares: dict[str, float] = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _sum(self) -> StageShares:
        _check_shares(self.shares, "shares", total=False)
        return self


class StageNetworkSpec(_Model):
    """How one material flows through its stages in the scenario.

    Attributes
    ----------
    arrival : the stage at which U.S. imports arrive (default: the most downstream stage with
        sourced country shares).
    lead_months : months of material in transit between the stage above and each stage (the
        pipeline lead time a cut takes to reach the stage) [month]; 0 where not given.
    feed : sourced feed matrices by stage; without one a stage's producers outside the
        countries of the stage above draw feed in proportion to traded (surplus) shares.
    shares : sourced country shares for stages the reference data lack.
    """

    arrival: str | None = None
    lead_months: dict[str, float] = Field(default_factory=dict)
    feed: dict[str, StageFeed] = Field(default_factory=dict)
    shares: dict[str, StageShares] = Field(default_factory=dict)
    source: str = ""

    @model_validator(mode="after")
    def _leads(self) -> StageNetworkSpec:
        for stage, months in self.lead_months.items():
            if math.isnan(months) or not 0.0 <= months <= 120.0:
                raise ValueError(f"lead_months.{stage}: must be in [0, 120] months, got {months}")
        return self


class StageForm(_Model):
    """A stockpile lot held in a form of a material's chain (``mine`` = ore or concentrate,
    ``refined``, ``metal``...), in contained material.

    A lot in a form upstream of the stage at which U.S. imports arrive serves demand only after
    conversion: ``conversion_capacity`` gives, by country, the capacity [``unit`` of contained
    material per month] that may convert the lot; from ``conversion_lead_months`` after the
    disruption onset the lot becomes usable at the capacity of the countries that no scenario
    event cuts at the conversion stages.
    """

    material: str
    form: str
    quantity: float = Field(ge=0, allow_inf_nan=False)
    unit: str = Field(min_length=1)
    conversion_capacity: dict[str, float] = Field(default_factory=dict)
    conversion_lead_months: float = Field(default=0.0, ge=0, le=120, allow_inf_nan=False)
    illustrative: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _label(self) -> StageForm:
        for country, cap in self.conversion_capacity.items():
            if math.isnan(cap) or cap < 0:
                raise ValueError(f"conversion_capacity.{country}: must be >= 0, got {cap}")
        if not self.illustrative and not self.source:
            raise ValueError("a lot needs 'illustrative: true' or a 'source'")
        return self


class FormOption(_Model):
    """One way of holding the stockpile, for a comparison of forms (ore against metal)."""

    id: str = Field(min_length=1)
    lots: list[StageForm] = Field(min_length=1)
    rationale: str = ""


class HoldingItem(_Model):
    """One material held at the start [quantity in ``unit``]."""

    material: str
    quantity: float = Field(ge=0, allow_inf_nan=False)
    unit: str = Field(min_length=1)


class HoldingsSpec(_Model):
    """Default holdings shipped with a scenario: must say they are illustrative or give a source."""

    illustrative: bool = False
    source: str = ""
    items: list[HoldingItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _label(self) -> HoldingsSpec:
        if self.items and not self.illustrative and not self.source:
            raise ValueError("holdings need 'illustrative: true' or a 'source'")
        return self


class ReleaseCapacityItem(_Model):
    """An absolute monthly release capacity of one material [``unit`` per month] (the depots'
    shipping capacity), with its source."""

    material: str
    capacity: float = Field(ge=0, allow_inf_nan=False)
    unit: str = Field(min_length=1)
    illustrative: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _label(self) -> ReleaseCapacityItem:
        if not self.illustrative and not self.source:
            raise ValueError("a release capacity needs 'illustrative: true' or a 'source'")
        return self


class StockpileSpec(_Model):
    """Release policy and depot capacity: each month the stockpile releases at most
    ``release_capacity_share`` x initial holdings and, for a material listed in
    ``release_capacity``, at most its absolute capacity [unit/month]."""

    trigger: ReleaseTrigger = ReleaseTrigger.SHORTFALL
    serve: list[PriorityClass] = Field(
        default_factory=lambda: [PriorityClass.DEFENCE, PriorityClass.ESSENTIAL]
    )
    release_capacity_share: Share = Fixed(value=1.0)
    release_capacity: list[ReleaseCapacityItem] = Field(default_factory=list)
    holdings: HoldingsSpec = Field(default_factory=HoldingsSpec)
    forms: list[StageForm] = Field(default_factory=list)

    @model_validator(mode="after")
    def _serve(self) -> StockpileSpec:
        order = list(PriorityClass)[: len(self.serve)]
        if list(self.serve) != order:
            raise ValueError(
                "serve must follow the priority order without gaps: [defence], "
                "[defence, essential] or [defence, essential, other]"
            )
        return self


class MarketDynamicsSpec(_Model):
    """Dynamics of the world market after a disruption's onset (``stockpile.market_dynamics``):
    the price response grows from its short-run value (the elasticities) to ``k`` times it with
    e-folding time ``T``; inventories of ``c`` months of world consumption cover the gap first.
    Each is drawn once per Monte Carlo scenario."""

    long_run_multiplier: Annotated[_Spec, AfterValidator(_range(1.0, 100.0, "k"))]
    adjustment_months: Annotated[_Spec, AfterValidator(_range(1e-6, 1200.0, "T [month]"))]
    inventory_cover_months: Annotated[
        _Spec, AfterValidator(_range(0.0, 120.0, "inventory cover [month]"))
    ]
    rationale: str = ""


class MarketSpec(_Model):
    """Settings of the world price clearing: the cap on the price ratio and, optionally, the
    market dynamics (off when absent: the static clearing of each month)."""

    max_price_ratio: float = Field(default=1000.0, gt=1.0, allow_inf_nan=False)
    dynamics: MarketDynamicsSpec | None = None


class Variant(_Model):
    """A variant of the scenario, compared with it on the same random draws: events dropped
    by id, then events, responses and levers added."""

    name: str
    title: str = ""
    description: str = ""
    drop_events: list[str] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)

    @model_validator(mode="after")
    def _name(self) -> Variant:
        if not _NAME.match(self.name):
            raise ValueError(f"name {self.name!r}: use lower-case letters, digits and '-'")
        return self


class Scenario(_Model):
    """A complete scenario."""

    name: str
    title: str = ""
    description: str = ""
    horizon_months: int = Field(ge=1, le=600)
    materials: list[str] = Field(min_length=1)
    baseline: BaselineSpec = Field(default_factory=BaselineSpec)
    assumptions: Assumptions
    market: MarketSpec = Field(default_factory=MarketSpec)
    events: list[Event] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)
    stockpile: StockpileSpec = Field(default_factory=StockpileSpec)
    variants: list[Variant] = Field(default_factory=list)
    stages: dict[str, StageNetworkSpec] = Field(default_factory=dict)
    form_comparison: list[FormOption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        if not _NAME.match(self.name):
            raise ValueError(f"name {self.name!r}: use lower-case letters, digits and '-'")
        ids = [e.id for e in self.events]
        if len(set(ids)) != len(ids):
            raise ValueError("events: two events share an id")
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variants: two variants share a name")
        options = [o.id for o in self.form_comparison]
        if len(set(options)) != len(options):
            raise ValueError("form_comparison: two options share an id")
        return self

    @model_validator(mode="after")
    def _responses_and_dynamics(self) -> Scenario:
        lists = [("responses", self.responses)] + [
            (f"variants[{j}].responses", v.responses) for j, v in enumerate(self.variants)
        ]
        for where, responses in lists:
            for i, r in enumerate(responses):
                _check_response_timing(r, f"{where}[{i}]", self.market)
        return self


def _check_response_timing(response: Response, path: str, market: MarketSpec) -> None:
    """Refuse a response that the market model already counts, or timed by dynamics it lacks.

    With ``market.dynamics`` the long-run price response stands for supply outside the cut
    country and for the users' substitution reacting to the price, so an unflagged
    ``spare_capacity`` or ``substitution`` response would count them twice; a ``ramp:
    calibrated`` response needs the dynamics' adjustment time (docs/model.md, "Responses").

    Raises
    ------
    ValueError
        Naming ``path`` (the response's field path) and the rule.
    """
    if market.dynamics is None:
        if response.ramp is RampShape.CALIBRATED:
            raise FieldError(
                f"{path}.ramp",
                "'calibrated' follows the adjustment time of market.dynamics, which this "
                "scenario does not have",
            )
        return
    if isinstance(response, _PriceLike) and not response.beyond_price_response:
        inside = (
            "world supply reacting to the price"
            if isinstance(response, SpareCapacity)
            else "civilian demand reacting to the price, r^(ed g)"
        )
        raise FieldError(
            f"{path}.beyond_price_response",
            f"a {response.kind} response is already inside the calibrated long-run price "
            f"response of market.dynamics ({inside}) and would count twice; remove it, or set "
            "beyond_price_response: true with a source naming a capacity or event the "
            "elasticities do not capture",
        )
