"""Market dynamics in the engine: lagged price response, inventories, the cap (optional step).

With ``market.dynamics`` in a scenario (:class:`~stockpile.simulate.scenario.MarketDynamicsSpec`),
each cell (s, m) after the disruption onset ``o`` of material m clears

    r^(ed g) = (1 - x) r^(es g) + spare + R,    g(t) = k - (k - 1) exp(-(t - o) / T)

with ``g = 1`` before the onset, and inventories ``B`` (``c`` months of world consumption at
the start, not rebuilt) covering the gap first: ``R = min(B, x)``, ``B -= R``. The price ratio is
capped at ``market.max_price_ratio``; the U.S. civilian demand factor is ``r^(ed g)``. The same
equations as :mod:`stockpile.market_dynamics`, where the parameters are calibrated. Without
``market.dynamics`` nothing here runs and the engine is the static clearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stockpile.market import solve_price_ratio
from stockpile.simulate.compile import ResponseKind
from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.prices import PRICE_TOLERANCE, MonthPrices

if TYPE_CHECKING:
    from stockpile.simulate._step_context import EngineContext
    from stockpile.simulate._steps import MonthState

__all__ = ["DynamicMonthPrices", "DynamicsContext", "dynamics_factor", "step_market_dynamics"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DynamicsContext:
    """Per-batch constants of the market dynamics ([S, M] arrays, C-ordered).

    Attributes
    ----------
    k : long-run multiplier of the price response [-].
    t_adj : adjustment time [month].
    cover : initial inventories [month of world consumption].
    onset : disruption onset of each material [month] (inf: none).
    factors : the response factor ``g`` of each month and onset group [T, S, G] [-]
        (materials touched by the same events share their onset).
    column : onset group of each material [M].
    """

    k: FloatArray
    t_adj: FloatArray
    cover: FloatArray
    onset: FloatArray
    factors: FloatArray
    column: npt.NDArray[np.intp]

    @classmethod
    def build(
        cls,
        k: FloatArray,
        t_adj: FloatArray,
        cover: FloatArray,
        onset: FloatArray,
        column: npt.NDArray[np.intp],
        horizon: int,
    ) -> DynamicsContext:
        """The constants of S scenarios: ``k``, ``t_adj``, ``cover`` [S], the onset of each
        onset group [S, G] [month] and the group of each material ``column`` [M].

        ``g`` is computed once per onset group and month, element by element with the same
        operations as on each cell (the same numbers, fewer of them).
        """
        shape = (k.size, column.size)
        months = np.arange(horizon, dtype=np.float64)[:, None, None]
        tau = months - onset[None, :, :]
        started = tau >= 0
        lag = np.where(started, tau, 0.0)
        k_g = k[None, :, None]
        factors = k_g - (k_g - 1.0) * np.exp(-lag / t_adj[None, :, None])
        return cls(
            k=_spread(k[:, None], shape),
            t_adj=_spread(t_adj[:, None], shape),
            cover=_spread(cover[:, None], shape),
            onset=np.ascontiguousarray(onset[:, column]),
            factors=np.where(started, factors, 1.0),
            column=column,
        )


def _spread(a: FloatArray, shape: tuple[int, int]) -> FloatArray:
    return np.ascontiguousarray(np.broadcast_to(a, shape))


def dynamics_factor(
    ctx: DynamicsContext, t: int, cells: npt.NDArray[np.intp] | None = None
) -> FloatArray:
    """``g(t) = k - (k - 1) exp(-(t - onset) / T)`` after the onset, 1 before [-]: for all
    cells [S, M], or for the flat indices ``cells`` only."""
    g = np.take(ctx.factors[t], ctx.column, axis=1)
    return g if cells is None else g.ravel().take(cells)


class DynamicMonthPrices(MonthPrices):
    """World prices with elasticities scaled by ``g`` and inventories as price-inelastic supply.

    Every cell with supply removed or extra supply is solved each month (the elasticities move
    with time); the others keep the reference price.
    """

    def __init__(
        self, ed: FloatArray, es: FloatArray, max_ratio: float, dynamics: DynamicsContext
    ) -> None:
        super().__init__(ed, es, max_ratio)
        self._dynamics = dynamics
        self._t = 0

    def update_dynamic(self, x: FloatArray | None, extra: FloatArray | None, t: int) -> bool:
        """Clear every cell of month ``t``; return whether a price may have changed.

        Parameters
        ----------
        x : share of world supply removed [S, M] [-] (``None``: nothing removed).
        extra : spare capacity plus inventory release, share of world supply [S, M] [-]
            (``None``: none).
        t : the month [month].
        """
        self._t = t
        moved = np.zeros(self.ratio.size, dtype=bool)
        if x is not None:
            moved |= x.ravel() > 0
        if extra is not None:
            moved |= extra.ravel() > 0
        was_moved = self._moved
        self._moved = moved
        ratio, ratio_ed = self.ratio.ravel(), self.ratio_ed.ravel()
        # cells that no longer move go back to the reference price
        back = np.flatnonzero(was_moved & ~moved)
        ratio[back] = 1.0
        ratio_ed[back] = 1.0
        cells = np.flatnonzero(moved)
        if cells.size:
            g = dynamics_factor(self._dynamics, t).ravel()
            if extra is None:
                self._solve(cells, x, None, g)
            else:
                # cells without price-inelastic supply have the closed form, the others take
                # Newton steps: solved apart, each from the full arrays (the same numbers as
                # one mixed solve, which would split them itself, without gathering twice)
                newton = extra.ravel().take(cells) > 0
                self._solve(cells[~newton], x, None, g)
                self._solve(cells[newton], x, extra, g)
        self.any_moved = bool(cells.size)
        return bool(cells.size or back.size)

    def _solve(
        self,
        cells: npt.NDArray[np.intp],
        x: FloatArray | None,
        extra: FloatArray | None,
        g: FloatArray,
    ) -> None:
        """Clear the flat indices ``cells`` with removal ``x`` and price-inelastic supply
        ``extra`` [S, M] (``None``: zero) and response factors ``g`` [S x M] [-]."""
        if not cells.size:
            return
        removed = np.zeros(cells.size) if x is None else x.ravel().take(cells)
        added = np.zeros(cells.size) if extra is None else extra.ravel().take(cells)
        g_cells = g.take(cells)
        e_d = self._ed.take(cells) * g_cells
        r, status, _ = solve_price_ratio(
            np.ones(cells.size),
            1.0 - removed,
            e_d,
            self._es.take(cells) * g_cells,
            added,
            self._max_ratio,
            PRICE_TOLERANCE,
            200,
        )
        self.ratio.ravel()[cells] = r
        self.ratio_ed.ravel()[cells] = np.power(r, e_d)
        if status.any():
            self.capped.ravel()[cells[status != 0]] = True

    def set_column(self, material: int, ratio: FloatArray) -> None:
        """Impose one material's price ratios [S] (a supplier reserve trading there)."""
        super().set_column(material, ratio)
        n_materials = self._ed.size // ratio.size
        cells = np.arange(ratio.size, dtype=np.intp) * n_materials + material
        g = dynamics_factor(self._dynamics, self._t, cells)
        self.ratio_ed[:, material] = np.power(ratio, self._ed.take(cells) * g)


def step_market_dynamics(ctx: EngineContext, state: MonthState) -> None:
    """Step 3a (only with ``market.dynamics``): the inventory release ``R = min(B, x)``; then
    the world price with the month's response factor ``g`` (replaces step 3)."""
    dyn = ctx.dynamics
    if dyn is None:
        return
    x = state.x
    extra: FloatArray | None = None
    if x is not None:
        if state.inventory is None:
            raise SimulationInputError(
                "state.inventory: None with market dynamics (build the state from this context)"
            )
        release = np.minimum(state.inventory, x)
        state.inventory -= release
        extra = release
    state.inventory_release = extra
    spare = state.responses.get(ResponseKind.SPARE_CAPACITY)
    if spare is not None:
        extra = spare if extra is None else extra + spare
    prices = state.prices
    if not isinstance(prices, DynamicMonthPrices):
        raise SimulationInputError(
            f"state.prices: {type(prices).__name__} with market dynamics, "
            "expected DynamicMonthPrices (build the state from this context)"
        )
    if x is None and extra is None and not prices.any_moved:
        state.moved.price = False
        return
    state.moved.price = prices.update_dynamic(x, extra, state.t)
    state.moved.balance |= state.moved.price
