"""Engine steps of the scenario levers (:mod:`stockpile.simulate.levers`).

Two steps run when a scenario has levers (they return at once otherwise):

- :func:`step_lever_inputs`, after the responses and before the price: the price-triggered
  responses (from the months the price has spent above each threshold, lagged), new supply
  abroad and urban mining are added to the response totals they act like (low-grade ore and
  new supply abroad as world supply beside spare capacity, substitution as demand removed,
  urban mining as U.S. secondary supply, the U.S. offtake of new supply as replaced imports;
  a move downstream's expansion as world supply filling the gap its restriction leaves, and
  as replaced U.S. imports in the same proportion);
- :func:`step_reserve`, after the price: each supplier reserve trades by its rules in the
  cells of its material and the price there becomes the price with the reserve
  (:func:`stockpile.simulate.reserve.reserve_trade`); its stock and money carry over.

Response totals are kept apart from the lever parts, so a response's own total is never
counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stockpile.simulate._lever_downstream import downstream_fill
from stockpile.simulate.compile import ResponseKind
from stockpile.simulate.levers import CompiledLevers
from stockpile.simulate.reserve import ReserveRules, reserve_trade

if TYPE_CHECKING:
    from stockpile.simulate._steps import MonthState

__all__ = ["LeverState", "new_lever_state", "step_lever_inputs", "step_reserve"]

FloatArray = npt.NDArray[np.float64]


@dataclass
class LeverState:
    """What the levers carry from month to month ([S, M] or [S] arrays).

    Attributes
    ----------
    above : months in a row the price has been above each response's threshold [S] per
        response.
    triggered : month each price response started ramping (inf: not yet) [S] per response.
    reserve_stock, reserve_cash : each reserve's stock [share of monthly world production] and
        money [USD] [S].
    reserve_sold : each reserve's cumulative sales [unit] [S].
    own : the response totals as the responses alone left them, by kind.
    downstream_first : month each move downstream's restriction first reached the arrival stage
        (inf: not yet) [S] per lever with an expansion.
    """

    above: list[npt.NDArray[np.int64]]
    triggered: list[FloatArray]
    reserve_stock: list[FloatArray]
    reserve_cash: list[FloatArray]
    reserve_sold: list[FloatArray]
    downstream_first: list[FloatArray] = field(default_factory=list)
    own: dict[ResponseKind, FloatArray | None] = field(default_factory=dict)


def new_lever_state(levers: CompiledLevers, s: int) -> LeverState:
    """The lever state before month 0 for S scenarios."""
    n = len(levers.price_responses)
    return LeverState(
        above=[np.zeros(s, dtype=np.int64) for _ in range(n)],
        triggered=[np.full(s, np.inf) for _ in range(n)],
        reserve_stock=[np.full(s, r.stock) for r in levers.reserves],
        reserve_cash=[np.full(s, r.cash_usd) for r in levers.reserves],
        reserve_sold=[np.zeros(s) for _ in levers.reserves],
        downstream_first=[np.full(s, np.inf) for _ in levers.downstream],
    )


def _combine(
    kind: ResponseKind,
    extra: FloatArray | None,
    responses: dict[ResponseKind, FloatArray],
    moved_kinds: set[ResponseKind],
    lever: LeverState,
    cap: bool,
) -> bool:
    """Set ``responses[kind]`` to the responses' own total plus ``extra``; return whether it
    changed."""
    if kind in moved_kinds or kind not in lever.own:
        lever.own[kind] = responses.get(kind)
    own = lever.own[kind]
    if extra is None:
        total = own
    else:
        total = extra if own is None else own + extra
        if cap:
            total = np.minimum(total, 1.0)
    before = responses.get(kind)
    if total is None:
        responses.pop(kind, None)
    else:
        responses[kind] = total
    if before is None or total is None:
        return before is not total
    return not np.array_equal(before, total)


def step_lever_inputs(
    levers: CompiledLevers, t: int, state: MonthState, imports: FloatArray
) -> None:
    """Add the levers' supply and demand effects of month ``t`` to the response totals."""
    if levers.empty:
        return

    lever: LeverState = state.lever
    responses: dict[ResponseKind, FloatArray] = state.responses
    moved = state.moved
    s, m = state.stock.shape
    prices = state.prices
    supply: FloatArray | None = None
    demand_cut: FloatArray | None = None
    us_flow: FloatArray | None = None
    for i, spec in enumerate(levers.price_responses):
        # price of the month before (the price of this month is not known yet)
        ratio = prices.ratio[:, spec.material] if prices.any_moved else np.ones(s)
        above = ratio > spec.threshold_ratio
        lever.above[i] = np.where(above, lever.above[i] + 1, 0)
        start = (lever.above[i] > spec.lag_months) & np.isinf(lever.triggered[i])
        lever.triggered[i] = np.where(start, float(t), lever.triggered[i])
        frac = np.clip((t - lever.triggered[i] + 1.0) / spec.ramp_months, 0.0, 1.0)
        if not frac.any():
            continue
        col = np.zeros((s, m))
        col[:, spec.material] = spec.max_share * frac
        if spec.supply:
            supply = col if supply is None else supply + col
            flow = col * spec.us_per_share
            us_flow = flow if us_flow is None else us_flow + flow
        else:
            demand_cut = col if demand_cut is None else demand_cut + col
    if levers.world_supply is not None:
        new = np.broadcast_to(levers.world_supply[:, t][None, :], (s, m))
        supply = new.copy() if supply is None else supply + new
    for i, move in enumerate(levers.downstream):
        reached = np.zeros(s, dtype=bool)
        for e in move.events:
            reached |= state.active[e]
        first = lever.downstream_first[i]
        lever.downstream_first[i] = np.where(reached & np.isinf(first), float(t), first)
        fill, restored = downstream_fill(move, state.cuts, t - lever.downstream_first[i])
        if not fill.any():
            continue
        col = np.zeros((s, m))
        col[:, move.material] = fill
        supply = col if supply is None else supply + col
        flow = np.zeros((s, m))
        flow[:, move.material] = restored * imports[:, move.material]
        us_flow = flow if us_flow is None else us_flow + flow
    offtake: FloatArray | None = None
    lost = state.lost
    if (levers.us_offtake is not None or us_flow is not None) and lost is not None:
        base = imports
        flow = np.zeros((s, m))
        if levers.us_offtake is not None:
            flow += levers.us_offtake[:, t][None, :]
            for j, events in enumerate(levers.offtake_blocked_by):
                if events:
                    stop = np.zeros(s, dtype=bool)
                    for e in events:
                        stop |= state.active[e]
                    flow[stop, j] = 0.0
        if us_flow is not None:
            flow += us_flow
        lost_volume = base * lost
        with np.errstate(divide="ignore", invalid="ignore"):
            offtake = np.where(lost_volume > 0, np.minimum(flow / lost_volume, 1.0), 0.0)
    recycling = None
    if levers.recycling is not None:
        recycling = np.broadcast_to(levers.recycling[:, t][None, :], (s, m)).copy()
    changed_price = _combine(
        ResponseKind.SPARE_CAPACITY, supply, responses, moved.kinds, lever, cap=False
    )
    changed = [
        _combine(ResponseKind.SUBSTITUTION, demand_cut, responses, moved.kinds, lever, True),
        _combine(ResponseKind.NEW_SUPPLY, offtake, responses, moved.kinds, lever, True),
        _combine(ResponseKind.RECYCLING, recycling, responses, moved.kinds, lever, False),
    ]
    if changed_price:
        moved.kinds.add(ResponseKind.SPARE_CAPACITY)
    if any(changed):
        moved.balance = True


def step_reserve(
    levers: CompiledLevers,
    state: MonthState,
    ed: FloatArray,
    es: FloatArray,
    *,
    g: FloatArray | None = None,
    inventory: FloatArray | None = None,
) -> None:
    """Let each supplier reserve trade in its material's market this month.

    With market dynamics, the clearing the reserve trades in is the dynamic one: elasticities
    scaled by the month's response factor ``g`` [S, M] and the month's release of market
    inventories ``inventory`` [S, M] (share of world supply) beside spare capacity.
    """
    if not levers.reserves:
        return

    lever: LeverState = state.lever
    prices = state.prices
    x = state.x
    spare = state.responses.get(ResponseKind.SPARE_CAPACITY)
    s = ed.shape[0]
    for i, spec in enumerate(levers.reserves):
        j = spec.material
        removed = np.zeros(s) if x is None else x[:, j]
        extra = np.zeros(s) if spare is None else spare[:, j]
        if inventory is not None:
            extra = extra + inventory[:, j]
        e_d = ed[:, j] if g is None else ed[:, j] * g[:, j]
        e_s = es[:, j] if g is None else es[:, j] * g[:, j]
        rules = ReserveRules(
            trigger_ratio=spec.trigger_ratio,
            floor_ratio=spec.floor_ratio,
            max_sell=spec.max_sell,
            max_buy=spec.max_buy,
            capacity=spec.capacity,
            domestic_only=spec.domestic_only,
            domestic_share=spec.domestic_share,
        )
        trade = reserve_trade(
            1.0,
            1.0 - removed,
            e_d,
            e_s,
            extra,
            rules=rules,
            stock=lever.reserve_stock[i],
            cash=lever.reserve_cash[i],
            price0=spec.price0_usd,
            max_price_ratio=prices.max_ratio,
        )
        lever.reserve_stock[i] = trade.stock
        lever.reserve_cash[i] = trade.cash
        lever.reserve_sold[i] = lever.reserve_sold[i] + (trade.sold - trade.bought) * (
            spec.world_per_month
        )
        prices.set_column(j, trade.price_ratio)
        state.moved.price = True
        state.moved.balance = True
