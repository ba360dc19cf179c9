"""The vectorised monthly engine: arrays over scenarios x materials, a loop over months only.

Per month ``t`` (all scenarios ``s`` and materials ``m`` at once; quantities per month in the
material's unit):

1. events: availability of each origin country to the world and to the U.S.;
   ``x`` = share of world supply removed, ``lost`` = share of U.S. net imports lost;
2. responses ramp from the disruption onset: spare capacity (share of world supply), new supply
   (share of lost imports), recycling (share of U.S. consumption), substitution (share of civilian
   demand), austerity (share of 'other' demand);
3. world price ratio ``r`` from :func:`stockpile.market.solve_price_ratio` with ``D0 = S0 = 1``;
4. U.S. demand by class: defence ``C sd surge``; essential ``C se r^ed (1 - sub)``; other
   ``C so r^ed (1 - sub)(1 - aus)``; supply ``C - I + I (1 - lost (1 - new)) + C rec``,
   allocated defence first, then essential, then other;
5. stockpile release (trigger, served classes, monthly capacity, stock), defence first;
   shortfall = what is still unmet.

Steps 1-4 do not depend on the stock: a month whose event windows, conflict phases and response
ramps equal the previous month's reuses its flows. See ``docs/model.md`` for the equations, units
and simplifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from stockpile.market import solve_price_ratio
from stockpile.simulate.compile import (
    DAYS_PER_MONTH,
    CompiledScenario,
    EventKind,
    ResponseKind,
)
from stockpile.simulate.draws import Draws
from stockpile.simulate.scenario import ReleaseTrigger

__all__ = ["SHORTFALL_TOLERANCE", "EngineOutput", "Paths", "concat_outputs", "run_engine"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SHORTFALL_TOLERANCE = 1e-9
"""Gaps below this share of monthly U.S. consumption are rounding noise and counted as zero [-]."""

PRICE_TOLERANCE = 1e-13
"""Convergence tolerance of the price search on log(P/P0) [-]."""


@dataclass(frozen=True)
class Paths:
    """Per-month paths (kept when asked; S x M x T can be large).

    Attributes
    ----------
    shortfall : unmet U.S. demand by class [S, M, T, 3] [unit/month].
    price_ratio : world price / reference price [S, M, T] [-].
    stock : stockpile holdings at the end of the month [S, M, T] [unit].
    days_of_cover : end-of-month stock / daily demand of the served classes [S, M, T] [day].
    """

    shortfall: FloatArray
    price_ratio: FloatArray
    stock: FloatArray
    days_of_cover: FloatArray


@dataclass(frozen=True)
class EngineOutput:
    """Per-scenario totals for S scenarios and M materials (paths optional).

    Attributes
    ----------
    index : global scenario indices [S].
    shortfall_by_class : total unmet U.S. demand by class (defence, essential, other)
        over the horizon [S, M, 3] [unit].
    release : total stockpile release [S, M] [unit].
    final_stock : holdings at the end of the horizon [S, M] [unit].
    peak_price_ratio, mean_price_ratio : max and mean of P/P0 over the months [S, M] [-].
    price_capped : whether the price hit the search bound in some month [S, M].
    months_to_stockout : first month (0-based) in which the served classes were short, NaN if
        never [S, M] [month].
    months_short : number of months with served-class shortfall [S, M] [month].
    days_of_cover : initial holdings / daily baseline demand of the served classes [S, M] [day].
    paths : per-month paths, or ``None``.
    """

    index: npt.NDArray[np.int64]
    shortfall_by_class: FloatArray
    release: FloatArray
    final_stock: FloatArray
    peak_price_ratio: FloatArray
    mean_price_ratio: FloatArray
    price_capped: BoolArray
    months_to_stockout: FloatArray
    months_short: FloatArray
    days_of_cover: FloatArray
    paths: Paths | None


def _window(start: FloatArray, length: FloatArray, t: int) -> BoolArray:
    return (start <= t) & (t < start + length)


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
    model: CompiledScenario, shares: FloatArray, flag: str
) -> list[tuple[tuple[int, ...], FloatArray]]:
    """Countries grouped by the set of events (with ``flag`` set) that touch them.

    Countries hit by the same events have the same availability, so their shares can be
    added: returns (event indices, summed shares [M]) per group.
    """
    groups: dict[tuple[int, ...], FloatArray] = {}
    for k in range(len(model.countries)):
        sig = tuple(i for i, ev in enumerate(model.events) if ev.countries[k] and getattr(ev, flag))
        if not sig:
            continue
        prev = groups.get(sig)
        groups[sig] = shares[:, k].copy() if prev is None else prev + shares[:, k]
    return [(sig, w) for sig, w in groups.items() if np.any(w > 0)]


def _removed(
    groups: list[tuple[tuple[int, ...], FloatArray]],
    cuts: list[FloatArray | None],
) -> FloatArray | None:
    """Share removed: sum over groups of shares x (1 - product of (1 - cut of each event))."""
    out: FloatArray | None = None
    for sig, weight in groups:
        live = [c for c in (cuts[i] for i in sig) if c is not None]
        if not live:
            continue
        if len(live) == 1:
            term = live[0] * weight[None, :]
        else:
            avail = 1.0 - live[0]
            for c in live[1:]:
                avail *= 1.0 - c
            term = (1.0 - avail) * weight[None, :]
        out = term if out is None else out + term
    if out is not None:
        np.minimum(out, 1.0, out=out)
    return out


@dataclass(frozen=True)
class _Flows:
    """What a month's events, responses and prices give before stockpile releases."""

    gaps: tuple[FloatArray, FloatArray, FloatArray]
    demand: tuple[FloatArray, FloatArray, FloatArray]
    ratio: FloatArray | None
    emergency: BoolArray


def _same_key(a: list[npt.NDArray[Any] | None], b: list[npt.NDArray[Any] | None]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if x is not y:
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def _total(arrays: list[FloatArray]) -> FloatArray:
    out = arrays[0]
    for a in arrays[1:]:
        out = out + a
    return out


def run_engine(model: CompiledScenario, draws: Draws, *, keep_paths: bool = False) -> EngineOutput:
    """Simulate S scenarios x M materials month by month.

    Parameters
    ----------
    model : the compiled scenario.
    draws : the random draws of the S scenarios.
    keep_paths : whether to keep per-month paths.

    Returns
    -------
    EngineOutput
    """
    s, m, horizon = draws.size, model.n_materials, model.horizon
    shape = (s, m)
    cons = model.consumption[None, :]
    imports = model.net_imports[None, :]
    domestic = cons - imports
    tol = SHORTFALL_TOLERANCE * cons
    ed, es = draws.ed, draws.es
    sd, se = draws.defence, draws.essential
    so = np.maximum(1.0 - sd - se, 0.0)
    serve = model.serve
    served_share = sd * serve[0] + se * serve[1] + so * serve[2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        days_of_cover = np.where(
            served_share > 0,
            model.stock0[None, :] / (cons * served_share / DAYS_PER_MONTH),
            np.nan,
        )
    c_def = cons * sd
    c_ess = cons * se
    c_oth = cons * so
    stock = np.broadcast_to(model.stock0[None, :], shape).copy()
    capacity = draws.release_capacity_share[:, None] * model.stock0[None, :]
    onset, onset_column = _onset(model, draws)
    ev_start = [np.where(d.occurs, d.start, 10**9).astype(np.float64) for d in draws.events]
    ev_len = [d.duration.astype(np.float64) for d in draws.events]
    hits = [
        d.share[:, None] * ev.materials[None, :]
        for ev, d in zip(model.events, draws.events, strict=True)
    ]
    world_groups = _groups(model, model.world_shares, "world")
    us_groups = _groups(model, model.import_shares, "us")
    conflicts = [i for i, ev in enumerate(model.events) if ev.kind is EventKind.CONFLICT]
    responses = [
        (
            r.kind,
            r.materials,
            onset + d.lead[:, None] - 1.0,
            np.maximum(d.ramp, 1.0)[:, None],
            d.max_share[:, None],
        )
        for r, d in zip(model.responses, draws.responses, strict=True)
    ]

    short_tot = [np.zeros(shape) for _ in range(3)]
    release_tot = np.zeros(shape)
    peak = np.ones(shape)
    price_sum = np.zeros(shape)
    capped = np.zeros(shape, dtype=bool)
    before_first = np.zeros(shape)
    months_short = np.zeros(shape)
    unmoved = 0
    path_short: list[FloatArray] = []
    path_price: list[FloatArray] = []
    path_stock: list[FloatArray] = []
    path_cover: list[FloatArray] = []

    def flows(
        active: list[BoolArray], reps: list[BoolArray], fracs: list[FloatArray | None]
    ) -> _Flows:
        """Steps 1-4 of a month (everything that does not depend on the stock)."""
        # 1. availability by origin: share of world supply removed, share of U.S. imports lost
        cuts: list[FloatArray | None] = []
        for i, act in enumerate(active):
            if not act.any():
                cuts.append(None)
            elif act.all():
                cuts.append(hits[i])
            else:
                cuts.append(hits[i] * act[:, None])
        x = _removed(world_groups, cuts)
        lost = _removed(us_groups, cuts)
        # conflicts: defence surge and emergency flag
        surge: FloatArray | None = None
        emergency = np.zeros(s, dtype=bool)
        for i, rep in zip(conflicts, reps, strict=True):
            ev, d = model.events[i], draws.events[i]
            emergency |= active[i] | rep
            factor = np.where(active[i], d.surge, np.where(rep, d.replenishment_surge, 1.0))
            if not np.any(factor != 1.0):
                continue
            f = (
                factor[:, None]
                if ev.materials.all()
                else np.where(ev.materials[None, :], factor[:, None], 1.0)
            )
            surge = f if surge is None else surge * f
        # 2. responses, ramped from the onset of the disruption
        resp: dict[ResponseKind, FloatArray] = {}
        for (kind, mats, _, _, top), frac in zip(responses, fracs, strict=True):
            if frac is None:
                continue
            share = (frac * top)[:, onset_column]
            if not mats.all():
                share *= mats[None, :]
            prev = resp.get(kind)
            resp[kind] = share if prev is None else np.minimum(prev + share, 1.0)
        spare = resp.get(ResponseKind.SPARE_CAPACITY)
        # 3. world price
        ratio: FloatArray | None = None
        ratio_ed: FloatArray | None = None
        moved = x > 0 if x is not None else None
        if spare is not None:
            moved = spare > 0 if moved is None else moved | (spare > 0)
        if moved is not None and moved.any():
            ratio, ratio_ed = _clear(moved, x, spare)
        # 4. U.S. demand and supply, allocated by priority
        civil = ratio_ed
        sub = resp.get(ResponseKind.SUBSTITUTION)
        if sub is not None:
            civil = (1.0 - sub) if civil is None else civil * (1.0 - sub)
        d_def = c_def if surge is None else c_def * surge
        d_ess = c_ess if civil is None else c_ess * civil
        d_oth = c_oth if civil is None else c_oth * civil
        aus = resp.get(ResponseKind.AUSTERITY)
        if aus is not None:
            d_oth = d_oth * (1.0 - aus)
        new = resp.get(ResponseKind.NEW_SUPPLY)
        if lost is None:
            supply = np.broadcast_to(cons, shape)
        elif new is None:
            supply = domestic + imports * (1.0 - lost)
        else:
            supply = domestic + imports * (1.0 - lost * (1.0 - new))
        rec = resp.get(ResponseKind.RECYCLING)
        if rec is not None:
            supply = supply + cons * rec
        left = supply - d_def
        g_def = np.negative(left)
        np.maximum(left, 0.0, out=left)
        g_ess = d_ess - left
        left -= d_ess
        np.maximum(left, 0.0, out=left)
        g_oth = d_oth - left
        gaps = (g_def, g_ess, g_oth)
        for g in gaps:
            np.multiply(g, g > tol, out=g)
        return _Flows(gaps, (d_def, d_ess, d_oth), ratio, emergency)

    def _clear(
        moved: BoolArray, x: FloatArray | None, spare: FloatArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """World price ratio and ratio^ed in the cells where supply moved (1 elsewhere)."""
        flat = np.flatnonzero(moved.ravel())
        n = flat.size
        xs = np.zeros(n) if x is None else x.ravel().take(flat)
        sp = np.zeros(n) if spare is None else spare.ravel().take(flat)
        e_d = ed.ravel().take(flat)
        r, status, _ = solve_price_ratio(
            np.ones(n),
            1.0 - xs,
            e_d,
            es.ravel().take(flat),
            sp,
            model.max_price_ratio,
            PRICE_TOLERANCE,
            200,
        )
        ratio = np.ones(shape)
        ratio.ravel()[flat] = r
        ratio_ed = np.ones(shape)
        ratio_ed.ravel()[flat] = np.power(r, e_d)
        if status.any():
            capped.ravel()[flat[status != 0]] = True
        return ratio, ratio_ed

    current: _Flows | None = None
    last_key: list[npt.NDArray[Any] | None] = []
    for t in range(horizon):
        active = [_window(ev_start[i], ev_len[i], t) for i in range(len(model.events))]
        reps = [
            _window(ev_start[i] + ev_len[i], draws.events[i].replenishment.astype(np.float64), t)
            for i in conflicts
        ]
        fracs: list[FloatArray | None] = []
        for _, _, begin, ramp, _ in responses:
            with np.errstate(invalid="ignore"):
                frac = np.subtract(t, begin)
                frac /= ramp
            np.maximum(frac, 0.0, out=frac)
            np.minimum(frac, 1.0, out=frac)
            fracs.append(frac if frac.any() else None)
        # months whose inputs equal the previous month's have the same flows
        key: list[npt.NDArray[Any] | None] = [*active, *reps, *fracs]
        if current is None or not _same_key(key, last_key):
            current = flows(active, reps, fracs)
        last_key = key
        gaps = list(current.gaps)
        d_def, d_ess, d_oth = current.demand
        ratio = current.ratio
        emergency = current.emergency
        # 5. stockpile release, defence first among served classes
        shortfall = list(gaps)
        can_release = model.trigger is not ReleaseTrigger.NEVER and serve.any() and stock.any()
        if can_release:
            need = _total([gaps[c] for c in range(3) if serve[c]])
            release = np.minimum(np.minimum(stock, capacity), need)
            if model.trigger is ReleaseTrigger.EMERGENCY:
                release = np.where(emergency[:, None], release, 0.0)
            remaining = release
            last = max(c for c in range(3) if serve[c])
            for c in range(last + 1):
                given = np.minimum(gaps[c], remaining)
                if c < last:
                    remaining = remaining - given
                shortfall[c] = gaps[c] - given
            stock = stock - release
            release_tot += release
        served = [shortfall[c] for c in range(3) if serve[c]]
        is_short = _total(served) > tol if served else np.zeros(shape, dtype=bool)
        # totals
        for c in range(3):
            short_tot[c] += shortfall[c]
        if ratio is not None:
            np.maximum(peak, ratio, out=peak)
            price_sum += ratio
        else:
            unmoved += 1
        before_first += months_short == 0
        months_short += is_short
        if keep_paths:
            path_short.append(np.stack(shortfall, axis=-1))
            path_price.append(np.ones(shape) if ratio is None else ratio)
            path_stock.append(stock)
            served_demand = d_def * serve[0] + d_ess * serve[1] + d_oth * serve[2]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                path_cover.append(
                    np.where(served_demand > 0, stock / (served_demand / DAYS_PER_MONTH), np.nan)
                )

    # the first short month is the number of months that started with no earlier shortfall, - 1
    stockout = np.where(months_short > 0, before_first - 1.0, np.nan)
    price_sum += unmoved
    # materials without U.S. consumption or imports in the data: no U.S. balance (NaN)
    unknown = ~(np.isfinite(model.consumption) & np.isfinite(model.net_imports))
    for arr in (*short_tot, release_tot, stock, months_short, stockout):
        arr[:, unknown] = np.nan
    paths = None
    if keep_paths:
        paths = Paths(
            shortfall=np.stack(path_short, axis=2),
            price_ratio=np.stack(path_price, axis=2),
            stock=np.stack(path_stock, axis=2),
            days_of_cover=np.stack(path_cover, axis=2),
        )
        for arr in (paths.shortfall, paths.stock, paths.days_of_cover):
            arr[:, unknown] = np.nan
    return EngineOutput(
        index=draws.index,
        shortfall_by_class=np.stack(short_tot, axis=-1),
        release=release_tot,
        final_stock=stock,
        peak_price_ratio=peak,
        mean_price_ratio=price_sum / horizon,
        price_capped=capped,
        months_to_stockout=stockout,
        months_short=months_short,
        days_of_cover=days_of_cover,
        paths=paths,
    )


def concat_outputs(parts: Sequence[EngineOutput]) -> EngineOutput:
    """Join outputs of consecutive scenario ranges (in the given order)."""
    if len(parts) == 1:
        return parts[0]
    kwargs: dict[str, object] = {}
    for f in fields(EngineOutput):
        if f.name == "paths":
            continue
        kwargs[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
    paths = None
    if all(p.paths is not None for p in parts):
        paths = Paths(
            **{
                f.name: np.concatenate([getattr(p.paths, f.name) for p in parts])
                for f in fields(Paths)
            }
        )
    return EngineOutput(paths=paths, **kwargs)  # type: ignore[arg-type]
