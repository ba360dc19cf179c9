"""Per-batch constants of the engine: what the month steps read and never change.

:func:`build_context` turns a compiled scenario and the draws of one batch of S scenarios into
an :class:`EngineContext`: the U.S. baseline by class, each event's timing and reach, each
conflict's demand surge, each response's ramp. Arrays are [S, M] (scenarios x materials) unless
stated; quantities per month are in the material's unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stockpile.simulate._dynamics import DynamicsContext
from stockpile.simulate.compile import DAYS_PER_MONTH, CompiledScenario, EventKind, ResponseKind
from stockpile.simulate.draws import Draws
from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.levers import CompiledLevers
from stockpile.simulate.scenario import RampShape, ReleaseTrigger

__all__ = [
    "SHORTFALL_TOLERANCE",
    "Baseline",
    "ConflictTiming",
    "EngineContext",
    "EventTiming",
    "ResponseRamp",
    "Servable",
    "SupplyGroup",
    "build_context",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SHORTFALL_TOLERANCE = 1e-9
"""Gaps below this share of monthly U.S. consumption are rounding noise and counted as zero [-]."""

_NEVER = 10**9
"""Start month given to events that do not occur [month]."""


@dataclass(frozen=True)
class Baseline:
    """U.S. balance at baseline [S, M] [unit/month] (constants over scenarios spread to [S, M]:
    element-wise operations on arrays of one shape run faster than broadcasting a row).

    Attributes
    ----------
    cons, imports, domestic : consumption, net imports and domestic supply ``cons - imports``.
    c_def, c_ess, c_oth : consumption of the defence, essential and other classes.
    tol : gaps up to this are rounding noise.
    """

    cons: FloatArray
    imports: FloatArray
    domestic: FloatArray
    c_def: FloatArray
    c_ess: FloatArray
    c_oth: FloatArray
    tol: FloatArray


@dataclass(frozen=True)
class Servable:
    """What a stock could serve each month (:mod:`stockpile.simulate.routes`).

    Attributes
    ----------
    capacity : most served per month, all classes together [S, M] [unit/month] (inf: none).
    begin : first month served [S, M] [month] (0 in the arrival form; onset + conversion
        lead in an upstream form; inf: never).
    """

    capacity: FloatArray
    begin: FloatArray


@dataclass(frozen=True)
class EventTiming:
    """When and how hard one event hits, per scenario.

    Attributes
    ----------
    start : first month, a far-off month where the event does not occur [S] [month].
    length : duration [S] [month].
    hit : share withheld or lost in the materials the event touches, 0 elsewhere [S, M] [-].
    under_way : whether the event is under way in month t, ``start <= t < start + length``
        [T, S].
    moves : whether ``under_way`` of month t differs from that of month t - 1 [T].
    """

    start: FloatArray
    length: FloatArray
    hit: FloatArray
    under_way: BoolArray
    moves: BoolArray

    @classmethod
    def build(
        cls, start: FloatArray, length: FloatArray, hit: FloatArray, horizon: int
    ) -> EventTiming:
        """An event starting at ``start`` [S] for ``length`` [S] months."""
        under_way = _windows(start, length, horizon)
        return cls(start, length, hit, under_way, _moves(under_way))

    def active(self, t: int) -> BoolArray:
        """Whether the event is under way in month ``t`` [S]."""
        return self.under_way[t]

    def cut(self, active: BoolArray) -> FloatArray | None:
        """Share withheld or lost in the scenarios where the event is active [S, M] [-]
        (``None``: active nowhere)."""
        if not active.any():
            return None
        return self.hit if active.all() else self.hit * active[:, None]


def _windows(start: FloatArray, length: FloatArray, horizon: int) -> BoolArray:
    """``start <= t < start + length`` for each month t [T, S]."""
    months = np.arange(horizon, dtype=np.float64)[:, None]
    return (start[None, :] <= months) & (months < (start + length)[None, :])


def _moves(flags: BoolArray) -> BoolArray:
    """Whether row t of ``flags`` [T, S] differs from row t - 1 (row 0: True) [T]."""
    out = np.ones(flags.shape[0], dtype=bool)
    out[1:] = (flags[1:] != flags[:-1]).any(axis=1)
    return out


@dataclass(frozen=True)
class ConflictTiming:
    """A conflict's defence demand surge and its replenishment period, per scenario.

    Attributes
    ----------
    event : index of the conflict among the model's events.
    materials : materials whose defence demand surges [M].
    replenishment_start, replenishment_length : replenishment window [S] [month].
    surge, replenishment_surge : defence demand multipliers [S] [-].
    replenishing : whether month t falls in the replenishment period [T, S].
    moves : whether ``replenishing`` of month t differs from that of month t - 1 [T].
    """

    event: int
    materials: BoolArray
    replenishment_start: FloatArray
    replenishment_length: FloatArray
    surge: FloatArray
    replenishment_surge: FloatArray
    replenishing: BoolArray
    moves: BoolArray


@dataclass(frozen=True)
class SupplyGroup:
    """Origin countries hit by the same events, their supply shares added up.

    Attributes
    ----------
    events : indices of the events (with the group's flag, world or U.S.) that touch them.
    weight : summed share of world production or U.S. imports [S, M] [-].
    """

    events: tuple[int, ...]
    weight: FloatArray


@dataclass(frozen=True)
class ResponseRamp:
    """One response, ramped from the disruption onset of each material.

    Materials touched by the same events share their onset; the ramp fractions hold one column
    per such onset group and ``pick`` maps the groups to the materials the response covers.

    Attributes
    ----------
    kind : response kind.
    fractions : ramp fraction of each month [T, S, G] [-]: linear,
        ``clip((t - begin) / ramp, 0, 1)`` with ``begin = onset + lead - 1`` and
        ``ramp = max(ramp months, 1)`` (:meth:`build`); calibrated,
        ``1 - exp(-(t - onset) / T)`` from the onset, with T the market dynamics' adjustment
        time (:meth:`build_calibrated`).
    moves : whether the fractions of month t differ from those of month t - 1 [T].
    live : whether some fraction of month t is above zero [T].
    top : maximum share [S, 1] [-].
    pick : ``pick[g, m]`` is 1 if material m is in onset group g and covered, else 0 [G, M].
    """

    kind: ResponseKind
    fractions: FloatArray
    moves: BoolArray
    live: BoolArray
    top: FloatArray
    pick: FloatArray

    @classmethod
    def build(
        cls,
        kind: ResponseKind,
        begin: FloatArray,
        ramp: FloatArray,
        top: FloatArray,
        pick: FloatArray,
        horizon: int,
    ) -> ResponseRamp:
        """The ramp of a response starting at ``begin`` [S, G] over ``ramp`` [S, 1] months."""
        months = np.arange(horizon, dtype=np.float64)[:, None, None]
        with np.errstate(invalid="ignore"):
            frac = months - begin[None, :, :]
            frac /= ramp[None, :, :]
        np.maximum(frac, 0.0, out=frac)
        np.minimum(frac, 1.0, out=frac)
        return cls._of(kind, frac, top, pick)

    @classmethod
    def build_calibrated(
        cls,
        kind: ResponseKind,
        onset: FloatArray,
        t_adj: FloatArray,
        top: FloatArray,
        pick: FloatArray,
        horizon: int,
    ) -> ResponseRamp:
        """The ramp ``1 - exp(-(t - onset) / T)`` from ``onset`` [S, G] (inf: none) with the
        adjustment time ``t_adj`` [S, 1] [month] of the market dynamics; 0 before the onset."""
        months = np.arange(horizon, dtype=np.float64)[:, None, None]
        # months since the onset, 0 before it (and where there is none: inf onset)
        lag = np.maximum(months - onset[None, :, :], 0.0)
        lag /= -t_adj[None, :, :]
        frac = np.subtract(1.0, np.exp(lag, out=lag), out=lag)
        return cls._of(kind, frac, top, pick)

    @classmethod
    def _of(
        cls, kind: ResponseKind, frac: FloatArray, top: FloatArray, pick: FloatArray
    ) -> ResponseRamp:
        horizon = frac.shape[0]
        moves = np.ones(horizon, dtype=bool)
        if horizon > 1:
            moves[1:] = (frac[1:] != frac[:-1]).any(axis=(1, 2))
        live = np.asarray(frac.any(axis=(1, 2)), dtype=bool)
        return cls(kind, frac, moves, live, top, pick)

    def fraction(self, t: int) -> FloatArray | None:
        """Ramp fraction in month ``t`` [S, G] [-] (``None``: zero everywhere)."""
        return self.fractions[t] if self.live[t] else None

    def share(self, frac: FloatArray) -> FloatArray:
        """Share at ramp fraction ``frac`` [S, M] [-]."""
        # (frac @ pick) copies each group's value exactly (one exact product plus zeros) and,
        # unlike fancy indexing, gives a C-ordered array
        return np.matmul(frac * self.top, self.pick)


@dataclass(frozen=True)
class EngineContext:
    """Everything constant over the months of one batch.

    Attributes
    ----------
    shape : (S, M).
    horizon : months simulated T [month].
    base : the U.S. baseline by class.
    events : timing of each event, in the model's order.
    conflicts : the conflicts among them.
    world_groups, us_groups : origin countries grouped by the events that touch them, for the
        share of world supply removed and of U.S. net imports lost.
    world_events, us_events : events that enter either share.
    responses : the responses, in the model's order.
    trigger : release trigger.
    serve : served classes (defence, essential, other) [3]; a prefix of the priority order.
    n_served : number of served classes.
    capacity : stockpile release capacity [S, M] [unit/month]: a share of all holdings
        (ready and upstream forms), at most the absolute capacity where one is given.
    stock0 : initial holdings in the form U.S. demand uses [S, M] [unit].
    upstream0 : initial holdings in upstream forms [S, M] [unit].
    conversion : conversion capacity of the upstream forms outside the cut countries
        [S, M] [unit/month].
    conversion_begin : first month of conversion (disruption onset + conversion lead)
        [S, M] [month] (inf: no onset).
    days_of_cover : initial holdings / daily demand of the served classes [S, M] [day].
    ed, es : demand and supply elasticities [S, M] [-].
    max_price_ratio : bound of the price search [-].
    keep_paths : whether the months' paths are recorded.
    levers : the scenario's levers (supplier reserve, new supply abroad, price responses,
        urban mining).
    dynamics : market dynamics (:mod:`stockpile.simulate._dynamics`), None for the static
        clearing.
    servable : capacity and first month of the servable gaps (:class:`Servable`), None when
        the run has no absolute capacity and no purchase route.
    """

    shape: tuple[int, int]
    horizon: int
    base: Baseline
    events: tuple[EventTiming, ...]
    conflicts: tuple[ConflictTiming, ...]
    world_groups: tuple[SupplyGroup, ...]
    us_groups: tuple[SupplyGroup, ...]
    world_events: frozenset[int]
    us_events: frozenset[int]
    responses: tuple[ResponseRamp, ...]
    trigger: ReleaseTrigger
    serve: BoolArray
    n_served: int
    capacity: FloatArray
    stock0: FloatArray
    upstream0: FloatArray
    conversion: FloatArray
    conversion_begin: FloatArray
    days_of_cover: FloatArray
    ed: FloatArray
    es: FloatArray
    max_price_ratio: float
    keep_paths: bool
    levers: CompiledLevers = field(default_factory=CompiledLevers)
    dynamics: DynamicsContext | None = None
    servable: Servable | None = None


def _spread(a: FloatArray, shape: tuple[int, int]) -> FloatArray:
    """``a`` broadcast to ``shape`` as a C-ordered array of its own."""
    return np.ascontiguousarray(np.broadcast_to(a, shape))


def _onset(model: CompiledScenario, draws: Draws) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """First month of any occurring event that touches each material (inf if none).

    Materials touched by the same events share their onset, so it is computed once per such
    group: returns the onsets [S, G] and the group of each material [M].
    """
    sigs: dict[tuple[bool, ...], int] = {}
    column = np.empty(model.n_materials, dtype=np.intp)
    for j in range(model.n_materials):
        sig = tuple(bool(ev.materials[j]) for ev in model.events)
        column[j] = sigs.setdefault(sig, len(sigs))
    onset = np.full((draws.size, len(sigs)), np.inf)
    for g, sig in enumerate(sigs):
        for touched, d in zip(sig, draws.events, strict=True):
            if touched:
                onset[:, g] = np.minimum(onset[:, g], np.where(d.occurs, d.start, np.inf))
    return onset, column


def _groups(
    model: CompiledScenario, shares: FloatArray, flag: str, shape: tuple[int, int]
) -> tuple[SupplyGroup, ...]:
    """Countries grouped by the set of events (with ``flag`` set) that touch them.

    Countries hit by the same events have the same availability, so their shares can be added.
    """
    groups: dict[tuple[int, ...], FloatArray] = {}
    for k in range(len(model.countries)):
        sig = tuple(i for i, ev in enumerate(model.events) if ev.countries[k] and getattr(ev, flag))
        if not sig:
            continue
        prev = groups.get(sig)
        groups[sig] = shares[:, k].copy() if prev is None else prev + shares[:, k]
    return tuple(SupplyGroup(sig, _spread(w, shape)) for sig, w in groups.items() if np.any(w > 0))


def build_context(model: CompiledScenario, draws: Draws, *, keep_paths: bool) -> EngineContext:
    """The per-batch constants of ``model`` for the scenarios of ``draws``."""
    shape = (draws.size, model.n_materials)
    cons = model.consumption[None, :]
    sd, se = draws.defence, draws.essential
    so = np.maximum(1.0 - sd - se, 0.0)
    base = Baseline(
        cons=_spread(cons, shape),
        imports=_spread(model.net_imports[None, :], shape),
        domestic=_spread(cons - model.net_imports[None, :], shape),
        c_def=cons * sd,
        c_ess=cons * se,
        c_oth=cons * so,
        tol=_spread(SHORTFALL_TOLERANCE * cons, shape),
    )
    serve = model.serve
    served_share = sd * serve[0] + se * serve[1] + so * serve[2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        days_of_cover = np.where(
            served_share > 0,
            model.stock0[None, :] / (cons * served_share / DAYS_PER_MONTH),
            np.nan,
        )
    horizon = model.horizon
    events = tuple(
        EventTiming.build(
            start=np.where(d.occurs, d.start, _NEVER).astype(np.float64),
            length=d.duration.astype(np.float64),
            hit=d.share[:, None] * ev.materials[None, :],
            horizon=horizon,
        )
        for ev, d in zip(model.events, draws.events, strict=True)
    )
    conflicts = []
    for i, ev in enumerate(model.events):
        if ev.kind is not EventKind.CONFLICT:
            continue
        rep_start = events[i].start + events[i].length
        rep_length = draws.events[i].replenishment.astype(np.float64)
        replenishing = _windows(rep_start, rep_length, horizon)
        conflicts.append(
            ConflictTiming(
                event=i,
                materials=ev.materials,
                replenishment_start=rep_start,
                replenishment_length=rep_length,
                surge=draws.events[i].surge,
                replenishment_surge=draws.events[i].replenishment_surge,
                replenishing=replenishing,
                moves=_moves(replenishing),
            )
        )
    forms = model.forms
    m = model.n_materials
    upstream0 = forms.upstream0 if forms is not None else np.zeros(m)
    conversion = forms.conversion_capacity if forms is not None else np.zeros(m)
    lead = forms.conversion_lead if forms is not None else np.zeros(m)
    world_groups = _groups(model, model.world_shares, "world", shape)
    us_groups = _groups(model, model.import_shares, "us", shape)
    onset, onset_column = _onset(model, draws)
    responses = _ramps(model, draws, onset, onset_column)
    return EngineContext(
        shape=shape,
        horizon=model.horizon,
        base=base,
        events=events,
        conflicts=tuple(conflicts),
        world_groups=world_groups,
        us_groups=us_groups,
        world_events=frozenset(i for g in world_groups for i in g.events),
        us_events=frozenset(i for g in us_groups for i in g.events),
        responses=responses,
        trigger=model.trigger,
        serve=serve,
        n_served=int(serve.sum()),
        capacity=_capacity(model, draws, upstream0),
        stock0=np.broadcast_to(model.stock0[None, :], shape).copy(),
        upstream0=np.broadcast_to(upstream0[None, :], shape).copy(),
        conversion=_spread(conversion[None, :], shape),
        conversion_begin=onset[:, onset_column] + lead[None, :],
        days_of_cover=days_of_cover,
        ed=draws.ed,
        es=draws.es,
        max_price_ratio=model.max_price_ratio,
        keep_paths=keep_paths,
        levers=model.levers,
        dynamics=_dynamics(draws, onset, onset_column, model.horizon),
        servable=_servable(model, onset[:, onset_column], shape),
    )


def _ramps(
    model: CompiledScenario,
    draws: Draws,
    onset: FloatArray,
    onset_column: npt.NDArray[np.intp],
) -> tuple[ResponseRamp, ...]:
    """The response ramps; calibrated ones take the adjustment time T of the same scenario's
    market dynamics (common random numbers: a fast-adjusting draw also ramps fast)."""
    in_group = np.arange(onset.shape[1])[:, None] == onset_column[None, :]
    out = []
    for i, (r, d) in enumerate(zip(model.responses, draws.responses, strict=True)):
        pick = (in_group & r.materials[None, :]).astype(np.float64)
        if r.ramp is RampShape.CALIBRATED:
            if draws.dynamics is None:
                raise SimulationInputError(
                    f"responses[{i}].ramp: 'calibrated' needs market dynamics (their "
                    "adjustment time T)"
                )
            out.append(
                ResponseRamp.build_calibrated(
                    kind=r.kind,
                    onset=onset,
                    t_adj=draws.dynamics.adjustment_months[:, None],
                    top=d.max_share[:, None],
                    pick=pick,
                    horizon=model.horizon,
                )
            )
            continue
        out.append(
            ResponseRamp.build(
                kind=r.kind,
                begin=onset + d.lead[:, None] - 1.0,
                ramp=np.maximum(d.ramp, 1.0)[:, None],
                top=d.max_share[:, None],
                pick=pick,
                horizon=model.horizon,
            )
        )
    return tuple(out)


def _capacity(model: CompiledScenario, draws: Draws, upstream0: FloatArray) -> FloatArray:
    """Release capacity [S, M] [unit/month]: share x all holdings, at most the absolute one."""
    share = draws.release_capacity_share[:, None] * (model.stock0 + upstream0)[None, :]
    absolute = model.release_capacity
    if absolute is None or not model.capacity_bounded:
        return share
    return np.minimum(share, absolute[None, :])


def _servable(
    model: CompiledScenario, onset: FloatArray, shape: tuple[int, int]
) -> Servable | None:
    """Capacity and first month of the servable gaps, None when nothing bounds them."""
    route = model.route
    upstream = route is not None and bool(route.upstream.any())
    if not (model.capacity_bounded or upstream):
        return None
    m = model.n_materials
    cap = model.release_capacity if model.release_capacity is not None else np.full(m, np.inf)
    if route is None or not upstream:
        return Servable(capacity=_spread(cap[None, :], shape), begin=np.zeros(shape))
    cap = np.where(route.upstream, np.minimum(cap, route.conversion_capacity), cap)
    begin = np.where(route.upstream[None, :], onset + route.conversion_lead[None, :], 0.0)
    return Servable(capacity=_spread(cap[None, :], shape), begin=np.ascontiguousarray(begin))


def _dynamics(
    draws: Draws, onset: FloatArray, column: npt.NDArray[np.intp], horizon: int
) -> DynamicsContext | None:
    d = draws.dynamics
    if d is None:
        return None
    return DynamicsContext.build(
        k=d.long_run_multiplier,
        t_adj=d.adjustment_months,
        cover=d.inventory_cover_months,
        onset=onset,
        column=column,
        horizon=horizon,
    )
