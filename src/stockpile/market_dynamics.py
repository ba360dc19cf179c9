"""Market dynamics around the isoelastic clearing: lagged elasticity, inventories, a price cap.

The static clearing of :mod:`stockpile.market` stays the core. Month ``t`` after the onset of a
supply cut (``t = 0, 1, ...`` [month]) the price ratio ``r_t = P_t / P_0`` solves

    r^ed(t) = (1 - X_t) r^es(t) + R_t                              (demand = supply, D0 = S0 = 1)

with three additions, each switched off by its neutral value:

* **short- and long-run elasticity.** The total price response ``eta = es - ed`` [-] grows from
  its short-run value ``eta_S`` to the long-run value ``k eta_S`` (``k >= 1``) as supply,
  substitution and recycling respond:
  ``eta(t) = eta_S (k - (k - 1) exp(-t / T))``, adjustment time ``T`` [month]; demand takes the
  share ``a`` of the response (``ed = -a eta``, ``es = (1 - a) eta``; price data identify
  only the sum). ``k = 1`` is the static model.
* **inventories** held by traders and consumers, ``B_0 = c`` months of world consumption, cover
  the gap first: ``R_t = min(B_t, X_t)``, ``B_{t+1} = B_t - R_t`` [month of consumption].
  ``c = 0`` is the static model. They are not rebuilt within the horizon.
* **a cap** on the price ratio, ``r_t <= r_max`` [-] (demand destruction, release of hidden
  stocks and substitutes beyond the model; a calibrated bound, unlike the numerical bound of
  :func:`stockpile.market.clear_price`).

Quantities are normalised to baseline monthly world consumption (``D0 = S0 = 1`` [-]); the cut
``X_t`` is the share of world supply withheld in month ``t`` [-]. A larger cut never lowers the
price in any month: the uncovered gap ``max(0, X_t - B_t)`` grows with ``X`` in every month.
"""

from __future__ import annotations

from dataclasses import dataclass as _dataclass

import numpy as np
import numpy.typing as npt

from stockpile.market import MarketInputError as _MarketInputError
from stockpile.market import solve_price_ratio as _solve

__all__ = [
    "DynamicsParams",
    "elasticity_factor",
    "price_path",
    "window_ratio",
]

_FloatArray = npt.NDArray[np.float64]
_SEARCH_BOUND = 1e6  # numerical bound of the root search; the calibrated cap applies after


@_dataclass(frozen=True)
class DynamicsParams:
    """Parameters of the dynamic market (scalars or arrays that broadcast together).

    Attributes
    ----------
    short_run_elasticity : eta_S = es - ed in the first month [-], > 0.
    long_run_multiplier : k = eta_long / eta_short [-], >= 1 (1: static).
    adjustment_months : T, e-folding time of the move to the long run [month], > 0.
    inventory_cover_months : c, inventories that cover the gap first [month of consumption],
        >= 0 (0: none).
    max_price_ratio : r_max, cap on P / P0 [-], > 1.
    demand_share : a, share of the response on the demand side [-], in (0, 1].
    """

    short_run_elasticity: npt.ArrayLike
    long_run_multiplier: npt.ArrayLike = 1.0
    adjustment_months: npt.ArrayLike = 12.0
    inventory_cover_months: npt.ArrayLike = 0.0
    max_price_ratio: npt.ArrayLike = 1e3
    demand_share: npt.ArrayLike = 0.5

    def arrays(self) -> tuple[_FloatArray, ...]:
        """The six parameters as float arrays, checked (the message names the field)."""
        eta, k, t_adj, cover, cap, a = (
            np.asarray(v, dtype=np.float64)
            for v in (
                self.short_run_elasticity,
                self.long_run_multiplier,
                self.adjustment_months,
                self.inventory_cover_months,
                self.max_price_ratio,
                self.demand_share,
            )
        )
        checks = (
            (eta > 0, "short_run_elasticity: must be > 0"),
            (k >= 1, "long_run_multiplier: must be >= 1"),
            (t_adj > 0, "adjustment_months: must be > 0"),
            (cover >= 0, "inventory_cover_months: must be >= 0"),
            (cap > 1, "max_price_ratio: must be > 1"),
            ((a > 0) & (a <= 1), "demand_share: must be in (0, 1]"),
        )
        for ok, message in checks:
            if not np.all(ok):
                raise _MarketInputError(message)
        return eta, k, t_adj, cover, cap, a


def elasticity_factor(months: npt.ArrayLike, k: npt.ArrayLike, t_adj: npt.ArrayLike) -> _FloatArray:
    """``eta(t) / eta_S = k - (k - 1) exp(-t / T)`` [-] for ``t >= 0`` months since the onset."""
    t = np.asarray(months, dtype=np.float64)
    k_ = np.asarray(k, dtype=np.float64)
    return np.asarray(k_ - (k_ - 1.0) * np.exp(-t / np.asarray(t_adj, dtype=np.float64)))


def price_path(cut: npt.ArrayLike, params: DynamicsParams) -> _FloatArray:
    """Monthly price ratios after the onset of a cut, for many cases at once.

    Parameters
    ----------
    cut : X[..., t], share of world supply withheld in month t after the onset [-], in [0, 1];
        the last axis is time [month].
    params : :class:`DynamicsParams`, each field broadcasting against ``cut[..., 0]``.

    Returns
    -------
    numpy.ndarray
        r[..., t] = P_t / P_0 [-], same shape as ``cut``.
    """
    x = np.asarray(cut, dtype=np.float64)
    if x.ndim == 0:
        raise _MarketInputError("cut: needs a time axis")
    if np.any(~((x >= 0) & (x <= 1))):
        raise _MarketInputError("cut: shares must be in [0, 1]")
    eta, k, t_adj, cover, cap, a = params.arrays()
    shape = np.broadcast_shapes(x.shape[:-1], eta.shape, k.shape, t_adj.shape, cover.shape)
    shape = np.broadcast_shapes(shape, cap.shape, a.shape)
    x = np.broadcast_to(x, (*shape, x.shape[-1]))
    eta, k, t_adj, cover, cap, a = (
        np.broadcast_to(v, shape).ravel() for v in (eta, k, t_adj, cover, cap, a)
    )
    flat = x.reshape(-1, x.shape[-1])
    stock = cover.copy()
    ones = np.ones(stock.shape)
    out = np.empty(flat.shape)
    for t in range(flat.shape[1]):
        removed = flat[:, t]
        release = np.minimum(stock, removed)
        stock = stock - release
        total = eta * elasticity_factor(t, k, t_adj)
        ratio, _, _ = _solve(
            ones, 1.0 - removed, -a * total, (1.0 - a) * total, release, _SEARCH_BOUND, 1e-12, 200
        )
        out[:, t] = np.minimum(ratio, cap)
    return out.reshape(x.shape)


def window_ratio(
    path: npt.ArrayLike, before: tuple[int, int], after: tuple[int, int]
) -> _FloatArray:
    """Ratio of the mean price over two windows of months relative to the onset [-].

    Months before the onset have ``r = 1``; months past the end of ``path`` are not allowed.

    Parameters
    ----------
    path : r[..., t] from :func:`price_path` (t = 0 is the onset month) [-].
    before, after : inclusive windows (first, last) in months from the onset [month].

    Returns
    -------
    numpy.ndarray
        mean(r over ``after``) / mean(r over ``before``) [-], shape ``path.shape[:-1]``.
    """
    r = np.asarray(path, dtype=np.float64)
    horizon = r.shape[-1]

    def mean(window: tuple[int, int]) -> _FloatArray:
        first, last = window
        if last < first:
            raise _MarketInputError(f"window {window}: last month before first")
        if last >= horizon:
            raise _MarketInputError(f"window {window}: beyond the path ({horizon} months)")
        pre = max(0, -first) if first < 0 else 0
        pre = min(pre, last - first + 1)
        lo, hi = max(first, 0), last
        total = np.full(r.shape[:-1], float(pre))
        if hi >= lo:
            total = total + r[..., lo : hi + 1].sum(axis=-1)
        return np.asarray(total / (last - first + 1))

    return np.asarray(mean(after) / mean(before))
