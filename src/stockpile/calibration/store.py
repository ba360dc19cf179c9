"""The shipped calibration: posterior draws (all episodes and each left out) and their summary.

``data/market_posterior.csv.gz`` holds draws of the parameters in natural units, column
``fit`` = ``all`` or ``without:<episode>``; ``data/market_calibration.csv`` summarises them
(10th, 50th, 90th percentiles). Both are written by :func:`write_calibration`, run as
``stockpile market calibrate`` (see ``data/README.md``).
"""

from __future__ import annotations

import gzip
import io
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from stockpile.calibration.fit import DEMAND_SHARE, FitOptions, Posterior
from stockpile.calibration.hindcast import Hindcast, HindcastRow, hindcast_rows
from stockpile.calibration.targets import Family, targets_from_table

__all__ = [
    "CALIBRATION_FILE",
    "POSTERIOR_FILE",
    "ShippedCalibration",
    "calibration_summary",
    "data_dir",
    "load_calibration",
    "scenario_dynamics",
    "scenario_elasticities",
    "shipped_hindcast",
    "write_calibration",
]

POSTERIOR_FILE = "market_posterior.csv.gz"
CALIBRATION_FILE = "market_calibration.csv"
_ALL = "all"
_DRAWS = 1000  # draws kept per fit


def data_dir() -> Path:
    """Folder of the shipped calibration files."""
    return Path(str(resources.files("stockpile.calibration") / "data"))


class ShippedCalibration:
    """Posterior of all episodes and the leave-one-out posteriors, read from the shipped file."""

    def __init__(self, posterior: Posterior, loo: dict[str, Posterior]) -> None:
        self.posterior = posterior
        self.loo = loo


def _thin(posterior: Posterior, rng: np.random.Generator) -> pd.DataFrame:
    frame = posterior.frame()
    if len(frame) > _DRAWS:
        frame = frame.iloc[np.sort(rng.choice(len(frame), _DRAWS, replace=False))]
    return frame.reset_index(drop=True)


def calibration_summary(posterior: Posterior) -> pd.DataFrame:
    """Percentiles (10, 50, 90) of each parameter of ``posterior`` in natural units."""
    frame = posterior.frame()
    q = frame.quantile([0.1, 0.5, 0.9])
    return pd.DataFrame(
        {
            "parameter": list(frame.columns),
            "p10": q.loc[0.1].to_numpy(),
            "p50": q.loc[0.5].to_numpy(),
            "p90": q.loc[0.9].to_numpy(),
            "draws": len(frame),
        }
    )


def write_calibration(hindcast: Hindcast, options: FitOptions, folder: Path | None = None) -> None:
    """Write the posterior draws (1,000 per fit) and the summary of the shipped draws of all
    episodes to ``folder`` (default: the package data)."""
    out = folder or data_dir()
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(options.seed)
    parts = [_thin(hindcast.posterior, rng).assign(fit=_ALL)]
    for episode, post in sorted(hindcast.loo_posteriors.items()):
        parts.append(_thin(post, rng).assign(fit=f"without:{episode}"))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[["fit", *[c for c in frame.columns if c != "fit"]]]
    text = frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    (out / POSTERIOR_FILE).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    summary = calibration_summary(load_calibration(out).posterior)
    summary["command"] = (
        f"stockpile market calibrate --walkers {options.walkers} --steps {options.steps} "
        f"--burn {options.burn} --thin {options.thin} --seed {options.seed}"
    )
    summary.to_csv(out / CALIBRATION_FILE, index=False, float_format="%.6g", lineterminator="\n")


def load_calibration(folder: Path | None = None) -> ShippedCalibration:
    """Read the shipped (or ``folder``'s) posterior draws.

    Raises
    ------
    FileNotFoundError
        If the calibration has not been written (run ``stockpile market calibrate``).
    """
    path = (folder or data_dir()) / POSTERIOR_FILE
    frame = pd.read_csv(io.BytesIO(gzip.decompress(path.read_bytes())))
    posteriors: dict[str, Posterior] = {}
    for key, part in frame.groupby("fit", sort=False):
        draws = part.drop(columns="fit").dropna(axis=1, how="all")
        posteriors[str(key)] = Posterior.from_frame(draws)
    if _ALL not in posteriors:
        raise ValueError(f"{path.name}: no draws with fit == {_ALL!r}")
    loo = {k.split(":", 1)[1]: v for k, v in posteriors.items() if k.startswith("without:")}
    return ShippedCalibration(posteriors[_ALL], loo)


def shipped_hindcast(*, seed: int = 1) -> tuple[HindcastRow, ...]:
    """The hindcast of the bundled episode targets under the shipped posteriors."""
    from stockpile.reference.history import load_episode_targets

    shipped = load_calibration()
    targets = targets_from_table(load_episode_targets())
    return hindcast_rows(targets, shipped.posterior, shipped.loo, seed=seed)


def scenario_elasticities(posterior: Posterior) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Triangular (low, mode, high) demand and supply elasticities per family [-] for scenario
    files: the 10th, 50th and 90th percentiles of the short-run response ``eta_S``, split with
    the fit's demand share (demand ``-a eta``, supply ``(1 - a) eta``), rounded to 3 decimals."""
    frame = posterior.frame()
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    a = DEMAND_SHARE
    for family in Family:
        p10, p50, p90 = np.quantile(frame[f"eta_{family.value}"], [0.1, 0.5, 0.9])
        out[family.value] = {
            "demand": (
                round(float(-a * p90), 3),
                round(float(-a * p50), 3),
                round(float(-a * p10), 3),
            ),
            "supply": (
                round(float((1 - a) * p10), 3),
                round(float((1 - a) * p50), 3),
                round(float((1 - a) * p90), 3),
            ),
        }
    return out


def scenario_dynamics(posterior: Posterior) -> dict[str, tuple[float, float, float]]:
    """Triangular (low, mode, high) specs of the market dynamics for scenario files: the 10th,
    50th and 90th percentiles of the long-run multiplier [-], adjustment time [month] and
    inventory cover [month], rounded to 3 decimals (drawn independently: correlations between
    them in the posterior are not kept)."""
    frame = posterior.frame()
    out: dict[str, tuple[float, float, float]] = {}
    for name in ("long_run_multiplier", "adjustment_months", "inventory_cover_months"):
        q = np.quantile(frame[name], [0.1, 0.5, 0.9])
        out[name] = (round(float(q[0]), 3), round(float(q[1]), 3), round(float(q[2]), 3))
    return out
