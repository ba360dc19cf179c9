"""The hindcast as one plain document (rows with the measure text, and the parameters)."""

from __future__ import annotations

from typing import Any

from stockpile.calibration.hindcast import HindcastRow
from stockpile.calibration.store import calibration_summary, load_calibration, shipped_hindcast

__all__ = ["hindcast_report", "measure_texts", "row_record"]


def measure_texts() -> dict[str, str]:
    """Per episode id: who imposed what, on which commodity, effective when."""
    from stockpile.reference.history import load_episodes

    return {
        str(r.episode_id): f"{r.imposing_country}: {r.measure} ({r.commodity}; eff. {r.effective})"
        for r in load_episodes().itertuples(index=False)
    }


def row_record(row: HindcastRow, measures: dict[str, str]) -> dict[str, Any]:
    """One hindcast row as a JSON-ready dict (intervals as median, p10, p90 [-])."""
    t = row.target
    rec: dict[str, Any] = {
        "target_id": t.target_id,
        "episode_id": t.episode_id,
        "measure": measures.get(t.episode_id, ""),
        "material": t.material,
        "family": t.family.value,
        "cut": list(t.cut) if t.cut else None,
        "duration_months": list(t.duration) if t.duration else None,
        "observed_ratio": t.observed_ratio,
        "series": t.series,
        "source": t.source,
        "reliability": t.reliability,
        "fitted": t.fit,
        "note": t.note,
    }
    for label, interval in (("in_sample", row.in_sample), ("leave_one_out", row.leave_one_out)):
        rec[label] = (
            None
            if interval is None
            else {"median": interval.median, "p10": interval.low, "p90": interval.high}
        )
        rec[f"{label}_status"] = row.status(interval).value
    return rec


def hindcast_report(*, seed: int = 1) -> dict[str, Any]:
    """The shipped hindcast: ``rows`` (see :func:`row_record`), ``parameters`` (10th, 50th and
    90th percentiles of the posterior of all episodes) and what the interval means."""
    measures = measure_texts()
    summary = calibration_summary(load_calibration().posterior)
    return {
        "rows": [row_record(r, measures) for r in shipped_hindcast(seed=seed)],
        "parameters": summary.to_dict(orient="records"),
        "interval": "10th-90th percentile of the posterior predictive",
    }
