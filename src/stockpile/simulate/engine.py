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

Each numbered part is a step function over a month-state object
(:mod:`stockpile.simulate._steps`, constants of the batch in
:mod:`stockpile.simulate._step_context`). Steps 1-4 do not depend on the stock, so each of their
parts is recomputed only when its own inputs change: the removed shares when a window of an
event that enters them opens or closes, the surge when a conflict phase changes, a response
while it ramps, the price only in the cells whose removed share or spare capacity moved
(:class:`~stockpile.simulate.prices.MonthPrices`), the U.S. balance when one of these moved.
Reuse never changes a number: every value is the same function of the same inputs, computed
element by element. See ``docs/model.md`` for the
equations, units and simplifications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockpile.simulate._step_context import SHORTFALL_TOLERANCE, EngineContext, build_context
from stockpile.simulate._steps import STEPS, MonthState, Moved, new_state
from stockpile.simulate.compile import CompiledScenario
from stockpile.simulate.draws import Draws

__all__ = ["SHORTFALL_TOLERANCE", "EngineOutput", "Paths", "run_engine"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


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
    servable_by_class : gaps servable within the absolute release capacity (and, for a
        purchase in an upstream form, the conversion route), by class, summed over the
        months [S, M, 3] [unit] (:mod:`stockpile.simulate.routes`); ``None`` when nothing
        bounds them.
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
    servable_by_class: FloatArray | None = None


def run_engine(model: CompiledScenario, draws: Draws, *, keep_paths: bool = False) -> EngineOutput:
    """Simulate S scenarios x M materials month by month.

    Each month runs the steps of :data:`~stockpile.simulate._steps.STEPS` in order on one
    :class:`~stockpile.simulate._steps.MonthState`.

    Parameters
    ----------
    model : the compiled scenario.
    draws : the random draws of the S scenarios.
    keep_paths : whether to keep per-month paths.

    Returns
    -------
    EngineOutput
    """
    ctx = build_context(model, draws, keep_paths=keep_paths)
    state = new_state(ctx)
    for t in range(ctx.horizon):
        state.t = t
        state.moved = Moved()
        for step in STEPS:
            step(ctx, state)
    return _output(model, draws, ctx, state)


def _output(
    model: CompiledScenario, draws: Draws, ctx: EngineContext, state: MonthState
) -> EngineOutput:
    """The totals and paths of the last month as an :class:`EngineOutput`."""
    horizon, tot, stock = ctx.horizon, state.totals, state.stock
    n_short, n_since_first = tot.months_short, tot.months_since_first_short
    # the first short month (0-based), NaN if none: from it on, every month adds to
    # n_since_first
    stockout = np.where(n_short > 0, horizon - n_since_first, np.nan)
    months_short = n_short.astype(np.float64)
    # materials without U.S. consumption or imports in the data: no U.S. balance (NaN)
    unknown = ~(np.isfinite(model.consumption) & np.isfinite(model.net_imports))
    servable = None if tot.servable is None else np.stack(tot.servable, axis=-1)
    for arr in (*tot.shortfall, tot.release, stock, months_short, stockout):
        arr[:, unknown] = np.nan
    if servable is not None:
        servable[:, unknown] = np.nan
    paths = None
    if state.paths is not None:
        paths = Paths(
            shortfall=np.stack(state.paths.shortfall, axis=2),
            price_ratio=np.stack(state.paths.price_ratio, axis=2),
            stock=np.stack(state.paths.stock, axis=2),
            days_of_cover=np.stack(state.paths.days_of_cover, axis=2),
        )
        for arr in (paths.shortfall, paths.stock, paths.days_of_cover):
            arr[:, unknown] = np.nan
    return EngineOutput(
        index=draws.index,
        shortfall_by_class=np.stack(tot.shortfall, axis=-1),
        release=tot.release,
        final_stock=stock,
        peak_price_ratio=tot.peak_price,
        mean_price_ratio=tot.price_sum / horizon,
        price_capped=state.prices.capped,
        months_to_stockout=stockout,
        months_short=months_short,
        days_of_cover=ctx.days_of_cover,
        paths=paths,
        servable_by_class=servable,
    )
