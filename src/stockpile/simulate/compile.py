"""Check a scenario against the reference data and compile it into arrays for the engine.

:func:`compile_scenario` resolves material and country names (refusing unknown ones with the
field path), builds the baseline, converts initial holdings to each material's unit and returns
a :class:`CompiledScenario`: plain arrays and distribution specs, picklable for workers.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stockpile.cover import DAYS_PER_YEAR
from stockpile.simulate._lever_compile import compile_levers
from stockpile.simulate._lever_downstream import downstream_events
from stockpile.simulate.baseline import (
    CountryIndex,
    MaterialBaseline,
    ReferenceFrames,
    build_baseline,
    load_reference_frames,
)
from stockpile.simulate.distributions import Distribution
from stockpile.simulate.errors import Problem, ScenarioError, SimulationInputError
from stockpile.simulate.forms import CompiledForms, compile_forms
from stockpile.simulate.levers import CompiledLevers
from stockpile.simulate.routes import PurchaseRoute, compile_release_capacity, compile_route
from stockpile.simulate.scenario import (
    Austerity,
    Conflict,
    ExportControl,
    MarketDynamicsSpec,
    NewSupply,
    Outage,
    PriorityClass,
    RampShape,
    Recycling,
    ReleaseTrigger,
    Scenario,
    SpareCapacity,
    Substitution,
)
from stockpile.simulate.stages import StageColumn, StageNetwork, compile_stages

__all__ = [
    "CompiledEvent",
    "CompiledResponse",
    "CompiledScenario",
    "EventKind",
    "ResponseKind",
    "compile_scenario",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
"""Days in a month of the days-of-cover definition (:func:`stockpile.cover.days_of_cover`:
a 365-day year) [day/month]."""


class EventKind(enum.StrEnum):
    """Kinds of compiled events."""

    EXPORT_CONTROL = "export_control"
    OUTAGE = "outage"
    CONFLICT = "conflict"


class ResponseKind(enum.StrEnum):
    """Kinds of compiled responses."""

    SPARE_CAPACITY = "spare_capacity"
    NEW_SUPPLY = "new_supply"
    RECYCLING = "recycling"
    SUBSTITUTION = "substitution"
    AUSTERITY = "austerity"


@dataclass(frozen=True)
class CompiledEvent:
    """An event on index arrays.

    Attributes
    ----------
    id : event id.
    kind : event kind.
    materials : bool mask over materials [M].
    countries : bool mask over the scenario's country axis [K] (conflict: sea-route countries).
    world : whether the event removes supply from the world market.
    us : whether the event removes supply from U.S. imports.
    share : share withheld, lost or lost at sea [-].
    start, duration : months [month] (floored / rounded to whole months when sampled).
    probability : probability that the event occurs [-].
    surge, replenishment_months, replenishment_surge : conflict only (defence demand multipliers
        [-] and replenishment length [month]); ``None`` for other events.
    delay : months added to the drawn start (a stage event's pipeline lead time) [month].
    draws_of : index of an earlier compiled event whose draws this one reuses (a stage event
        split by lead time keeps one set of draws); ``None`` = draws of its own.
    """

    id: str
    kind: EventKind
    materials: BoolArray
    countries: BoolArray
    world: bool
    us: bool
    share: Distribution
    start: Distribution
    duration: Distribution
    probability: float
    surge: Distribution | None = None
    replenishment_months: Distribution | None = None
    replenishment_surge: Distribution | None = None
    delay: int = 0
    draws_of: int | None = None


@dataclass(frozen=True)
class CompiledResponse:
    """A response on index arrays (timed from the disruption onset of each material).

    ``ramp`` is :attr:`RampShape.LINEAR` (``lead_months``, ``ramp_months``) or
    :attr:`RampShape.CALIBRATED` (``1 - exp(-(t - onset) / T)`` with the market dynamics'
    adjustment time T of each Monte Carlo scenario; lead and ramp months unused).
    """

    kind: ResponseKind
    materials: BoolArray
    max_share: Distribution
    lead_months: Distribution
    ramp_months: Distribution
    ramp: RampShape = RampShape.LINEAR


@dataclass(frozen=True)
class CompiledScenario:
    """Everything the engine needs, as arrays and specs.

    Attributes
    ----------
    name : scenario name.
    keys : material keys [M].
    units : pint unit names of the material quantities [M].
    horizon : months simulated [month].
    baselines : per-material baseline with provenance [M].
    consumption : U.S. consumption per month [unit/month], NaN if unknown [M].
    net_imports : U.S. net imports per month [unit/month], NaN if unknown [M].
    countries : ISO3 codes of the country axis [K].
    world_shares : share of world production by country [M, K] [-].
    import_shares : share of U.S. imports by country [M, K] [-].
    price_usd_per_kg : reference price [USD/kg] [M].
    stock0 : initial holdings [unit] [M].
    elasticity_demand, elasticity_supply, split_defence, split_essential : specs per material.
    events, responses : compiled events and responses.
    release_capacity_share : share of initial holdings releasable per month [-/month].
    release_capacity : absolute monthly release capacity [unit/month] [M] (``inf``: none
        given); the engine releases at most ``min(share x holdings, release_capacity)``.
    release_capacity_note : where the absolute capacities come from.
    trigger : release trigger.
    serve : bool mask over (defence, essential, other) classes that releases may serve.
    max_price_ratio : bound of the price search [-].
    holdings_note : where the initial holdings come from.
    levers : the scenario's levers, compiled (:mod:`stockpile.simulate.levers`).
    dynamics : specs of the market dynamics (long-run multiplier, adjustment time [month],
        inventory cover [month]), or None for the static clearing.
    networks : stage networks of the materials with stage events (see
        :mod:`stockpile.simulate.stages`); the country axis then holds ``ISO3@stage`` columns.
    forms : holdings in upstream forms and their conversion (``None``: none held).
    route : how the planner's purchases reach demand (form bought, conversion), or None for
        the arrival form of every material (:mod:`stockpile.simulate.routes`).
    """

    name: str
    keys: tuple[str, ...]
    units: tuple[str, ...]
    horizon: int
    baselines: tuple[MaterialBaseline, ...]
    consumption: FloatArray
    net_imports: FloatArray
    countries: tuple[str, ...]
    world_shares: FloatArray
    import_shares: FloatArray
    price_usd_per_kg: FloatArray
    stock0: FloatArray
    elasticity_demand: tuple[Distribution, ...]
    elasticity_supply: tuple[Distribution, ...]
    split_defence: tuple[Distribution, ...]
    split_essential: tuple[Distribution, ...]
    events: tuple[CompiledEvent, ...]
    responses: tuple[CompiledResponse, ...]
    release_capacity_share: Distribution
    trigger: ReleaseTrigger
    serve: BoolArray
    max_price_ratio: float
    holdings_note: str
    levers: CompiledLevers = field(default_factory=CompiledLevers)
    dynamics: MarketDynamicsSpec | None = None
    networks: Mapping[str, StageNetwork] = field(default_factory=dict)
    forms: CompiledForms | None = None
    release_capacity: FloatArray | None = None
    release_capacity_note: str = ""
    route: PurchaseRoute | None = None

    @property
    def capacity_bounded(self) -> bool:
        """Whether some material has an absolute monthly release capacity."""
        return self.release_capacity is not None and bool(np.isfinite(self.release_capacity).any())

    @property
    def n_materials(self) -> int:
        """Number of materials M."""
        return len(self.keys)


class _Checker:
    def __init__(self, source: str, countries: CountryIndex) -> None:
        self.source = source
        self.countries = countries
        self.problems: list[Problem] = []

    def material(self, name: str, path: str) -> str | None:
        from stockpile.reference import UnknownMaterialError, get_material

        try:
            return get_material(name).key
        except UnknownMaterialError as exc:
            self.problems.append(Problem(path, str(exc)))
            return None

    def country(self, name: str, path: str) -> str | None:
        iso3 = self.countries.resolve(name)
        if iso3 is None:
            self.problems.append(
                Problem(path, f"unknown country {name!r} (use an ISO3 code or a USGS name)")
            )
        return iso3

    def add(self, path: str, reason: str) -> None:
        self.problems.append(Problem(path, reason))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(self.source, self.problems)


def _mask(
    names: Sequence[str] | None, keys: Sequence[str], check: _Checker, path: str
) -> BoolArray:
    mask = np.zeros(len(keys), dtype=bool)
    if names is None:
        mask[:] = True
        return mask
    for i, name in enumerate(names):
        key = check.material(name, f"{path}[{i}]")
        if key is None:
            continue
        if key not in keys:
            check.add(f"{path}[{i}]", f"material {key!r} is not in the scenario's materials")
            continue
        mask[keys.index(key)] = True
    return mask


def compile_scenario(
    scenario: Scenario,
    *,
    holdings: Mapping[str, tuple[float, str]] | None = None,
    holdings_note: str | None = None,
    frames: ReferenceFrames | None = None,
    source: str = "<scenario>",
    release_capacity: Mapping[str, tuple[float, str]] | None = None,
    release_capacity_note: str | None = None,
    purchase_forms: Mapping[str, str] | None = None,
) -> CompiledScenario:
    """Check a scenario against the reference data and compile it.

    Parameters
    ----------
    scenario : the validated scenario model.
    holdings : initial holdings by material name, ``(quantity, unit)``; replaces the scenario's
        own (illustrative) holdings when given.
    holdings_note : where ``holdings`` come from (a file name, the ledger).
    release_capacity : absolute monthly release capacity by material name, ``(quantity, unit)``
        [unit/month]; replaces the scenario's ``stockpile.release_capacity`` when given.
    release_capacity_note : where ``release_capacity`` comes from.
    purchase_forms : material name -> form (or ``form_comparison`` option id) in which the
        planner buys it; sets ``route`` (:func:`stockpile.simulate.routes.compile_route`).
    frames : reference tables (loaded from :mod:`stockpile.reference` when omitted).
    source : the file name used in error messages.

    Returns
    -------
    CompiledScenario

    Raises
    ------
    ScenarioError
        Unknown materials or countries, or an event that needs data the reference lacks; each
        problem names the field path.
    """
    frames = frames if frames is not None else load_reference_frames()
    countries = CountryIndex.from_frames(frames)
    check = _Checker(source, countries)
    keys: list[str] = []
    for i, name in enumerate(scenario.materials):
        key = check.material(name, f"materials[{i}]")
        if key is not None:
            if key in keys:
                check.add(f"materials[{i}]", f"material {key!r} listed twice")
            keys.append(key)
    check.raise_if_any()
    for name in list(scenario.baseline.overrides):
        check.material(name, f"baseline.overrides.{name}")
    for label, table in (
        ("elasticity_by_material", scenario.assumptions.elasticity_by_material),
        ("demand_split_by_material", scenario.assumptions.demand_split_by_material),
    ):
        for name in table:
            key = check.material(name, f"assumptions.{label}.{name}")
            if key is not None and key not in keys:
                check.add(f"assumptions.{label}.{name}", f"{key!r} is not a scenario material")
    for name, ov in scenario.baseline.overrides.items():
        for label, shares in (
            ("us_import_shares", ov.us_import_shares),
            ("world_shares", ov.world_shares),
        ):
            for country in shares or {}:
                check.country(country, f"baseline.overrides.{name}.{label}.{country}")

    # the country axis: every country an event names
    axis: list[str] = []

    def _axis(iso3: str | None) -> None:
        if iso3 is not None and iso3 not in axis:
            axis.append(iso3)

    for i, ev in enumerate(scenario.events):
        if isinstance(ev, ExportControl | Outage):
            _axis(check.country(ev.country, f"events[{i}].country"))
        if isinstance(ev, ExportControl):
            for j, target in enumerate(ev.targets):
                check.country(target, f"events[{i}].targets[{j}]")
        if isinstance(ev, Conflict):
            for j, c in enumerate(ev.sea_route_countries):
                _axis(check.country(c, f"events[{i}].sea_route_countries[{j}]"))
    check.raise_if_any()

    try:
        baselines = build_baseline(keys, scenario.baseline, frames, countries)
    except SimulationInputError as exc:
        raise ScenarioError(source, [Problem("baseline", str(exc))]) from exc
    staged = compile_stages(
        scenario,
        keys,
        baselines,
        lambda name: _quiet_material(name),
        check.countries.resolve,
    )
    for path, reason in staged.problems:
        check.add(path, reason)
    check.raise_if_any()
    n_plain = len(axis)
    for col in staged.columns:
        _axis(col.label)
    m, k = len(keys), len(axis)
    world = np.zeros((m, k))
    imports = np.zeros((m, k))
    for i, b in enumerate(baselines):
        for j, iso3 in enumerate(axis[:n_plain]):
            world[i, j] = b.world_shares.get(iso3, 0.0)
            imports[i, j] = b.us_import_shares.get(iso3, 0.0)
    for col in staged.columns:
        world[col.material, axis.index(col.label)] = col.world
        imports[col.material, axis.index(col.label)] = col.us

    # a move downstream is an export control at its restricted stages, after the events
    lever_events = [ev for _, _, ev in downstream_events(scenario)]
    if any(_quiet_material(ev.materials[0]) not in keys for ev in lever_events):
        lever_events = []  # the lever's material is refused under levers[i].material
    with_levers = (
        scenario.model_copy(update={"events": [*scenario.events, *lever_events]})
        if lever_events
        else scenario
    )
    events = _compile_events(with_levers, keys, axis, baselines, check, staged.columns)
    responses = _compile_responses(scenario, keys, check)
    stock0, note = _holdings(scenario, keys, baselines, holdings, holdings_note, check)
    capacity, capacity_note, capacity_problems = compile_release_capacity(
        scenario, keys, baselines, release_capacity, release_capacity_note, _quiet_material
    )
    for path, reason in capacity_problems:
        check.add(path, reason)
    levers = compile_levers(
        scenario.levers,
        keys=keys,
        baselines=baselines,
        events=events,
        countries=axis,
        production=frames.production,
        horizon=scenario.horizon_months,
        check=check,
        scenario=scenario,
        columns=staged.columns,
        downstream=staged.downstream,
    )
    check.raise_if_any()
    forms, ready, form_problems = compile_forms(
        scenario, keys, baselines, staged.networks, _quiet_material, check.countries.resolve
    )
    for path, reason in form_problems:
        check.add(path, reason)
    route = None
    if purchase_forms:
        route, route_problems = compile_route(
            scenario,
            keys,
            baselines,
            staged.networks,
            purchase_forms,
            _quiet_material,
            check.countries.resolve,
        )
        for path, reason in route_problems:
            check.add(path, reason)
    check.raise_if_any()
    stock0 = stock0 + ready

    ea = scenario.assumptions
    el = [
        ea.elasticity_by_material.get(kk, ea.elasticity)
        for kk in _names_by_key(ea.elasticity_by_material, keys)
    ]
    sp = [
        ea.demand_split_by_material.get(kk, ea.demand_split)
        for kk in _names_by_key(ea.demand_split_by_material, keys)
    ]
    serve = np.array([c in scenario.stockpile.serve for c in PriorityClass], dtype=bool)
    return CompiledScenario(
        name=scenario.name,
        keys=tuple(keys),
        units=tuple(b.unit for b in baselines),
        horizon=scenario.horizon_months,
        baselines=baselines,
        consumption=np.array([b.us_consumption / 12.0 for b in baselines]),
        net_imports=np.array([b.us_net_imports / 12.0 for b in baselines]),
        countries=tuple(axis),
        world_shares=world,
        import_shares=imports,
        price_usd_per_kg=np.array([b.price_usd_per_kg for b in baselines]),
        stock0=stock0,
        elasticity_demand=tuple(e.demand for e in el),
        elasticity_supply=tuple(e.supply for e in el),
        split_defence=tuple(s.defence for s in sp),
        split_essential=tuple(s.essential for s in sp),
        events=events,
        responses=responses,
        release_capacity_share=scenario.stockpile.release_capacity_share,
        trigger=scenario.stockpile.trigger,
        serve=serve,
        max_price_ratio=scenario.market.max_price_ratio,
        holdings_note=note,
        levers=levers,
        dynamics=scenario.market.dynamics,
        networks=dict(staged.networks),
        forms=forms,
        release_capacity=capacity,
        release_capacity_note=capacity_note,
        route=route,
    )


def _quiet_material(name: str) -> str | None:
    from stockpile.reference import UnknownMaterialError, get_material

    try:
        return get_material(name).key
    except UnknownMaterialError:
        return None


def _names_by_key(table: Mapping[str, object], keys: Sequence[str]) -> list[str]:
    """For each key, the name under which ``table`` holds it (or the key itself)."""
    from stockpile.reference import get_material

    by_key = {get_material(name).key: name for name in table}
    return [by_key.get(k, k) for k in keys]


def _compile_events(
    scenario: Scenario,
    keys: list[str],
    axis: list[str],
    baselines: Sequence[MaterialBaseline],
    check: _Checker,
    columns: Sequence[StageColumn] = (),
) -> tuple[CompiledEvent, ...]:
    out: list[CompiledEvent] = []
    for i, ev in enumerate(scenario.events):
        path = f"events[{i}]"
        countries = np.zeros(len(axis), dtype=bool)
        if isinstance(ev, ExportControl | Outage) and ev.stage is not None:
            out.extend(_stage_events(ev, i, keys, axis, columns, len(out), check))
            continue
        if isinstance(ev, Conflict):
            mats = _mask(ev.materials, keys, check, f"{path}.materials")
            for c in ev.sea_route_countries:
                iso3 = check.countries.resolve(c)
                if iso3 is not None:
                    countries[axis.index(iso3)] = True
            compiled = CompiledEvent(
                id=ev.id,
                kind=EventKind.CONFLICT,
                materials=mats,
                countries=countries,
                world=True,
                us=True,
                share=ev.shipping_loss,
                start=ev.start_month,
                duration=ev.duration_months,
                probability=ev.probability,
                surge=ev.defence_surge,
                replenishment_months=ev.replenishment_months,
                replenishment_surge=ev.replenishment_surge,
            )
            world = bool(countries.any())
        else:
            mats = _mask(ev.materials, keys, check, f"{path}.materials")
            iso3 = check.countries.resolve(ev.country)
            if iso3 is not None:
                countries[axis.index(iso3)] = True
            world, us, share, kind = _reach(ev, check)
            compiled = CompiledEvent(
                id=ev.id,
                kind=kind,
                materials=mats,
                countries=countries,
                world=world,
                us=us,
                share=share,
                start=ev.start_month,
                duration=ev.duration_months,
                probability=ev.probability,
            )
        if world:
            for j in (int(i) for i in np.flatnonzero(mats)):
                if not baselines[j].world_shares:
                    check.add(
                        f"{path}.materials",
                        f"{keys[j]!r}: the event removes world supply but the reference data "
                        "has no world production by country; give "
                        f"baseline.overrides.{keys[j]}.world_shares with a source",
                    )
        out.append(compiled)
    return tuple(out)


def _reach(
    ev: ExportControl | Outage, check: _Checker
) -> tuple[bool, bool, Distribution, EventKind]:
    """Whether the event removes world supply and U.S. imports, its share [-], its kind.

    An export control to all destinations (no ``targets``) removes world supply; one aimed at
    named countries diverts trade and reaches the U.S. only if it is named. An outage removes
    world supply.
    """
    if isinstance(ev, ExportControl):
        targets = [check.countries.resolve(t) for t in ev.targets]
        all_dest = not ev.targets
        return all_dest, all_dest or "USA" in targets, ev.withheld_share, EventKind.EXPORT_CONTROL
    return True, True, ev.lost_share, EventKind.OUTAGE


def _stage_events(
    ev: ExportControl | Outage,
    index: int,
    keys: list[str],
    axis: list[str],
    columns: Sequence[StageColumn],
    first: int,
    check: _Checker,
) -> list[CompiledEvent]:
    """A stage event as compiled events on its ``ISO3@stage`` columns, one per lead time."""
    mats = _mask(ev.materials, keys, check, f"events[{index}].materials")
    world, us, share, kind = _reach(ev, check)
    mine = [c for c in columns if c.event == index]
    leads = sorted({c.lead for c in mine}) or [0]
    out: list[CompiledEvent] = []
    for n, lead in enumerate(leads):
        countries = np.zeros(len(axis), dtype=bool)
        materials = np.zeros(len(keys), dtype=bool)
        for c in mine:
            if c.lead == lead:
                countries[axis.index(c.label)] = True
                materials[c.material] = True
        if not mine:
            materials = mats  # materials without a network: no column, no effect
        out.append(
            CompiledEvent(
                id=ev.id,
                kind=kind,
                materials=materials,
                countries=countries,
                world=world,
                us=us,
                share=share,
                start=ev.start_month,
                duration=ev.duration_months,
                probability=ev.probability,
                delay=lead,
                draws_of=None if n == 0 else first,
            )
        )
    return out


_RESPONSE_KINDS: dict[type, ResponseKind] = {
    SpareCapacity: ResponseKind.SPARE_CAPACITY,
    NewSupply: ResponseKind.NEW_SUPPLY,
    Recycling: ResponseKind.RECYCLING,
    Substitution: ResponseKind.SUBSTITUTION,
    Austerity: ResponseKind.AUSTERITY,
}


def _compile_responses(
    scenario: Scenario, keys: list[str], check: _Checker
) -> tuple[CompiledResponse, ...]:
    out: list[CompiledResponse] = []
    for i, r in enumerate(scenario.responses):
        out.append(
            CompiledResponse(
                kind=_RESPONSE_KINDS[type(r)],
                materials=_mask(r.materials, keys, check, f"responses[{i}].materials"),
                max_share=r.max_share,
                lead_months=r.lead_months,
                ramp_months=r.ramp_months,
                ramp=r.ramp,
            )
        )
    return tuple(out)


def _holdings(
    scenario: Scenario,
    keys: list[str],
    baselines: Sequence[MaterialBaseline],
    holdings: Mapping[str, tuple[float, str]] | None,
    note: str | None,
    check: _Checker,
) -> tuple[FloatArray, str]:
    from stockpile.units import UnitError, exact_factor

    stock = np.zeros(len(keys))
    if holdings is not None:
        items = [(name, q, u, f"holdings.{name}") for name, (q, u) in holdings.items()]
        label = note or "holdings given by the caller"
    else:
        spec = scenario.stockpile.holdings
        items = [
            (it.material, it.quantity, it.unit, f"stockpile.holdings.items[{i}]")
            for i, it in enumerate(spec.items)
        ]
        if not items:
            label = "no initial holdings (none given)"
        elif spec.illustrative:
            label = "ILLUSTRATIVE holdings shipped with the scenario (not real inventory)"
        else:
            label = f"holdings from the scenario [{spec.source}]"
    for name, quantity, unit, path in items:
        key = check.material(name, f"{path}.material")
        if key is None:
            continue
        if key not in keys:
            continue  # holdings of materials outside the scenario are not simulated
        if not (quantity >= 0 and math.isfinite(quantity)):
            check.add(f"{path}.quantity", f"must be a finite number >= 0, got {quantity}")
            continue
        target = baselines[keys.index(key)].unit
        if not target:
            check.add(f"{path}.unit", f"{key!r} has no unit of account in the reference data")
            continue
        try:
            factor = float(exact_factor(unit, target))
        except UnitError as exc:
            check.add(f"{path}.unit", str(exc))
            continue
        stock[keys.index(key)] += quantity * factor
    return stock, label
