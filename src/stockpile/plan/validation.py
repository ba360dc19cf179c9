"""Is the sample large enough? Out-of-sample check and the Mak-Morton-Wood gap bound.

A plan ``x`` sized on N sampled scenarios (sample average approximation, SAA) is checked on
``n`` independent batches of N scenarios each:

* out of sample: the objective at ``x`` on each batch, ``f_i(x)`` (purchase cost + risk measure
  of valued shortfall [USD]); its mean and a 95 % t-interval estimate the true objective;
* optimality gap (Mak, Morton & Wood 1999, "Monte Carlo bounding techniques for determining
  solution quality in stochastic programs", Oper. Res. Lett. 24: 47-56): each batch is solved
  on its own, ``v_i = min f_i``, and ``G_i = f_i(x) - v_i >= 0``; the mean of ``G_i`` plus the
  one-sided 95 % t half-width bounds the gap of ``x`` with about 95 % confidence.

:func:`auto_runs` doubles N until the gap bound is within a tolerance of the objective
(default 1 %). The caller supplies the sampler (a simulation) and the problem builder, so this
module does no IO.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from stockpile.plan.errors import PlanInputError
from stockpile.plan.problem import Objective, ShortfallSample, SizingProblem
from stockpile.plan.result import SizingMethod, SizingPlan
from stockpile.plan.sizing import size_stockpile
from stockpile.plan.value import risk_measure, scenario_losses

__all__ = [
    "AutoRuns",
    "Estimate",
    "SampleCheck",
    "auto_runs",
    "check_plan",
    "objective_at",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % confidence half-width [USD]."""

    mean: float
    half_width: float
    n: int

    @property
    def upper(self) -> float:
        """Mean + half-width [USD]."""
        return self.mean + self.half_width

    def as_dict(self) -> dict[str, float | int]:
        """Plain mapping."""
        return {"mean": self.mean, "half_width": self.half_width, "n": self.n}


def _estimate(values: FloatArray, one_sided: bool = False) -> Estimate:
    n = int(values.size)
    mean = float(values.mean())
    if n < 2:
        return Estimate(mean, math.inf, n)
    q = 0.95 if one_sided else 0.975
    t = float(stats.t.ppf(q, n - 1))
    return Estimate(mean, t * float(values.std(ddof=1)) / math.sqrt(n), n)


@dataclass(frozen=True)
class SampleCheck:
    """In-sample objective, out-of-sample estimate and the optimality gap bound [USD].

    Attributes
    ----------
    in_sample : float
        Objective at the plan on the sample it was sized on [USD].
    out_of_sample : Estimate
        Objective at the plan on independent batches [USD].
    gap : Estimate
        Mak-Morton-Wood gap estimate (one-sided 95 % half-width) [USD].
    runs : int
        Scenarios per batch (the plan's sample size).
    batches : int
        Number of independent batches.
    seconds : float
        Wall-clock time of the check (sampling excluded) [s].
    """

    in_sample: float
    out_of_sample: Estimate
    gap: Estimate
    runs: int
    batches: int
    seconds: float

    @property
    def relative_gap(self) -> float:
        """Gap bound (mean + half-width) over the out-of-sample objective [-]."""
        denom = max(abs(self.out_of_sample.mean), 1.0)
        return max(self.gap.upper, 0.0) / denom

    def as_dict(self) -> dict[str, object]:
        """Plain mapping."""
        return {
            "in_sample_usd": self.in_sample,
            "out_of_sample_usd": self.out_of_sample.as_dict(),
            "gap_usd": self.gap.as_dict(),
            "relative_gap": self.relative_gap,
            "runs": self.runs,
            "batches": self.batches,
            "seconds": self.seconds,
        }


def objective_at(problem: SizingProblem, objective: Objective, quantities: FloatArray) -> float:
    """Objective at a purchase vector: risk measure of valued shortfall (+ cost) [USD]."""
    x = np.asarray(quantities, dtype=np.float64)
    losses = scenario_losses(problem.sample, problem.limits.holdings + x)
    value = risk_measure(losses, problem.sample.scenario_weights, objective).value
    if objective.weigh_cost:
        value += sum(c.cost(float(q)) for c, q in zip(problem.curves, x, strict=True))
    return float(value)


def check_plan(
    plan: SizingPlan,
    problem: SizingProblem,
    objective: Objective,
    batches: Sequence[SizingProblem],
    method: SizingMethod | None = None,
) -> SampleCheck:
    """Check ``plan`` (sized on ``problem``) on independent batches.

    Parameters
    ----------
    plan : SizingPlan
        The candidate plan.
    problem : SizingProblem
        The problem it was sized on.
    objective : Objective
        The objective it minimises.
    batches : sequence of SizingProblem
        The same problem on independent samples (same materials, limits and curves).
    method : SizingMethod, optional
        Method for the batch solves (default as :func:`size_stockpile`).
    """
    if len(batches) < 2:
        raise PlanInputError("batches", "needs at least 2 independent batches")
    start = time.perf_counter()
    f_x = np.zeros(len(batches))
    gaps = np.zeros(len(batches))
    for i, b in enumerate(batches):
        if b.sample.materials != problem.sample.materials:
            raise PlanInputError(f"batches[{i}]", "materials differ from the plan's")
        f_x[i] = objective_at(b, objective, plan.quantities)
        best = size_stockpile(b, objective, method)
        gaps[i] = max(0.0, f_x[i] - objective_at(b, objective, best.quantities))
    return SampleCheck(
        in_sample=objective_at(problem, objective, plan.quantities),
        out_of_sample=_estimate(f_x),
        gap=_estimate(gaps, one_sided=True),
        runs=problem.sample.shape[0],
        batches=len(batches),
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class AutoRuns:
    """Result of :func:`auto_runs`: the plan at the final sample size and its check."""

    plan: SizingPlan
    problem: SizingProblem
    check: SampleCheck
    runs: int
    history: tuple[tuple[int, float], ...]
    converged: bool


def auto_runs(
    sample_for: Callable[[int, int], ShortfallSample],
    problem_for: Callable[[ShortfallSample], SizingProblem],
    objective: Objective,
    *,
    start_runs: int = 1000,
    max_runs: int = 32000,
    batches: int = 5,
    tolerance: float = 0.01,
    seed: int = 0,
    method: SizingMethod | None = None,
) -> AutoRuns:
    """Grow the sample until the Mak-Morton-Wood gap bound is within ``tolerance``.

    Parameters
    ----------
    sample_for : callable
        ``sample_for(runs, seed)`` -> a sample of ``runs`` scenarios drawn with ``seed``.
    problem_for : callable
        Builds the sizing problem on a sample.
    objective : Objective
        The objective.
    start_runs, max_runs : int
        First and largest sample size (doubling in between).
    batches : int
        Independent batches of the check.
    tolerance : float
        Stop when gap bound / objective <= tolerance [-].
    seed : int
        Seed of the plan's sample; the batches use ``seed + 1 ... seed + batches``.
    """
    if start_runs < 1 or max_runs < start_runs:
        raise PlanInputError("runs", f"need 1 <= start {start_runs} <= max {max_runs}")
    if not 0 < tolerance < 1:
        raise PlanInputError("tolerance", f"must be in (0, 1), got {tolerance!r}")
    runs = start_runs
    history: list[tuple[int, float]] = []
    while True:
        problem = problem_for(sample_for(runs, seed))
        plan = size_stockpile(problem, objective, method)
        tests = [problem_for(sample_for(runs, seed + 1 + i)) for i in range(batches)]
        check = check_plan(plan, problem, objective, tests, method)
        history.append((runs, check.relative_gap))
        if check.relative_gap <= tolerance or runs * 2 > max_runs:
            return AutoRuns(
                plan, problem, check, runs, tuple(history), check.relative_gap <= tolerance
            )
        runs *= 2
