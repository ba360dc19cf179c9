"""Pure functions: value of unmet priority demand given stock, its risk measures and slopes.

With stock ``y`` released highest class first, unmet demand of class k is
``clip(c_k - y, 0, g_k)`` where ``c_k = g_1 + ... + g_k``. Its value is

``V(y) = sum_k v_k clip(c_k - y, 0, g_k) = sum_k d_k max(0, c_k - y)``

with ``v_k`` the value of lost use of class k [USD/unit] (by default the reference price times
the class weight) and ``d_k = v_k - v_(k+1) >= 0`` (``v_(K+1) = 0``): a sum of hinges, convex
and non-increasing in ``y``. Values are in [USD].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.problem import Objective, ObjectiveKind, ShortfallSample

__all__ = [
    "RiskValue",
    "StockEvaluation",
    "cumulative_gaps",
    "evaluate_stock",
    "hinge_weights",
    "loss_slopes",
    "material_losses",
    "risk_measure",
    "scenario_losses",
    "unmet_by_class",
]

FloatArray = NDArray[np.float64]


def hinge_weights(class_weights: FloatArray) -> FloatArray:
    """Differences ``d_k = w_k - w_(k+1)`` of non-increasing class weights [-], shape (K,)."""
    return class_weights - np.append(class_weights[1:], 0.0)


def cumulative_gaps(gaps: FloatArray) -> FloatArray:
    """Cumulative gaps over priority classes, ``c[..., k] = sum_(j<=k) g[..., j]`` [unit]."""
    out = np.empty_like(gaps)
    out[..., 0] = gaps[..., 0]
    for k in range(1, gaps.shape[-1]):  # K is small: faster than cumsum over a short axis
        np.add(out[..., k - 1], gaps[..., k], out=out[..., k])
    return out


def unmet_by_class(sample: ShortfallSample, stock: FloatArray) -> FloatArray:
    """Unmet demand after releasing ``stock`` [unit, shape (M,)]: shape (S, M, K) [unit]."""
    c = cumulative_gaps(sample.gaps)
    return np.clip(c - stock[None, :, None], 0.0, sample.gaps)


def material_losses(sample: ShortfallSample, stock: FloatArray) -> FloatArray:
    """Weighted value of unmet demand per scenario and material, shape (S, M) [USD]."""
    c = cumulative_gaps(sample.gaps)
    hinge = sample.hinges
    out = np.zeros(c.shape[:2])
    for k in range(c.shape[2]):
        if (hinge[:, k] > 0).any():
            out += hinge[None, :, k] * np.maximum(c[:, :, k] - stock[None, :], 0.0)
    return np.asarray(out, dtype=np.float64)


def scenario_losses(sample: ShortfallSample, stock: FloatArray) -> FloatArray:
    """Weighted value of unmet demand per scenario, shape (S,) [USD]."""
    return np.asarray(material_losses(sample, stock).sum(axis=1), dtype=np.float64)


def loss_slopes(sample: ShortfallSample, stock: FloatArray) -> FloatArray:
    """Right derivative of each scenario's loss in each material's stock, shape (S, M) [USD/unit].

    ``dL_s/dy_m = -sum_k d_mk [c_smk > y_m]`` (non-positive; ``d`` = :attr:`hinges`).
    """
    c = cumulative_gaps(sample.gaps)
    active = (c > stock[None, :, None]).astype(np.float64)
    return np.asarray(-(active * sample.hinges[None, :, :]).sum(axis=2), dtype=np.float64)


@dataclass(frozen=True)
class RiskValue:
    """A risk measure of scenario losses and its dual scenario weights.

    Attributes
    ----------
    value : float
        The measure [USD].
    weights : ndarray, shape (S,)
        Scenario weights ``q`` with ``value = q @ losses``; ``q`` is a subgradient of the
        measure with respect to the losses [-].
    """

    value: float
    weights: FloatArray


def risk_measure(losses: FloatArray, probs: FloatArray, objective: Objective) -> RiskValue:
    """Expected value, CVaR or worst case of ``losses`` [USD] under ``probs``.

    CVaR at level alpha is the mean of the worst ``1 - alpha`` probability mass
    (Rockafellar-Uryasev); the boundary scenario takes the fractional remainder.

    Parameters
    ----------
    losses : ndarray, shape (S,)
        Loss of each scenario [USD].
    probs : ndarray, shape (S,)
        Scenario probabilities [-].
    objective : Objective
        Which measure.
    """
    s = losses.shape[0]
    if objective.kind is ObjectiveKind.EXPECTED:
        return RiskValue(float(probs @ losses), probs.copy())
    if objective.kind is ObjectiveKind.WORST:
        idx = np.array(objective.scenarios, dtype=np.int64) if objective.scenarios else None
        pool = losses if idx is None else losses[idx]
        best = int(np.argmax(pool))
        j = best if idx is None else int(idx[best])
        q = np.zeros(s)
        q[j] = 1.0
        return RiskValue(float(losses[j]), q)
    tail = 1.0 - objective.alpha
    order = np.argsort(-losses, kind="stable")
    p_sorted = probs[order]
    cum_before = np.concatenate(([0.0], np.cumsum(p_sorted)[:-1]))
    take = np.clip(tail - cum_before, 0.0, p_sorted)
    q = np.zeros(s)
    q[order] = take / tail
    return RiskValue(float(q @ losses), q)


@dataclass(frozen=True)
class StockEvaluation:
    """Losses and expected unmet demand at one stock vector (see :func:`evaluate_stock`).

    Attributes
    ----------
    material_losses : ndarray, shape (S, M)
        Weighted value of unmet demand [USD].
    expected_unmet : ndarray, shape (M, K)
        Probability-weighted unmet demand [material unit].
    """

    material_losses: FloatArray
    expected_unmet: FloatArray


def evaluate_stock(
    sample: ShortfallSample, stock: FloatArray, cum: FloatArray | None = None
) -> StockEvaluation:
    """One pass over the gaps: losses per scenario and material, expected unmet per class.

    Parameters
    ----------
    sample : ShortfallSample
        The gaps.
    stock : ndarray, shape (M,)
        Stock released, highest class first [material unit].
    cum : ndarray, optional
        :func:`cumulative_gaps` of the sample, when already computed.
    """
    c = cumulative_gaps(sample.gaps) if cum is None else cum
    hinge = sample.hinges
    s, m, k = c.shape
    losses = np.zeros((s, m))
    unmet = np.zeros((m, k))
    probs = sample.scenario_weights
    for j in range(k):
        h = np.maximum(c[:, :, j] - stock[None, :], 0.0)
        if (hinge[:, j] > 0).any():
            losses += hinge[None, :, j] * h
        np.minimum(h, sample.gaps[:, :, j], out=h)
        unmet[:, j] = probs @ h
    return StockEvaluation(losses, unmet)
