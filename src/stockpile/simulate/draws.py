"""Random draws for a simulation, made per fixed-size block of scenarios.

Scenario ``i`` belongs to block ``i // BLOCK_SIZE``. Block ``b`` draws all its numbers from its
own generator ``PCG64(SeedSequence(seed, spawn_key=(b,)))`` - the ``b``-th child that
``SeedSequence(seed).spawn`` gives - in a fixed order, always for the whole block. The numbers
of scenario ``i`` therefore depend only on ``seed`` and ``i``: not on how many scenarios are run,
how they are batched, or on which worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from stockpile.simulate.compile import CompiledScenario, EventKind
from stockpile.simulate.distributions import Distribution

__all__ = ["BLOCK_SIZE", "Draws", "EventDraws", "ResponseDraws", "block_generator", "draw_range"]

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
    """

    index: IntArray
    ed: FloatArray
    es: FloatArray
    defence: FloatArray
    essential: FloatArray
    events: tuple[EventDraws, ...]
    responses: tuple[ResponseDraws, ...]
    release_capacity_share: FloatArray

    @property
    def size(self) -> int:
        """Number of scenarios S."""
        return int(self.index.shape[0])


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of seeding block ``block`` (child ``block`` of ``SeedSequence(seed)``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def _per_material(specs: Sequence[Distribution], rng: np.random.Generator, n: int) -> FloatArray:
    return np.stack([spec.sample(rng, n) for spec in specs], axis=1)


def _months(values: FloatArray, *, round_: bool) -> IntArray:
    out = np.floor(values + 0.5) if round_ else np.floor(values)
    return out.astype(np.int64)


def _draw_block(model: CompiledScenario, seed: int, block: int) -> Draws:
    rng = block_generator(seed, block)
    n = BLOCK_SIZE
    ed = _per_material(model.elasticity_demand, rng, n)
    es = _per_material(model.elasticity_supply, rng, n)
    defence = _per_material(model.split_defence, rng, n)
    essential = _per_material(model.split_essential, rng, n)
    events: list[EventDraws] = []
    for ev in model.events:
        occurs = rng.random(n) < ev.probability
        start = _months(ev.start.sample(rng, n), round_=False)
        duration = _months(ev.duration.sample(rng, n), round_=True)
        share = ev.share.sample(rng, n)
        if ev.kind is EventKind.CONFLICT:
            assert ev.surge is not None
            assert ev.replenishment_months is not None
            assert ev.replenishment_surge is not None
            surge = ev.surge.sample(rng, n)
            rep = _months(ev.replenishment_months.sample(rng, n), round_=True)
            rep_surge = ev.replenishment_surge.sample(rng, n)
        else:
            surge, rep, rep_surge = np.ones(n), np.zeros(n, dtype=np.int64), np.ones(n)
        events.append(EventDraws(occurs, start, duration, share, surge, rep, rep_surge))
    responses = [
        ResponseDraws(
            r.max_share.sample(rng, n), r.lead_months.sample(rng, n), r.ramp_months.sample(rng, n)
        )
        for r in model.responses
    ]
    cap = model.release_capacity_share.sample(rng, n)
    index = np.arange(block * n, (block + 1) * n, dtype=np.int64)
    return Draws(index, ed, es, defence, essential, tuple(events), tuple(responses), cap)


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
