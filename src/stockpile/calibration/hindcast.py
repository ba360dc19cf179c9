"""The hindcast: each episode run with its measured cut, in-sample and leaving it out.

In-sample, an episode's prediction uses the posterior fitted on all episodes; leave-one-out, the
posterior fitted without that episode, with its cut and duration drawn over the measured ranges
(as a scenario would run it). Intervals are the 10th-90th percentiles of the posterior
predictive (model plus observation and model error). An observation outside its interval is
reported as missed, never dropped; a target whose cut the sources do not measure is listed as not
simulated, with the reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stockpile.calibration.fit import FitOptions, Posterior, fit, predict
from stockpile.calibration.targets import Target

__all__ = [
    "Hindcast",
    "HindcastRow",
    "HindcastStatus",
    "Interval",
    "hindcast_rows",
    "rows_frame",
    "run_hindcast",
]

_LOW, _HIGH = 0.10, 0.90


class HindcastStatus(enum.Enum):
    """Where an observation falls against the simulated 80 % interval."""

    INSIDE = "inside"
    MISSED_ABOVE = "missed (observed above)"
    MISSED_BELOW = "missed (observed below)"
    NOT_SIMULATED = "not simulated"


@dataclass(frozen=True)
class Interval:
    """Median and 80 % interval (10th and 90th percentiles) of a simulated ratio [-]."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, draws: np.ndarray) -> Interval:
        q = np.quantile(draws, [0.5, _LOW, _HIGH])
        return cls(float(q[0]), float(q[1]), float(q[2]))

    def status(self, observed: float) -> HindcastStatus:
        if observed > self.high:
            return HindcastStatus.MISSED_ABOVE
        if observed < self.low:
            return HindcastStatus.MISSED_BELOW
        return HindcastStatus.INSIDE


@dataclass(frozen=True)
class HindcastRow:
    """One observed price move against the model.

    Attributes
    ----------
    target : the target (episode, cut, windows, observed ratio, source, grade).
    in_sample : simulated ratio with the posterior of all episodes, or None if not simulated.
    leave_one_out : simulated ratio with the posterior fitted without this episode, or None.
    """

    target: Target
    in_sample: Interval | None
    leave_one_out: Interval | None

    def status(self, interval: Interval | None) -> HindcastStatus:
        """Inside or missed, for ``in_sample`` or ``leave_one_out``."""
        if interval is None:
            return HindcastStatus.NOT_SIMULATED
        return interval.status(self.target.observed_ratio)


@dataclass(frozen=True)
class Hindcast:
    """The hindcast table and the posterior it came from.

    Attributes
    ----------
    rows : one per target, in table order.
    posterior : the posterior fitted on all episodes.
    loo_posteriors : per left-out episode, the posterior fitted without it.
    """

    rows: tuple[HindcastRow, ...]
    posterior: Posterior
    loo_posteriors: dict[str, Posterior] = field(default_factory=dict)


def run_hindcast(
    targets: list[Target], options: FitOptions | None = None, *, seed: int = 1
) -> Hindcast:
    """Fit on all episodes, then once per fitted episode left out, and predict every target.

    Parameters
    ----------
    targets : all targets (fitted or not).
    options : MCMC settings for every fit.
    seed : seed of the predictive draws.
    """
    opts = options or FitOptions()
    posterior = fit(targets, opts)
    loo: dict[str, Posterior] = {}
    for episode in sorted({t.episode_id for t in targets if t.fit}):
        rest = [t for t in targets if t.episode_id != episode]
        loo[episode] = fit(rest, opts)
    return Hindcast(hindcast_rows(targets, posterior, loo, seed=seed), posterior, loo)


def hindcast_rows(
    targets: list[Target],
    posterior: Posterior,
    loo: dict[str, Posterior],
    *,
    seed: int = 1,
) -> tuple[HindcastRow, ...]:
    """Predict each target in-sample (``posterior``) and out of sample (``loo[episode]``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in targets:
        if t.cut is None:
            rows.append(HindcastRow(t, None, None))
            continue
        _, pred = predict([t], posterior, rng)
        inside = Interval.of(pred[:, 0])
        out = None
        if t.episode_id in loo:
            _, pred_loo = predict([t], _without(loo[t.episode_id], t.episode_id), rng)
            out = Interval.of(pred_loo[:, 0])
        rows.append(HindcastRow(t, inside, out))
    return tuple(rows)


def _without(posterior: Posterior, episode: str) -> Posterior:
    """The posterior with any latent of ``episode`` removed (it is drawn afresh instead)."""
    keep = [i for i, n in enumerate(posterior.names) if not n.endswith(f":{episode}")]
    return Posterior(
        tuple(posterior.names[i] for i in keep),
        posterior.samples[:, keep],
        posterior.acceptance,
        tuple(e for e in posterior.episodes if e != episode),
    )


def rows_frame(rows: tuple[HindcastRow, ...]) -> pd.DataFrame:
    """The rows as a table (one line per target; intervals as median/low/high columns)."""
    records = []
    for row in rows:
        t = row.target
        rec: dict[str, object] = {
            "target_id": t.target_id,
            "episode_id": t.episode_id,
            "material": t.material,
            "fitted": t.fit,
            "observed_ratio": t.observed_ratio,
            "reliability": t.reliability,
            "series": t.series,
            "source": t.source,
        }
        for label, interval in (("in_sample", row.in_sample), ("loo", row.leave_one_out)):
            rec[f"{label}_median"] = interval.median if interval else float("nan")
            rec[f"{label}_low"] = interval.low if interval else float("nan")
            rec[f"{label}_high"] = interval.high if interval else float("nan")
            rec[f"{label}_status"] = row.status(interval).value
        rec["note"] = t.note
        records.append(rec)
    return pd.DataFrame.from_records(records)
