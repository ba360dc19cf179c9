"""Partial-equilibrium price clearing with isoelastic demand and supply, vectorised.

For each element of the broadcast input arrays (typically scenarios x materials) the price ratio
``r = P / P0`` solves

    D0 r^ed = (S0 - X) r^es + spare + R

with ``ed < 0`` (demand elasticity), ``es >= 0`` (supply elasticity), ``X`` the supply removed,
``spare`` spare capacity brought to market and ``R`` stockpile releases. The left side falls and the
right side rises with ``r``, so the root is unique; it is found in ``u = log r`` by Newton steps
kept within the price bounds, for all elements at once.

With no spare capacity and no release the closed form is ``r = (1 - x)^(1 / (ed - es))``,
``x = X / S0`` (:func:`closed_form_price_ratio`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass as _dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "ClearingResult",
    "ClearingStatus",
    "MarketInputError",
    "clear_price",
    "closed_form_price_ratio",
    "solve_price_ratio",
]

_FloatArray = npt.NDArray[np.float64]


class MarketInputError(ValueError):
    """Invalid input to the price clearing (names the argument and the problem)."""


class ClearingStatus(enum.IntEnum):
    """Outcome of the clearing for one element."""

    CLEARED = 0
    """The market cleared inside the price bounds."""
    AT_MAX_PRICE = 1
    """Demand exceeds supply even at the maximum price ratio; price set to the cap."""
    AT_MIN_PRICE = 2
    """Supply exceeds demand even at the minimum price ratio; price set to the floor."""


@_dataclass(frozen=True)
class ClearingResult:
    """Result of :func:`clear_price` (all arrays have the broadcast shape of the inputs).

    Attributes
    ----------
    price_ratio : P / P0 [-].
    demand : quantity demanded at the clearing price [same unit as D0].
    supply : quantity supplied at the clearing price [same unit as D0].
    status : :class:`ClearingStatus` codes (int8 array).
    iterations : Newton iterations used (the maximum over elements).
    """

    price_ratio: _FloatArray
    demand: _FloatArray
    supply: _FloatArray
    status: npt.NDArray[np.int8]
    iterations: int


def closed_form_price_ratio(
    removed_share: npt.ArrayLike, ed: npt.ArrayLike, es: npt.ArrayLike
) -> _FloatArray:
    """Price ratio with no spare capacity and no release: ``(1 - x)^(1 / (ed - es))``.

    Parameters
    ----------
    removed_share : share x of baseline supply removed [-], 0 <= x < 1.
    ed : demand elasticity [-], < 0.
    es : supply elasticity [-], >= 0.

    Returns
    -------
    numpy.ndarray
        P / P0 [-].
    """
    x = np.asarray(removed_share, dtype=np.float64)
    e_d = np.asarray(ed, dtype=np.float64)
    e_s = np.asarray(es, dtype=np.float64)
    if np.any((x < 0) | (x >= 1)):
        raise MarketInputError("removed_share: must be in [0, 1)")
    _check_elasticities(e_d, e_s)
    return np.asarray(np.power(1.0 - x, 1.0 / (e_d - e_s)), dtype=np.float64)


def _check_elasticities(ed: _FloatArray, es: _FloatArray) -> None:
    if not np.all(np.isfinite(ed)) or np.any(ed >= 0):
        raise MarketInputError("ed: demand elasticity must be finite and < 0")
    if not np.all(np.isfinite(es)) or np.any(es < 0):
        raise MarketInputError("es: supply elasticity must be finite and >= 0")


def clear_price(
    d0: npt.ArrayLike,
    s0: npt.ArrayLike,
    removed: npt.ArrayLike,
    ed: npt.ArrayLike,
    es: npt.ArrayLike,
    spare: npt.ArrayLike = 0.0,
    release: npt.ArrayLike = 0.0,
    *,
    max_price_ratio: float = 1e3,
    tol: float = 1e-13,
    max_iter: int = 200,
) -> ClearingResult:
    """Clear isoelastic markets element-wise: ``D0 r^ed = (S0 - X) r^es + spare + R``.

    Parameters
    ----------
    d0 : baseline demand at P0 [quantity/period], > 0.
    s0 : baseline supply at P0 [quantity/period], >= 0.
    removed : supply removed X [quantity/period], 0 <= X <= S0.
    ed : demand elasticity [-], < 0.
    es : supply elasticity [-], >= 0.
    spare : spare capacity brought to market [quantity/period], >= 0 (price-inelastic).
    release : stockpile release R [quantity/period], >= 0 (price-inelastic).
    max_price_ratio : bound of the search: the price ratio is kept in
        [1 / max_price_ratio, max_price_ratio]; elements that do not clear inside it get the bound
        and a status saying so [-].
    tol : convergence tolerance on ``log r`` [-].
    max_iter : maximum iterations.

    Returns
    -------
    ClearingResult
        Price ratio, demand, supply and status, broadcast over the inputs.

    Raises
    ------
    MarketInputError
        If an input is out of its domain (the message names the argument).
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (d0, s0, removed, ed, es, spare, release))
    )
    D0, S0, X, e_d, e_s, sp, rel = arrays
    if not max_price_ratio > 1.0:
        raise MarketInputError("max_price_ratio: must be > 1")
    if np.any(~(D0 > 0)):
        raise MarketInputError("d0: baseline demand must be > 0")
    if np.any(~(S0 >= 0)):
        raise MarketInputError("s0: baseline supply must be >= 0")
    if np.any(~((X >= 0) & (X <= S0))):
        raise MarketInputError("removed: must be in [0, s0]")
    if np.any(~(sp >= 0)):
        raise MarketInputError("spare: must be >= 0")
    if np.any(~(rel >= 0)):
        raise MarketInputError("release: must be >= 0")
    _check_elasticities(e_d, e_s)
    ratio, status, iters = solve_price_ratio(
        D0, S0 - X, e_d, e_s, sp + rel, max_price_ratio, tol, max_iter
    )
    demand = D0 * np.power(ratio, e_d)
    supply = (S0 - X) * np.power(ratio, e_s) + sp + rel
    return ClearingResult(ratio, demand, supply, status, iters)


def solve_price_ratio(
    d0: _FloatArray,
    s_left: _FloatArray,
    ed: _FloatArray,
    es: _FloatArray,
    extra: _FloatArray,
    max_ratio: float,
    tol: float,
    max_iter: int,
) -> tuple[_FloatArray, npt.NDArray[np.int8], int]:
    """Solve ``d0 r^ed = s_left r^es + extra`` for r without input checks (for inner loops).

    With ``extra == 0`` the root is closed-form. Otherwise Newton in ``u = log r`` on
    ``g(u) = log(d0) + ed u - log(s_left e^(es u) + extra)``, which is strictly decreasing and
    concave, so after the first step the iterates decrease monotonically to the root (they are
    kept within the price bounds plus one). Each element stops at its own convergence, so its
    result does not depend on the other elements of the array. Callers guarantee the domains
    checked by :func:`clear_price`.

    Parameters
    ----------
    d0 : baseline demand [quantity/period], > 0.
    s_left : baseline supply left after removals, S0 - X [quantity/period], >= 0.
    ed, es : demand (< 0) and supply (>= 0) elasticities [-].
    extra : price-inelastic supply, spare + release [quantity/period], >= 0.
    max_ratio : the price ratio is kept in [1 / max_ratio, max_ratio] [-].
    tol : convergence tolerance on ``log r``, relative to ``log max_ratio + 1`` [-].
    max_iter : maximum iterations.

    Returns
    -------
    tuple
        Price ratio [-], :class:`ClearingStatus` codes, iterations used.
    """
    bound = float(np.log(max_ratio))
    # with no price-inelastic supply the root is closed-form: u = log(s_left / d0) / (ed - es)
    exact = extra == 0
    if exact.all():
        return _closed_form(d0, s_left, ed, es, bound)
    if not exact.any():
        return _newton(d0, s_left, ed, es, extra, bound, tol, max_iter)
    ratio = np.empty(d0.shape)
    status = np.empty(d0.shape, dtype=np.int8)
    r1, st1, _ = _closed_form(d0[exact], s_left[exact], ed[exact], es[exact], bound)
    rest = ~exact
    r2, st2, iters = _newton(
        d0[rest],
        s_left[rest],
        ed[rest],
        es[rest],
        extra[rest],
        bound,
        tol,
        max_iter,
    )
    ratio[exact], status[exact] = r1, st1
    ratio[rest], status[rest] = r2, st2
    return ratio, status, iters


def _closed_form(
    d0: _FloatArray, s_left: _FloatArray, ed: _FloatArray, es: _FloatArray, bound: float
) -> tuple[_FloatArray, npt.NDArray[np.int8], int]:
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (np.log(s_left) - np.log(d0)) / (ed - es)
    status = np.zeros(d0.shape, dtype=np.int8)
    status[u > bound] = ClearingStatus.AT_MAX_PRICE
    status[u < -bound] = ClearingStatus.AT_MIN_PRICE
    return np.exp(np.clip(u, -bound, bound)), status, 0


def _newton(
    d0: _FloatArray,
    s_left: _FloatArray,
    ed: _FloatArray,
    es: _FloatArray,
    extra: _FloatArray,
    bound: float,
    tol: float,
    max_iter: int,
) -> tuple[_FloatArray, npt.NDArray[np.int8], int]:
    # g is strictly decreasing and concave: from any start, the first Newton step lands at or
    # right of the root and the later ones decrease monotonically to it, so the bracket is
    # [root, current iterate]. Iterates are kept in [-bound - 1, bound + 1]; a root outside
    # [-bound, bound] leaves the iterate stuck beyond the bound, which flags the cap.
    shape = d0.shape
    d0, s_left, ed, es, extra = (np.ravel(a) for a in (d0, s_left, ed, es, extra))
    log_d0 = np.log(d0)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = (np.log(s_left + extra) - log_d0) / (ed - es)
    outer = bound + 1.0
    u: _FloatArray = np.clip(np.where(np.isfinite(guess), guess, 0.0), -outer, outer)
    threshold = tol * outer  # |du| at convergence [-]
    # Newton steps on the elements of `live` (all at first): each element keeps the iterate of
    # the step that falls below the threshold, so its result never depends on the others. Once
    # few elements are still moving, the arrays are cut down to them.
    live: npt.NDArray[np.intp] | None = None
    u_live: _FloatArray = u
    args = (log_d0, s_left, ed, es, extra)
    done: npt.NDArray[np.bool_] = np.zeros(u.shape, dtype=bool)
    iters = 0
    for iters in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        u_new = _newton_step(u_live, *args, outer)
        step = np.abs(u_new - u_live)
        u_live = np.where(done, u_live, u_new)
        done |= step <= threshold
        going = done.size - np.count_nonzero(done)
        if going == 0:
            break
        if 4 * going <= done.size:
            keep = np.flatnonzero(~done)
            if live is None:
                u = u_live
                live = keep
            else:
                u[live] = u_live
                live = live[keep]
            u_live = u_live[keep]
            args = tuple(a[keep] for a in args)  # type: ignore[assignment]
            done = np.zeros(keep.size, dtype=bool)
    if live is None:
        u = u_live
    else:
        u[live] = u_live
    status = np.zeros(d0.shape, dtype=np.int8)
    status[u > bound] = ClearingStatus.AT_MAX_PRICE
    status[u < -bound] = ClearingStatus.AT_MIN_PRICE
    return np.exp(np.clip(u, -bound, bound)).reshape(shape), status.reshape(shape), iters


def _newton_step(
    u: _FloatArray,
    log_d0: _FloatArray,
    s_left: _FloatArray,
    ed: _FloatArray,
    es: _FloatArray,
    extra: _FloatArray,
    outer: float,
) -> _FloatArray:
    """One Newton step on ``g(u) = log d0 + ed u - log(s_left e^(es u) + extra)``, kept in
    [-outer, outer]."""
    # supply from the price-elastic part, s_left e^(es u); the exponent is capped far beyond
    # any price bound in use, so it cannot overflow
    sup_el = es * u
    np.minimum(sup_el, 700.0, out=sup_el)
    np.exp(sup_el, out=sup_el)
    sup_el *= s_left
    total = sup_el + extra
    g = ed * u
    g += log_d0
    g -= np.log(total)
    sup_el /= total
    sup_el *= es
    dg = ed - sup_el
    g /= dg
    u_new = u - g
    np.maximum(u_new, -outer, out=u_new)
    np.minimum(u_new, outer, out=u_new)
    return u_new
