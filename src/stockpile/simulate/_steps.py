"""The month steps of the engine and the month state they work on.

A month is a fixed sequence of steps (:data:`STEPS`), each a function
``step(ctx, state) -> None`` that reads the per-batch constants (:class:`EngineContext`) and
updates the :class:`MonthState` in place, all scenarios and materials at once ([S, M] arrays):

1. :func:`step_events`: which events are under way; share of world supply removed ``x``, share
   of U.S. net imports lost ``lost``, defence demand surge, national emergency;
2. :func:`step_responses`: response shares ramped from the disruption onset;
3. :func:`step_price`: world price ratio, re-solved only in the cells whose removal or spare
   capacity moved (:class:`~stockpile.simulate.prices.MonthPrices`);
4. :func:`step_balance`: U.S. demand by class and the gaps left by supply allocated by
   priority;
5. :func:`step_release`: stockpile release to the served classes; shortfall;
6. :func:`step_totals` and :func:`step_paths`: the month added to the totals and paths.

Steps 1-4 do not depend on the stock, so each recomputes only when its own inputs moved: a step
that changes something says so in ``state.moved`` (:class:`Moved`), and the steps after it read
those flags. Reuse never changes a number: every value is the same function of the same inputs.
To add a step, write such a function and insert it into :data:`STEPS` (``docs/model.md``,
"Engine steps").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stockpile.simulate._dynamics import (
    DynamicMonthPrices,
    dynamics_factor,
    step_market_dynamics,
)
from stockpile.simulate._lever_steps import (
    LeverState,
    new_lever_state,
    step_lever_inputs,
    step_reserve,
)
from stockpile.simulate._step_context import EngineContext, SupplyGroup
from stockpile.simulate.compile import DAYS_PER_MONTH, ResponseKind
from stockpile.simulate.prices import MonthPrices
from stockpile.simulate.scenario import ReleaseTrigger

__all__ = [
    "STEPS",
    "Drawdown",
    "MonthState",
    "Moved",
    "PathRecord",
    "Step",
    "Totals",
    "new_state",
    "shortfall_by_class",
    "step_balance",
    "step_events",
    "step_levers",
    "step_paths",
    "step_price",
    "step_release",
    "step_responses",
    "step_servable",
    "step_supplier_reserve",
    "step_totals",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Moved:
    """What moved in the current month (reset at its start).

    Attributes
    ----------
    events : indices of the events whose active scenarios changed.
    world, us : whether the share of world supply removed / of U.S. imports lost changed.
    conflict : whether the defence surge or the national emergency changed.
    kinds : response kinds whose share changed.
    price : whether a price ratio may have changed.
    balance : whether an input of the U.S. balance changed (any step that changes one sets it).
    stock : whether a step other than the release changed the holdings (a purchase, a loss):
        the release step then re-reads which cells hold stock.
    """

    events: set[int] = field(default_factory=set)
    world: bool = False
    us: bool = False
    conflict: bool = False
    kinds: set[ResponseKind] = field(default_factory=set)
    price: bool = False
    balance: bool = False
    stock: bool = False


@dataclass
class Totals:
    """Sums over the months so far [S, M] (``shortfall``: one array per class) [unit]."""

    shortfall: list[FloatArray]
    release: FloatArray
    peak_price: FloatArray
    price_sum: FloatArray
    is_short: BoolArray
    """Served classes short in the current month."""
    ever_short: BoolArray
    months_short: npt.NDArray[np.int32]
    months_since_first_short: npt.NDArray[np.int32]
    servable: list[FloatArray] | None = None
    """Gaps servable within the capacity, by class (:mod:`stockpile.simulate.routes`); None
    when nothing bounds them."""


@dataclass
class PathRecord:
    """Per-month paths, one [S, M] array (shortfall: [S, M, 3]) per month so far."""

    shortfall: list[FloatArray] = field(default_factory=list)
    price_ratio: list[FloatArray] = field(default_factory=list)
    stock: list[FloatArray] = field(default_factory=list)
    days_of_cover: list[FloatArray] = field(default_factory=list)


@dataclass
class Drawdown:
    """The month's stockpile release in the cells that release (the others release nothing
    and are short of their whole served gaps).

    Attributes
    ----------
    cells : flat indices into [S, M] of the cells that release [n].
    release : release [n] [unit/month].
    shortfall : unmet demand of each served class after the release [n] [unit/month].
    """

    cells: npt.NDArray[np.intp]
    release: FloatArray
    shortfall: list[FloatArray]


@dataclass
class MonthState:
    """The state of one batch at month ``t``; arrays are [S, M] unless stated.

    ``None`` stands for an array of zeros (ones for ``surge``) that need not be built.

    Attributes
    ----------
    t : the current month [month].
    moved : what moved this month.
    active : whether each event is under way [S] per event.
    replenishing : whether each conflict is in its replenishment period [S] per conflict.
    cuts : share withheld or lost by each event where active [-] (``None``: inactive).
    x : share of world supply removed [-].
    lost : share of U.S. net imports lost [-].
    surge : defence demand multiplier [-].
    emergency : national emergency (a conflict or its replenishment) [S].
    fractions : ramp fraction of each response [S, G] [-] (``None``: zero).
    response_shares : share of each response [-] (``None``: zero).
    responses : share by kind, the responses of a kind added up and capped at 1 [-].
    prices : world price ratios of the month.
    gaps, demand : U.S. gaps and demand by class (defence, essential, other) [unit/month].
    need : sum of the served classes' gaps [unit/month].
    short_if_idle : whether the served classes are short in a cell that releases nothing.
    has_stock : whether a cell still holds stock.
    drawing : flat indices of the cells that may release (stock, capacity, a served gap and
        the trigger's consent), refreshed when the gaps or the emergency move.
    stock : stockpile holdings [unit].
    drawdown : the month's release where there is one (``None``: nothing released).
    totals : sums over the months so far.
    paths : per-month paths, if kept.
    lever : state of the levers.
    inventory : market inventories left, with market dynamics [S, M] [month of world
        consumption] (``None``: static clearing).
    """

    t: int
    moved: Moved
    active: list[BoolArray]
    replenishing: list[BoolArray]
    cuts: list[FloatArray | None]
    x: FloatArray | None
    lost: FloatArray | None
    surge: FloatArray | None
    emergency: BoolArray
    fractions: list[FloatArray | None]
    response_shares: list[FloatArray | None]
    responses: dict[ResponseKind, FloatArray]
    prices: MonthPrices
    gaps: list[FloatArray]
    demand: list[FloatArray]
    need: FloatArray
    short_if_idle: BoolArray
    has_stock: BoolArray
    drawing: npt.NDArray[np.intp]
    stock: FloatArray
    drawdown: Drawdown | None
    upstream: FloatArray
    totals: Totals
    paths: PathRecord | None
    lever: LeverState
    inventory: FloatArray | None = None
    inventory_release: FloatArray | None = None


Step = Callable[[EngineContext, MonthState], None]
"""A month step: reads the context, updates the state in place."""


def new_state(ctx: EngineContext) -> MonthState:
    """The state before month 0: holdings at their initial level, nothing under way."""
    s, _ = shape = ctx.shape
    return MonthState(
        t=-1,
        moved=Moved(),
        active=[],
        replenishing=[],
        cuts=[None] * len(ctx.events),
        x=None,
        lost=None,
        surge=None,
        emergency=np.zeros(s, dtype=bool),
        fractions=[None] * len(ctx.responses),
        response_shares=[None] * len(ctx.responses),
        responses={},
        prices=(
            MonthPrices(ctx.ed, ctx.es, ctx.max_price_ratio)
            if ctx.dynamics is None
            else DynamicMonthPrices(ctx.ed, ctx.es, ctx.max_price_ratio, ctx.dynamics)
        ),
        gaps=[],
        demand=[],
        need=np.zeros(shape),
        short_if_idle=np.zeros(shape, dtype=bool),
        has_stock=ctx.stock0 > 0,
        drawing=np.zeros(0, dtype=np.intp),
        stock=ctx.stock0.copy(),
        drawdown=None,
        upstream=ctx.upstream0.copy(),
        totals=Totals(
            shortfall=[np.zeros(shape) for _ in range(3)],
            release=np.zeros(shape),
            peak_price=np.ones(shape),
            price_sum=np.zeros(shape),
            is_short=np.zeros(shape, dtype=bool),
            ever_short=np.zeros(shape, dtype=bool),
            months_short=np.zeros(shape, dtype=np.int32),
            months_since_first_short=np.zeros(shape, dtype=np.int32),
            servable=None if ctx.servable is None else [np.zeros(shape) for _ in range(3)],
        ),
        paths=PathRecord() if ctx.keep_paths else None,
        lever=new_lever_state(ctx.levers, s),
        inventory=None if ctx.dynamics is None else ctx.dynamics.cover.copy(),
    )


def _removed(groups: tuple[SupplyGroup, ...], cuts: list[FloatArray | None]) -> FloatArray | None:
    """Share removed: sum over groups of shares x (1 - product of (1 - cut of each event))
    [S, M] [-], capped at 1 (``None``: nothing removed)."""
    out: FloatArray | None = None
    for group in groups:
        live = [c for c in (cuts[i] for i in group.events) if c is not None]
        if not live:
            continue
        if len(live) == 1:
            term = live[0] * group.weight
        else:
            avail = 1.0 - live[0]
            for c in live[1:]:
                avail *= 1.0 - c
            term = (1.0 - avail) * group.weight
        out = term if out is None else out + term
    if out is not None:
        np.minimum(out, 1.0, out=out)
    return out


def step_events(ctx: EngineContext, state: MonthState) -> None:
    """Step 1: events under way; removed and lost shares, defence surge, emergency.

    Each part is recomputed only when a window it depends on opens or closes.
    """
    t, moved = state.t, state.moved
    active = [ev.under_way[t] for ev in ctx.events]
    replenishing = [c.replenishing[t] for c in ctx.conflicts]
    moved.events = {i for i, ev in enumerate(ctx.events) if ev.moves[t]}
    moved.conflict = t == 0 or any(c.moves[t] or c.event in moved.events for c in ctx.conflicts)
    state.active, state.replenishing = active, replenishing
    for i in moved.events:
        state.cuts[i] = ctx.events[i].cut(active[i])
    moved.world = bool(moved.events & ctx.world_events)
    if moved.world:
        state.x = _removed(ctx.world_groups, state.cuts)
    moved.us = bool(moved.events & ctx.us_events)
    if moved.us:
        state.lost = _removed(ctx.us_groups, state.cuts)
    if moved.conflict:
        surge: FloatArray | None = None
        emergency = np.zeros(ctx.shape[0], dtype=bool)
        for c, rep in zip(ctx.conflicts, replenishing, strict=True):
            war = active[c.event]
            emergency |= war | rep
            factor = np.where(war, c.surge, np.where(rep, c.replenishment_surge, 1.0))
            if not np.any(factor != 1.0):
                continue
            f = np.where(c.materials[None, :], factor[:, None], 1.0)
            surge = f if surge is None else surge * f
        state.surge, state.emergency = surge, emergency
    moved.balance |= moved.us or moved.conflict


def step_responses(ctx: EngineContext, state: MonthState) -> None:
    """Step 2: response shares ramped from the disruption onset (recomputed while ramping);
    the responses of a kind add up, capped at 1."""
    kinds: set[ResponseKind] = set()
    for i, r in enumerate(ctx.responses):
        if not r.moves[state.t]:
            continue
        frac = r.fraction(state.t)
        state.fractions[i] = frac
        state.response_shares[i] = None if frac is None else r.share(frac)
        kinds.add(r.kind)
    for kind in kinds:
        total: FloatArray | None = None
        for r, share in zip(ctx.responses, state.response_shares, strict=True):
            if r.kind is kind and share is not None:
                total = share if total is None else np.minimum(total + share, 1.0)
        if total is None:
            state.responses.pop(kind, None)
        else:
            state.responses[kind] = total
    state.moved.kinds = kinds
    state.moved.balance |= bool(kinds - {ResponseKind.SPARE_CAPACITY})


def step_levers(ctx: EngineContext, state: MonthState) -> None:
    """Step 2b: the levers' supply and demand effects added to the response totals
    (:mod:`stockpile.simulate._lever_steps`)."""
    step_lever_inputs(ctx.levers, state.t, state, ctx.base.imports)


def step_supplier_reserve(ctx: EngineContext, state: MonthState) -> None:
    """Step 3b: supplier reserves trade in their markets; the price there follows."""
    if not ctx.levers.reserves:
        return
    g = None if ctx.dynamics is None else dynamics_factor(ctx.dynamics, state.t)
    step_reserve(ctx.levers, state, ctx.ed, ctx.es, g=g, inventory=state.inventory_release)


def step_price(ctx: EngineContext, state: MonthState) -> None:
    """Step 3: world price ratio, re-solved where the removal or spare capacity moved (with
    market dynamics, :func:`~stockpile.simulate._dynamics.step_market_dynamics` instead)."""
    if ctx.dynamics is not None:
        step_market_dynamics(ctx, state)
        return
    moved = state.moved
    moved.price = False
    if moved.world or ResponseKind.SPARE_CAPACITY in moved.kinds:
        moved.price = state.prices.update(state.x, state.responses.get(ResponseKind.SPARE_CAPACITY))
    moved.balance |= moved.price


def step_balance(ctx: EngineContext, state: MonthState) -> None:
    """Step 4: U.S. demand by class and the gaps left by supply allocated by priority.

    demand: defence ``C sd surge``; essential ``C se r^ed (1 - sub)``; other
    ``C so r^ed (1 - sub)(1 - aus)``; supply ``C - I + I (1 - lost (1 - new)) + C rec``,
    allocated defence first, then essential, then other. Gaps up to the tolerance are zero.
    """
    if not state.moved.balance:
        return
    base, resp = ctx.base, state.responses
    civil = state.prices.ratio_ed if state.prices.any_moved else None
    sub = resp.get(ResponseKind.SUBSTITUTION)
    if sub is not None:
        keep = np.subtract(1.0, sub)
        civil = keep if civil is None else np.multiply(keep, civil, out=keep)
    surge = state.surge
    d_def = base.c_def if surge is None else base.c_def * surge
    d_ess = base.c_ess if civil is None else base.c_ess * civil
    d_oth = base.c_oth if civil is None else base.c_oth * civil
    aus = resp.get(ResponseKind.AUSTERITY)
    if aus is not None:
        cut = np.subtract(1.0, aus)
        d_oth = np.multiply(d_oth, cut, out=cut)
    new = resp.get(ResponseKind.NEW_SUPPLY)
    lost = state.lost
    supply: FloatArray
    if lost is None:
        supply = base.cons
    else:
        # domestic + imports (1 - lost (1 - new))
        if new is None:
            supply = np.subtract(1.0, lost)
        else:
            supply = np.subtract(1.0, new)
            supply *= lost
            np.subtract(1.0, supply, out=supply)
        supply *= base.imports
        supply += base.domestic
    rec = resp.get(ResponseKind.RECYCLING)
    if rec is not None:
        supply = supply + base.cons * rec
    left = supply - d_def
    g_def = np.negative(left)
    np.maximum(left, 0.0, out=left)
    g_ess = d_ess - left
    left -= d_ess
    np.maximum(left, 0.0, out=left)
    g_oth = np.subtract(d_oth, left, out=left)
    gaps = [g_def, g_ess, g_oth]
    for g in gaps:
        np.multiply(g, g > base.tol, out=g)
    # all arrays are new: the state may keep them across months
    state.gaps, state.demand = gaps, [d_def, d_ess, d_oth]


def _sum(arrays: list[FloatArray]) -> FloatArray:
    out = arrays[0]
    for a in arrays[1:]:
        out = out + a
    return out


def _refresh_drawing(ctx: EngineContext, state: MonthState) -> None:
    """The served need and the cells that may release, after the gaps or the emergency moved."""
    n_served, trigger = ctx.n_served, ctx.trigger
    if not n_served:
        return
    gaps = state.gaps
    state.need = need = _sum(gaps[:n_served])
    state.short_if_idle = need > ctx.base.tol
    if trigger is ReleaseTrigger.NEVER:
        return
    ready = need > 0.0
    ready &= state.has_stock
    if trigger is ReleaseTrigger.EMERGENCY:
        ready &= state.emergency[:, None]
    state.drawing = np.flatnonzero(ready)


def step_conversion(ctx: EngineContext, state: MonthState) -> None:
    """Step 5a: holdings in an upstream form (ore, oxide) become usable through conversion.

    From the disruption onset plus the conversion lead, ``min(upstream, capacity)`` per month
    moves from the upstream holdings to the usable stock; capacity in a cut country does not
    count (:mod:`stockpile.simulate.stages`), so with none the upstream form serves nothing.
    """
    if not state.upstream.any():
        return
    now = ctx.conversion_begin <= state.t
    if not now.any():
        return
    moved = np.where(now, np.minimum(state.upstream, ctx.conversion), 0.0)
    if not moved.any():
        return
    state.upstream -= moved
    state.stock += moved
    state.has_stock |= moved > 0.0
    _refresh_drawing(ctx, state)


def step_release(ctx: EngineContext, state: MonthState) -> None:
    """Step 5: stockpile release, defence first among the served classes.

    ``release = min(stock, capacity, served gaps)`` where the trigger allows; the shortfall is
    what is still unmet. Only the cells that hold stock, have a served gap and may release are
    computed (:class:`Drawdown`); the others are short of their whole gaps.
    """
    moved = state.moved
    if moved.stock:
        np.greater(state.stock, 0.0, out=state.has_stock)
    if moved.balance or moved.conflict or moved.stock:
        _refresh_drawing(ctx, state)
    cells = state.drawing
    state.drawdown = None
    if not cells.size:
        return
    flat_stock = state.stock.ravel()
    stock = flat_stock.take(cells)
    release = np.minimum(stock, ctx.capacity.ravel().take(cells))
    np.minimum(release, state.need.ravel().take(cells), out=release)
    remaining = release
    shortfall = []
    for c in range(ctx.n_served):
        gap = state.gaps[c].ravel().take(cells)
        given = np.minimum(gap, remaining)
        if c < ctx.n_served - 1:
            remaining = remaining - given
        shortfall.append(np.subtract(gap, given, out=given))
    stock -= release
    flat_stock[cells] = stock
    state.drawdown = Drawdown(cells, release, shortfall)
    out = stock <= 0.0
    if out.any():
        state.has_stock.ravel()[cells[out]] = False
        state.drawing = cells[~out]


def step_servable(ctx: EngineContext, state: MonthState) -> None:
    """The month's gaps served up to the servable capacity, highest class first, from the
    servable's first month on, added to ``totals.servable`` (only when the context has a
    :class:`~stockpile.simulate._step_context.Servable`)."""
    sv, acc = ctx.servable, state.totals.servable
    if sv is None or acc is None:
        return
    left = sv.capacity.copy()
    on = sv.begin <= state.t
    for c in range(3):
        given = np.minimum(state.gaps[c], left)
        np.multiply(given, on, out=given)
        acc[c] += given
        if c < 2:
            left -= given


def shortfall_by_class(ctx: EngineContext, state: MonthState) -> list[FloatArray]:
    """Unmet demand of the month by class after releases [S, M] [unit/month] (new arrays)."""
    out = [g.copy() for g in state.gaps]
    d = state.drawdown
    if d is not None:
        for c, short in enumerate(d.shortfall):
            out[c].ravel()[d.cells] = short
    return out


def step_totals(ctx: EngineContext, state: MonthState) -> None:
    """Step 6: the month's shortfall, release and price added to the totals."""
    tot, n_served, d = state.totals, ctx.n_served, state.drawdown
    for c in range(3):
        acc = tot.shortfall[c]
        if d is not None and c < n_served:
            flat = acc.ravel()
            before = flat.take(d.cells)
            acc += state.gaps[c]
            flat[d.cells] = before + d.shortfall[c]
        else:
            acc += state.gaps[c]
    if n_served:
        np.copyto(tot.is_short, state.short_if_idle)
        if d is not None:
            flat_release = tot.release.ravel()
            flat_release[d.cells] = flat_release.take(d.cells) + d.release
            tot.is_short.ravel()[d.cells] = _sum(d.shortfall) > ctx.base.tol.ravel().take(d.cells)
        tot.months_short += tot.is_short
        tot.ever_short |= tot.is_short
        tot.months_since_first_short += tot.ever_short
    prices = state.prices
    if not prices.any_moved:
        tot.price_sum += 1.0
    else:
        if state.moved.price:
            np.maximum(tot.peak_price, prices.ratio, out=tot.peak_price)
        tot.price_sum += prices.ratio


def step_paths(ctx: EngineContext, state: MonthState) -> None:
    """Step 7: the month's shortfall, price, stock and days of cover appended to the paths."""
    paths = state.paths
    if paths is None:
        return
    paths.shortfall.append(np.stack(shortfall_by_class(ctx, state), axis=-1))
    prices = state.prices
    paths.price_ratio.append(prices.ratio.copy() if prices.any_moved else np.ones(ctx.shape))
    paths.stock.append(state.stock.copy())
    serve = ctx.serve
    d_def, d_ess, d_oth = state.demand
    served_demand = d_def * serve[0] + d_ess * serve[1] + d_oth * serve[2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        paths.days_of_cover.append(
            np.where(served_demand > 0, state.stock / (served_demand / DAYS_PER_MONTH), np.nan)
        )


STEPS: tuple[Step, ...] = (
    step_events,
    step_responses,
    step_levers,
    step_price,
    step_supplier_reserve,
    step_balance,
    step_conversion,
    step_release,
    step_servable,
    step_totals,
    step_paths,
)
"""The steps of a month, in order."""
