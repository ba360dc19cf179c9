"""The hindcast: past export controls against the calibrated market model.

One document for ``stockpile market hindcast --json``, ``GET /api/v1/market/hindcast`` and the
dashboard's hindcast page: per target (an observed price move of an episode), the measure, the
measured cut, the observed ratio with its series, source and grade, and the model's median and
80 % interval in-sample and leaving the episode out, with the status (inside, missed, not
simulated); and the calibrated parameters. Computed from the shipped posterior draws
(``stockpile market calibrate`` regenerates them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # the calibration (and its sampler) is imported when a hindcast is asked for
    from stockpile.calibration import HindcastRow, Interval

__all__ = [
    "HindcastInterval",
    "HindcastParameter",
    "HindcastReport",
    "HindcastTarget",
    "hindcast",
]


class HindcastInterval(BaseModel):
    """Median and 80 % interval (10th-90th percentile) of a simulated price ratio [-]."""

    model_config = ConfigDict(frozen=True)

    median: float
    p10: float
    p90: float


class HindcastTarget(BaseModel):
    """One observed price move against the model."""

    model_config = ConfigDict(frozen=True)

    target_id: str
    episode_id: str
    measure: str
    material: str
    family: str
    cut: tuple[float, float] | None
    """Share of world supply withheld, low and high [-] (None: not measured)."""
    duration_months: tuple[float, float] | None
    observed_ratio: float
    series: str
    source: str
    reliability: str
    fitted: bool
    note: str
    in_sample: HindcastInterval | None
    in_sample_status: str
    leave_one_out: HindcastInterval | None
    leave_one_out_status: str


class HindcastParameter(BaseModel):
    """Posterior percentiles of one calibrated parameter (natural units, see docs/model.md)."""

    model_config = ConfigDict(frozen=True)

    parameter: str
    p10: float
    p50: float
    p90: float


class HindcastReport(BaseModel):
    """The hindcast table and the calibrated parameters."""

    model_config = ConfigDict(frozen=True)

    rows: list[HindcastTarget]
    parameters: list[HindcastParameter]
    interval: str = "10th-90th percentile of the posterior predictive"


def _interval(interval: Interval | None) -> HindcastInterval | None:
    if interval is None:
        return None
    return HindcastInterval(median=interval.median, p10=interval.low, p90=interval.high)


def _measures() -> dict[str, str]:
    from stockpile.reference.history import load_episodes

    return {
        str(r.episode_id): f"{r.imposing_country}: {r.measure} ({r.commodity}; eff. {r.effective})"
        for r in load_episodes().itertuples(index=False)
    }


def _target(row: HindcastRow, measures: dict[str, str]) -> HindcastTarget:
    t = row.target
    return HindcastTarget(
        target_id=t.target_id,
        episode_id=t.episode_id,
        measure=measures.get(t.episode_id, ""),
        material=t.material,
        family=t.family.value,
        cut=t.cut,
        duration_months=t.duration,
        observed_ratio=t.observed_ratio,
        series=t.series,
        source=t.source,
        reliability=t.reliability,
        fitted=t.fit,
        note=t.note,
        in_sample=_interval(row.in_sample),
        in_sample_status=row.status(row.in_sample).value,
        leave_one_out=_interval(row.leave_one_out),
        leave_one_out_status=row.status(row.leave_one_out).value,
    )


def hindcast(*, seed: int = 1) -> HindcastReport:
    """The hindcast of the bundled episodes under the shipped calibration.

    Parameters
    ----------
    seed : seed of the predictive draws (the intervals move by sampling noise only).
    """
    from stockpile.calibration import calibration_summary, load_calibration, shipped_hindcast

    measures = _measures()
    summary = calibration_summary(load_calibration().posterior)
    return HindcastReport(
        rows=[_target(r, measures) for r in shipped_hindcast(seed=seed)],
        parameters=[
            HindcastParameter(parameter=str(p), p10=float(a), p50=float(b), p90=float(c))
            for p, a, b, c in summary[["parameter", "p10", "p50", "p90"]].itertuples(index=False)
        ],
    )
