"""A supplier's state reserve acting in the monthly market clearing (pure, vectorised).

The reserve defends a price band ``[floor, trigger]`` (as ratios to the reference price P0) with
finite stock and money, the rule of the buffer-stock literature (Miranda and Helmberger 1988)
and of China's state reserve (NFSRA) auctions in 2021 (``domain.md`` section 2):

- above the trigger it sells what brings the price back to the trigger: the excess demand at the
  trigger price, ``E(r_t) = D0 r_t^ed - (S0 - X) r_t^es - extra``, capped by its stock, its
  monthly selling rate and, when it sells to domestic buyers only, by the supplier's domestic
  share of demand at that price;
- below the floor it buys what lifts the price to the floor, ``-E(r_f)``, capped by its money
  (at the floor price), its storage room and its monthly buying rate.

Sales are price-inelastic supply and purchases price-inelastic demand in the clearing
``D0 r^ed + B = (S0 - X) r^es + extra + R``; when a cap binds, the price settles between the
market price and the band, found here by bisection in ``log r`` (the excess demand is strictly
decreasing in ``r``). With no trade the clearing is exactly the market's own, so a reserve that
never triggers changes nothing. Quantities are per month in the material's reference unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockpile.market import solve_price_ratio
from stockpile.simulate.errors import SimulationInputError

__all__ = ["ReserveRules", "ReserveTrade", "reserve_trade"]

_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ReserveRules:
    """The reserve's band and limits.

    Attributes
    ----------
    trigger_ratio : sell above this price ratio P/P0 [-] (``inf`` never sells).
    floor_ratio : buy below this price ratio P/P0 [-] (0 never buys).
    max_sell : largest monthly sale [unit/month].
    max_buy : largest monthly purchase [unit/month].
    capacity : storage room: the stock never exceeds it [unit].
    domestic_only : sells to the supplier's domestic buyers only, so at most ``domestic_share``
        of demand at the trigger price is served.
    domestic_share : the supplier country's share of world demand [-] (used if domestic_only).
    """

    trigger_ratio: float
    floor_ratio: float = 0.0
    max_sell: float = float("inf")
    max_buy: float = float("inf")
    capacity: float = float("inf")
    domestic_only: bool = False
    domestic_share: float = 1.0

    def __post_init__(self) -> None:
        if not self.trigger_ratio > 0:
            raise SimulationInputError("reserve.trigger_ratio: must be > 0")
        if not 0 <= self.floor_ratio < self.trigger_ratio:
            raise SimulationInputError(
                "reserve.floor_ratio: must be >= 0 and below reserve.trigger_ratio"
            )
        for name in ("max_sell", "max_buy", "capacity"):
            if not getattr(self, name) >= 0:
                raise SimulationInputError(f"reserve.{name}: must be >= 0")
        if not 0 <= self.domestic_share <= 1:
            raise SimulationInputError("reserve.domestic_share: must be a share in [0, 1]")


@dataclass(frozen=True)
class ReserveTrade:
    """One month of the reserve in the clearing (arrays of the broadcast shape).

    Attributes
    ----------
    price_ratio : the clearing price ratio with the reserve trading [-].
    sold : quantity sold [unit/month].
    bought : quantity bought [unit/month].
    stock : the reserve's stock after the month [unit].
    cash : the reserve's money after the month [USD].
    """

    price_ratio: _FloatArray
    sold: _FloatArray
    bought: _FloatArray
    stock: _FloatArray
    cash: _FloatArray


def _excess_demand(
    r: float | _FloatArray,
    d0: _FloatArray,
    s_left: _FloatArray,
    ed: _FloatArray,
    es: _FloatArray,
    extra: _FloatArray,
) -> _FloatArray:
    out: _FloatArray = d0 * np.power(r, ed) - s_left * np.power(r, es) - extra
    return out


def reserve_trade(
    d0: npt.ArrayLike,
    s_left: npt.ArrayLike,
    ed: npt.ArrayLike,
    es: npt.ArrayLike,
    extra: npt.ArrayLike,
    *,
    rules: ReserveRules,
    stock: npt.ArrayLike,
    cash: npt.ArrayLike,
    price0: float,
    max_price_ratio: float = 1e3,
) -> ReserveTrade:
    """Clear one month's market with the reserve trading by its rules.

    Parameters
    ----------
    d0 : baseline demand [unit/month], > 0.
    s_left : supply left after removals at P0 [unit/month], >= 0.
    ed, es : demand (< 0) and supply (>= 0) elasticities [-].
    extra : other price-inelastic supply (spare capacity, releases) [unit/month], >= 0.
    rules : the reserve's band and limits.
    stock : the reserve's stock at the start of the month [unit], >= 0.
    cash : the reserve's money at the start of the month [USD], >= 0.
    price0 : the reference price P0 [USD/unit], > 0.
    max_price_ratio : bound of the price search [-].
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (d0, s_left, ed, es, extra, stock, cash))
    )
    shape = arrays[0].shape
    D0, S, e_d, e_s, ext, stk, money = (np.atleast_1d(np.array(a)) for a in arrays)
    if np.any(stk < 0) or np.any(money < 0):
        raise SimulationInputError("reserve.stock and reserve.cash: must be >= 0")
    if not price0 > 0:
        raise SimulationInputError("price0: must be > 0")
    r_t, r_f = rules.trigger_ratio, rules.floor_ratio
    sell_cap = np.minimum(stk, rules.max_sell)
    if rules.domestic_only:
        sell_cap = np.minimum(sell_cap, rules.domestic_share * D0 * np.power(r_t, e_d))
    sold = np.clip(_excess_demand(r_t, D0, S, e_d, e_s, ext), 0.0, sell_cap)
    if r_f > 0:
        buy_cap = np.minimum.reduce(
            [
                money / (price0 * r_f),
                np.maximum(rules.capacity - stk, 0.0),
                np.full_like(stk, rules.max_buy),
            ]
        )
        bought = np.clip(-_excess_demand(r_f, D0, S, e_d, e_s, ext), 0.0, buy_cap)
    else:
        bought = np.zeros_like(stk)
    solved, _, _ = solve_price_ratio(D0, S, e_d, e_s, ext + sold, max_price_ratio, 1e-13, 200)
    ratio = np.atleast_1d(np.array(solved, dtype=np.float64))
    buying = bought > 0
    if buying.any():
        ratio[buying] = _bisect_with_demand(
            D0[buying],
            S[buying],
            e_d[buying],
            e_s[buying],
            ext[buying],
            bought[buying],
            max_price_ratio,
        )
    cost = bought * price0 * ratio
    revenue = sold * price0 * ratio
    return ReserveTrade(
        price_ratio=ratio.reshape(shape),
        sold=sold.reshape(shape),
        bought=bought.reshape(shape),
        stock=(stk - sold + bought).reshape(shape),
        cash=(np.maximum(money - cost, 0.0) + revenue).reshape(shape),
    )


def _bisect_with_demand(
    d0: _FloatArray,
    s_left: _FloatArray,
    ed: _FloatArray,
    es: _FloatArray,
    extra: _FloatArray,
    demand_add: _FloatArray,
    max_ratio: float,
) -> _FloatArray:
    """Solve ``d0 r^ed + demand_add = s_left r^es + extra`` in ``log r`` by bisection."""
    bound = float(np.log(max_ratio))
    lo = np.full(d0.shape, -bound)
    hi = np.full(d0.shape, bound)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        r = np.exp(mid)
        positive = _excess_demand(r, d0, s_left, ed, es, extra) + demand_add > 0
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
    out: _FloatArray = np.exp(0.5 * (lo + hi))
    return out
