"""Today's engine kept as the benchmark baseline (``simulate/engine.py`` and
``simulate/prices.py`` as of commit bc12148), so that ``bench_simulate`` measures the engine
against it in the same run. Not part of the package; not used outside the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

__all__ = ["SHORTFALL_TOLERANCE", "EngineOutput", "Paths", "run_engine"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SHORTFALL_TOLERANCE = 1e-9
"""Gaps below this share of monthly U.S. consumption are rounding noise and counted as zero [-]."""


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
    """Share removed: sum over groups of shares x (1 - product of (1 - cut of each event)).

    ``groups`` holds (event indices, summed shares [S, M] or [M]); ``cuts`` the share withheld
    by each event [S, M], or ``None`` where an event is inactive everywhere.
    """
    out: FloatArray | None = None
    for sig, weight in groups:
        live = [c for c in (cuts[i] for i in sig) if c is not None]
        if not live:
            continue
        if len(live) == 1:
            term = live[0] * weight
        else:
            avail = 1.0 - live[0]
            for c in live[1:]:
                avail *= 1.0 - c
            term = (1.0 - avail) * weight
        out = term if out is None else out + term
    if out is not None:
        np.minimum(out, 1.0, out=out)
    return out


def _spread(a: FloatArray, shape: tuple[int, int]) -> FloatArray:
    """``a`` broadcast to ``shape`` as a C-ordered array of its own."""
    return np.ascontiguousarray(np.broadcast_to(a, shape))


def _same_key(a: Sequence[npt.NDArray[Any] | None], b: Sequence[npt.NDArray[Any] | None]) -> bool:
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


@dataclass(frozen=True)
class _Baseline:
    """Per-batch constants of the U.S. balance [S, M] [unit/month] (``tol``: gaps up to it are
    rounding noise)."""

    cons: FloatArray
    imports: FloatArray
    domestic: FloatArray
    c_def: FloatArray
    c_ess: FloatArray
    c_oth: FloatArray
    tol: FloatArray


def _balance(
    base: _Baseline,
    surge: FloatArray | None,
    ratio_ed: FloatArray | None,
    lost: FloatArray | None,
    resp: dict[ResponseKind, FloatArray],
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Step 4: U.S. demand by class and the gaps left by supply allocated by priority.

    Returns the gaps and the demands, each (defence, essential, other) [S, M] [unit/month];
    all arrays are new (the caller may keep them across months).
    """
    civil = ratio_ed
    sub = resp.get(ResponseKind.SUBSTITUTION)
    if sub is not None:
        keep = np.subtract(1.0, sub)
        civil = keep if civil is None else np.multiply(keep, civil, out=keep)
    d_def = base.c_def if surge is None else base.c_def * surge
    d_ess = base.c_ess if civil is None else base.c_ess * civil
    d_oth = base.c_oth if civil is None else base.c_oth * civil
    aus = resp.get(ResponseKind.AUSTERITY)
    if aus is not None:
        cut = np.subtract(1.0, aus)
        d_oth = np.multiply(d_oth, cut, out=cut)
    new = resp.get(ResponseKind.NEW_SUPPLY)
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
    return gaps, [d_def, d_ess, d_oth]


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
    sd, se = draws.defence, draws.essential
    so = np.maximum(1.0 - sd - se, 0.0)
    # constants over scenarios are spread to [S, M]: element-wise operations on arrays of the
    # same shape run faster than broadcasting a [1, M] row
    base = _Baseline(
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
    # served classes are a prefix of the priority order: defence, essential, other
    n_served = int(serve.sum())
    trigger = model.trigger
    stock = np.broadcast_to(model.stock0[None, :], shape).copy()
    capacity = draws.release_capacity_share[:, None] * model.stock0[None, :]
    onset, onset_column = _onset(model, draws)
    ev_start = [np.where(d.occurs, d.start, 10**9).astype(np.float64) for d in draws.events]
    ev_len = [d.duration.astype(np.float64) for d in draws.events]
    hits = [
        d.share[:, None] * ev.materials[None, :]
        for ev, d in zip(model.events, draws.events, strict=True)
    ]
    world_groups = [
        (sig, _spread(w, shape)) for sig, w in _groups(model, model.world_shares, "world")
    ]
    us_groups = [(sig, _spread(w, shape)) for sig, w in _groups(model, model.import_shares, "us")]
    conflicts = [i for i, ev in enumerate(model.events) if ev.kind is EventKind.CONFLICT]
    rep_len = [draws.events[i].replenishment.astype(np.float64) for i in conflicts]
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
    # pick[i] [G, M]: column m holds a single 1 in the row of m's onset group if response i
    # covers m (zeros otherwise); (frac @ pick[i]) copies each group's value exactly (one exact
    # product plus zeros) and, unlike fancy indexing, gives a C-ordered array
    groups = np.arange(onset.shape[1])[:, None] == onset_column[None, :]
    pick = [(groups & r.materials[None, :]).astype(np.float64) for r in model.responses]
    prices = MonthPrices(draws.ed, draws.es, model.max_price_ratio)

    short_tot = [np.zeros(shape) for _ in range(3)]
    release_tot = np.zeros(shape)
    peak = np.ones(shape)
    price_sum = np.zeros(shape)
    # month counts of served-class shortfall: months short, and months since the first one
    is_short = np.zeros(shape, dtype=bool)
    ever_short = np.zeros(shape, dtype=bool)
    n_short = np.zeros(shape, dtype=np.int32)
    n_since_first = np.zeros(shape, dtype=np.int32)
    path_short: list[FloatArray] = []
    path_price: list[FloatArray] = []
    path_stock: list[FloatArray] = []
    path_cover: list[FloatArray] = []

    def cut(i: int, act: BoolArray) -> FloatArray | None:
        """Share withheld or lost by event ``i`` in the scenarios where it is active [S, M]."""
        if not act.any():
            return None
        return hits[i] if act.all() else hits[i] * act[:, None]

    def conflict_effects(
        active: list[BoolArray], reps: list[BoolArray]
    ) -> tuple[FloatArray | None, BoolArray]:
        """Defence demand multiplier [S, M] and national emergency [S]."""
        surge: FloatArray | None = None
        emergency = np.zeros(s, dtype=bool)
        for i, rep in zip(conflicts, reps, strict=True):
            ev, d = model.events[i], draws.events[i]
            emergency |= active[i] | rep
            factor = np.where(active[i], d.surge, np.where(rep, d.replenishment_surge, 1.0))
            if not np.any(factor != 1.0):
                continue
            f = np.where(ev.materials[None, :], factor[:, None], 1.0)
            surge = f if surge is None else surge * f
        return surge, emergency

    def response_share(i: int, frac: FloatArray) -> FloatArray:
        """Step 2: share of response ``i`` at ramp fraction ``frac`` [S, M] [-]."""
        top = responses[i][4]
        return np.matmul(frac * top, pick[i])

    world_events = {i for sig, _ in world_groups for i in sig}
    us_events = {i for sig, _ in us_groups for i in sig}
    x = lost = surge = None
    emergency = np.zeros(s, dtype=bool)
    cuts: list[FloatArray | None] = [None] * len(model.events)
    last_active: list[BoolArray] = []
    last_reps: list[BoolArray] = []
    fracs: list[FloatArray | None] = [None] * len(responses)
    shares: list[FloatArray | None] = [None] * len(responses)
    resp: dict[ResponseKind, FloatArray] = {}
    gaps: list[FloatArray] = []
    demand: list[FloatArray] = []
    for t in range(horizon):
        # 1. events: each part is recomputed only when a window it depends on opens or closes
        active = [_window(ev_start[i], ev_len[i], t) for i in range(len(model.events))]
        reps = [_window(ev_start[i] + ev_len[i], rep_len[k], t) for k, i in enumerate(conflicts)]
        if t == 0:
            moved = set(range(len(active)))
        else:
            moved = {i for i, a in enumerate(active) if not np.array_equal(a, last_active[i])}
        conflict_changed = (
            t == 0 or bool(moved.intersection(conflicts)) or not _same_key(reps, last_reps)
        )
        last_active, last_reps = active, reps
        for i in moved:
            cuts[i] = cut(i, active[i])
        world_changed = bool(moved & world_events)
        if world_changed:
            x = _removed(world_groups, cuts)
        us_changed = bool(moved & us_events)
        if us_changed:
            lost = _removed(us_groups, cuts)
        if conflict_changed:
            surge, emergency = conflict_effects(active, reps)
        # 2. responses, ramped from the onset of the disruption (recomputed while ramping)
        changed_kinds: set[ResponseKind] = set()
        for i, (kind, _, begin, ramp, _) in enumerate(responses):
            with np.errstate(invalid="ignore"):
                frac = np.subtract(t, begin)
                frac /= ramp
            np.maximum(frac, 0.0, out=frac)
            np.minimum(frac, 1.0, out=frac)
            now = frac if frac.any() else None
            if t > 0 and _same_key([now], [fracs[i]]):
                continue
            fracs[i] = now
            shares[i] = None if now is None else response_share(i, now)
            changed_kinds.add(kind)
        for kind in changed_kinds:
            total: FloatArray | None = None
            for (k, *_), share in zip(responses, shares, strict=True):
                if k is kind and share is not None:
                    total = share if total is None else np.minimum(total + share, 1.0)
            if total is None:
                resp.pop(kind, None)
            else:
                resp[kind] = total
        # 3. world price, where removal or spare capacity moved
        price_changed = False
        if world_changed or ResponseKind.SPARE_CAPACITY in changed_kinds:
            price_changed = prices.update(x, resp.get(ResponseKind.SPARE_CAPACITY))
        ratio = prices.ratio if prices.any_moved else None
        # 4. U.S. balance, when an input moved
        if (
            price_changed
            or us_changed
            or conflict_changed
            or changed_kinds - {ResponseKind.SPARE_CAPACITY}
        ):
            ratio_ed = prices.ratio_ed if prices.any_moved else None
            gaps, demand = _balance(base, surge, ratio_ed, lost, resp)
        # 5. stockpile release, defence first among the served classes
        shortfall = list(gaps)
        allowed = trigger is ReleaseTrigger.SHORTFALL or (
            trigger is ReleaseTrigger.EMERGENCY and bool(emergency.any())
        )
        if n_served and allowed and stock.any():
            need = _total(gaps[:n_served])
            release = np.minimum(stock, capacity)
            np.minimum(release, need, out=release)
            if trigger is ReleaseTrigger.EMERGENCY and not emergency.all():
                release = np.where(emergency[:, None], release, 0.0)
            remaining = release
            for c in range(n_served):
                given = np.minimum(gaps[c], remaining)
                if c < n_served - 1:
                    remaining = remaining - given
                shortfall[c] = np.subtract(gaps[c], given, out=given)
            stock -= release
            release_tot += release
        if n_served:
            np.greater(_total(shortfall[:n_served]), base.tol, out=is_short)
            n_short += is_short
            ever_short |= is_short
            n_since_first += ever_short
        # totals
        for c in range(3):
            short_tot[c] += shortfall[c]
        if ratio is None:
            price_sum += 1.0
        else:
            if price_changed:
                np.maximum(peak, ratio, out=peak)
            price_sum += ratio
        if keep_paths:
            path_short.append(np.stack(shortfall, axis=-1))
            path_price.append(np.ones(shape) if ratio is None else ratio.copy())
            path_stock.append(stock.copy())
            d_def, d_ess, d_oth = demand
            served_demand = d_def * serve[0] + d_ess * serve[1] + d_oth * serve[2]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                path_cover.append(
                    np.where(served_demand > 0, stock / (served_demand / DAYS_PER_MONTH), np.nan)
                )

    # the first short month (0-based), NaN if none: from it on, every month adds to
    # n_since_first
    stockout = np.where(n_short > 0, horizon - n_since_first, np.nan)
    months_short = n_short.astype(np.float64)
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
        price_capped=prices.capped,
        months_to_stockout=stockout,
        months_short=months_short,
        days_of_cover=days_of_cover,
        paths=paths,
    )


PRICE_TOLERANCE = 1e-13
"""Convergence tolerance of the price search on log(P/P0) [-]."""


class MonthPrices:
    """World price ratios of the current month, re-solved only where their inputs changed.

    The price of a cell depends only on its own removed share, spare capacity and elasticities,
    and each element of the price search stops at its own convergence. A cell whose removal and
    spare capacity equal those of its last solve therefore keeps exactly the number a new solve
    would give: a month re-solves only the cells whose events or ramps moved.
    """

    def __init__(self, ed: FloatArray, es: FloatArray, max_ratio: float) -> None:
        self._ed = ed.ravel()
        self._es = es.ravel()
        self._max_ratio = max_ratio
        self._zeros = np.zeros(ed.shape)
        self._x = self._zeros
        self._spare = self._zeros
        self._moved = np.zeros(ed.size, dtype=bool)
        self.ratio = np.ones(ed.shape)
        """P / P0 [-] (updated in place)."""
        self.ratio_ed = np.ones(ed.shape)
        """``ratio ** ed`` [-], the civilian demand factor."""
        self.capped = np.zeros(ed.shape, dtype=bool)
        """Whether the price of a cell has hit the search bound in some month."""
        self.any_moved = False
        """Whether some cell has supply removed or spare capacity (else all ratios are 1)."""

    def update(self, x: FloatArray | None, spare: FloatArray | None) -> bool:
        """Clear the markets of the month; return whether a price may have changed.

        Parameters
        ----------
        x : share of world supply removed [S, M] [-] (``None``: nothing removed).
        spare : spare capacity brought to market, share of world supply [S, M] [-].
        """
        x_now = self._zeros if x is None else x
        spare_now = self._zeros if spare is None else spare
        if x_now is self._x and spare_now is self._spare:
            return False
        changed = x_now != self._x
        changed |= spare_now != self._spare
        self._x, self._spare = x_now, spare_now
        cells = np.flatnonzero(changed)
        if cells.size == 0:
            return False
        removed = x_now.ravel().take(cells)
        extra = spare_now.ravel().take(cells)
        moved = (removed > 0) | (extra > 0)
        self._moved[cells] = moved
        flat_ratio, flat_ratio_ed = self.ratio.ravel(), self.ratio_ed.ravel()
        # cells with no removal and no spare capacity keep the reference price
        still = cells[~moved]
        flat_ratio[still] = 1.0
        flat_ratio_ed[still] = 1.0
        solve = cells[moved]
        if solve.size:
            e_d = self._ed.take(solve)
            r, status, _ = solve_price_ratio(
                np.ones(solve.size),
                1.0 - removed[moved],
                e_d,
                self._es.take(solve),
                extra[moved],
                self._max_ratio,
                PRICE_TOLERANCE,
                200,
            )
            flat_ratio[solve] = r
            flat_ratio_ed[solve] = np.power(r, e_d)
            if status.any():
                self.capped.ravel()[solve[status != 0]] = True
        self.any_moved = bool(self._moved.any())
        return True
