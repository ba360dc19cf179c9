"""Random draws for a simulation, made per fixed-size block of scenarios.

Scenario ``i`` belongs to block ``i // BLOCK_SIZE``. Within block ``b`` every uncertain input
draws from a stream of its own, ``PCG64(SeedSequence(seed, spawn_key=(b, k)))`` with ``k`` a
stable number derived from the input's name (``"ed:cobalt"``, ``"event:drc-ban"``,
``"response:recycling:cobalt:0"``, ...), always for the whole block. The numbers of scenario
``i`` therefore depend only on ``seed``, ``i`` and the input's name: not on how many scenarios
are run, how they are batched, on which worker, nor on which other inputs the scenario has.
That last property gives common random numbers: two variants of a scenario that share an
event, a response or a material draw the same numbers for it, so their difference is the
effect of what differs, not sampling noise.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt

from stockpile.simulate.compile import CompiledScenario, EventKind
from stockpile.simulate.distributions import Distribution
from stockpile.simulate.errors import SimulationInputError

__all__ = [
    "BLOCK_SIZE",
    "Draws",
    "DynamicsDraws",
    "EventDraws",
    "ResponseDraws",
    "draw_range",
    "stream_generator",
]

BLOCK_SIZE = 1024
"""Scenarios per seeding block."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EventDraws:
    """Draws of one event for S scenarios.

    Attributes
    ----------
    occurs : whether the event happens [S].
    start : first month [S] [month].
    duration : length [S] [month].
    share : share withheld / lost [S] [-].
    surge : defence demand multiplier during a conflict [S] [-] (ones for other events).
    replenishment : replenishment length after a conflict [S] [month] (zeros otherwise).
    replenishment_surge : defence demand multiplier during replenishment [S] [-].
    """

    occurs: BoolArray
    start: IntArray
    duration: IntArray
    share: FloatArray
    surge: FloatArray
    replenishment: IntArray
    replenishment_surge: FloatArray


@dataclass(frozen=True)
class ResponseDraws:
    """Draws of one response for S scenarios: max share [-], lead and ramp [month]."""

    max_share: FloatArray
    lead: FloatArray
    ramp: FloatArray


@dataclass(frozen=True)
class DynamicsDraws:
    """Market dynamics of each scenario (:class:`~stockpile.simulate.scenario.MarketDynamicsSpec`).

    Attributes
    ----------
    long_run_multiplier : k [S] [-].
    adjustment_months : T [S] [month].
    inventory_cover_months : c [S] [month of world consumption].
    """

    long_run_multiplier: FloatArray
    adjustment_months: FloatArray
    inventory_cover_months: FloatArray


@dataclass(frozen=True)
class Draws:
    """All draws for S scenarios (arrays over scenarios, and materials where relevant).

    Attributes
    ----------
    index : global scenario indices [S].
    ed, es : demand and supply elasticities [S, M] [-].
    defence, essential : shares of U.S. consumption in these classes [S, M] [-].
    events : one :class:`EventDraws` per event.
    responses : one :class:`ResponseDraws` per response.
    release_capacity_share : share of initial holdings releasable per month [S] [-/month].
    dynamics : market dynamics per scenario, or None when the scenario has none.
    """

    index: IntArray
    ed: FloatArray
    es: FloatArray
    defence: FloatArray
    essential: FloatArray
    events: tuple[EventDraws, ...]
    responses: tuple[ResponseDraws, ...]
    release_capacity_share: FloatArray
    dynamics: DynamicsDraws | None = None

    @property
    def size(self) -> int:
        """Number of scenarios S."""
        return int(self.index.shape[0])


def stream_generator(seed: int, block: int, name: str) -> np.random.Generator:
    """The generator of the input called ``name`` in seeding block ``block``.

    Its key is ``SeedSequence(seed, spawn_key=(block, crc32(name)))``: independent of every
    other input's stream and of the order in which the scenario lists its inputs.
    """
    key = zlib.crc32(name.encode("utf-8"))
    seq = np.random.SeedSequence(seed, spawn_key=(block, key))
    return np.random.Generator(np.random.PCG64(seq))


def _per_material(
    specs: Sequence[Distribution], keys: Sequence[str], what: str, seed: int, block: int, n: int
) -> FloatArray:
    return np.stack(
        [
            spec.sample(stream_generator(seed, block, f"{what}:{key}"), n)
            for spec, key in zip(specs, keys, strict=True)
        ],
        axis=1,
    )


def _numbered(bases: Sequence[str]) -> list[str]:
    """Stream names: each base with its occurrence number, so repeated bases stay distinct."""
    seen: Counter[str] = Counter()
    names = []
    for base in bases:
        names.append(f"{base}:{seen[base]}")
        seen[base] += 1
    return names


def _response_names(model: CompiledScenario) -> list[str]:
    return _numbered(
        [
            "response:{}:{}".format(
                r.kind, ",".join(k for k, on in zip(model.keys, r.materials, strict=True) if on)
            )
            for r in model.responses
        ]
    )


def _months(values: FloatArray, *, round_: bool) -> IntArray:
    out = np.floor(values + 0.5) if round_ else np.floor(values)
    return out.astype(np.int64)


def _draw_block(model: CompiledScenario, seed: int, block: int) -> Draws:
    n = BLOCK_SIZE
    keys = model.keys
    ed = _per_material(model.elasticity_demand, keys, "ed", seed, block, n)
    es = _per_material(model.elasticity_supply, keys, "es", seed, block, n)
    defence = _per_material(model.split_defence, keys, "defence", seed, block, n)
    essential = _per_material(model.split_essential, keys, "essential", seed, block, n)
    events: list[EventDraws] = []
    event_names = _numbered([f"event:{ev.id}" for ev in model.events])
    for ev, name in zip(model.events, event_names, strict=True):
        if ev.draws_of is not None:
            # a stage event split by lead time: the same draws, shifted by its own delay
            base = events[ev.draws_of]
            shift = ev.delay - model.events[ev.draws_of].delay
            events.append(replace(base, start=base.start + shift))
            continue
        rng = stream_generator(seed, block, name)
        occurs = rng.random(n) < ev.probability
        start = _months(ev.start.sample(rng, n), round_=False) + ev.delay
        duration = _months(ev.duration.sample(rng, n), round_=True)
        share = ev.share.sample(rng, n)
        if ev.kind is EventKind.CONFLICT:
            if (
                ev.surge is None
                or ev.replenishment_months is None
                or ev.replenishment_surge is None
            ):
                raise SimulationInputError(
                    f"event {ev.id!r}: a conflict needs surge, replenishment_months and "
                    "replenishment_surge"
                )
            surge = ev.surge.sample(rng, n)
            rep = _months(ev.replenishment_months.sample(rng, n), round_=True)
            rep_surge = ev.replenishment_surge.sample(rng, n)
        else:
            surge, rep, rep_surge = np.ones(n), np.zeros(n, dtype=np.int64), np.ones(n)
        events.append(EventDraws(occurs, start, duration, share, surge, rep, rep_surge))
    responses = []
    for r, name in zip(model.responses, _response_names(model), strict=True):
        rng = stream_generator(seed, block, name)
        responses.append(
            ResponseDraws(
                r.max_share.sample(rng, n),
                r.lead_months.sample(rng, n),
                r.ramp_months.sample(rng, n),
            )
        )
    cap = model.release_capacity_share.sample(stream_generator(seed, block, "release-capacity"), n)
    index = np.arange(block * n, (block + 1) * n, dtype=np.int64)
    dyn = model.dynamics
    dynamics = (
        None
        if dyn is None
        else DynamicsDraws(
            dyn.long_run_multiplier.sample(stream_generator(seed, block, "dynamics:k"), n),
            dyn.adjustment_months.sample(stream_generator(seed, block, "dynamics:T"), n),
            dyn.inventory_cover_months.sample(stream_generator(seed, block, "dynamics:c"), n),
        )
    )
    return Draws(index, ed, es, defence, essential, tuple(events), tuple(responses), cap, dynamics)


def _slice(draws: Draws, sel: slice) -> Draws:
    def cut(obj: object) -> object:
        kwargs = {f.name: getattr(obj, f.name)[sel] for f in fields(obj)}  # type: ignore[arg-type]
        return type(obj)(**kwargs)

    return Draws(
        index=draws.index[sel],
        ed=draws.ed[sel],
        es=draws.es[sel],
        defence=draws.defence[sel],
        essential=draws.essential[sel],
        events=tuple(cut(e) for e in draws.events),  # type: ignore[misc]
        responses=tuple(cut(r) for r in draws.responses),  # type: ignore[misc]
        release_capacity_share=draws.release_capacity_share[sel],
        dynamics=None if draws.dynamics is None else cut(draws.dynamics),  # type: ignore[arg-type]
    )


def _concat(parts: Sequence[Draws]) -> Draws:
    if len(parts) == 1:
        return parts[0]

    def cat(objs: Sequence[object]) -> object:
        first = objs[0]
        kwargs = {
            f.name: np.concatenate([getattr(o, f.name) for o in objs])
            for f in fields(first)  # type: ignore[arg-type]
        }
        return type(first)(**kwargs)

    return Draws(
        index=np.concatenate([p.index for p in parts]),
        ed=np.concatenate([p.ed for p in parts]),
        es=np.concatenate([p.es for p in parts]),
        defence=np.concatenate([p.defence for p in parts]),
        essential=np.concatenate([p.essential for p in parts]),
        events=tuple(
            cat([p.events[i] for p in parts])  # type: ignore[misc]
            for i in range(len(parts[0].events))
        ),
        responses=tuple(
            cat([p.responses[i] for p in parts])  # type: ignore[misc]
            for i in range(len(parts[0].responses))
        ),
        release_capacity_share=np.concatenate([p.release_capacity_share for p in parts]),
        dynamics=(
            None if parts[0].dynamics is None else cat([p.dynamics for p in parts])  # type: ignore[arg-type]
        ),
    )


def draw_range(model: CompiledScenario, seed: int, start: int, stop: int) -> Draws:
    """Draws for global scenario indices ``start <= i < stop``.

    Parameters
    ----------
    model : the compiled scenario.
    seed : the run's seed (a non-negative integer).
    start, stop : scenario index range.

    Returns
    -------
    Draws
        Identical, scenario by scenario, whatever range they are drawn in.
    """
    if not 0 <= start < stop:
        raise ValueError(f"draw_range: need 0 <= start < stop, got {start}, {stop}")
    parts: list[Draws] = []
    first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
    for block in range(first, last + 1):
        lo = max(start - block * BLOCK_SIZE, 0)
        hi = min(stop - block * BLOCK_SIZE, BLOCK_SIZE)
        parts.append(_slice(_draw_block(model, seed, block), slice(lo, hi)))
    return _concat(parts)
