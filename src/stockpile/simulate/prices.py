"""World prices of one month of the engine, re-solved only in the cells whose inputs moved."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stockpile.market import solve_price_ratio

__all__ = ["PRICE_TOLERANCE", "MonthPrices"]

FloatArray = npt.NDArray[np.float64]

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

    @property
    def max_ratio(self) -> float:
        """Bound of the price search [-]."""
        return self._max_ratio

    def set_column(self, material: int, ratio: FloatArray) -> None:
        """Impose the price ratios of one material [S] (a supplier reserve trading there).

        The cells are marked for a new solve at the next :meth:`update`, since the value
        held is no longer the market's own.
        """
        self.ratio[:, material] = ratio
        self.ratio_ed[:, material] = np.power(
            ratio, self._ed.reshape(self.ratio.shape)[:, material]
        )
        moved = ratio != 1.0
        flat = self._moved.reshape(self.ratio.shape)
        flat[:, material] = moved
        # force a re-solve of these cells when x or spare next changes or not
        self._x = self._x.copy()
        self._x[:, material] = np.nan
        self.any_moved = bool(self._moved.any())

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
