"""Calibration targets: an episode's measured cut and an observed price ratio over two windows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stockpile.market_dynamics import DynamicsParams, price_path, window_ratio

__all__ = [
    "OBSERVATION_ERROR",
    "Family",
    "Target",
    "cut_paths",
    "family_of",
    "model_ratios",
    "targets_from_table",
]


class Family(enum.Enum):
    """Material families that share a short-run elasticity."""

    MINOR_METALS = "minor_metals"
    """By-product and minor metals (Ga, Ge, Sb, Bi, In, W, Te, ...)."""
    RARE_EARTHS = "rare_earths"
    BATTERY_AND_BASE = "battery_and_base"
    """Battery materials and base metals (Co, Ni, Li, graphite, Cu, Mn, ...)."""


# ASSUMPTION: standard error of log(observed ratio) by reliability grade: an agency's annual
# average (A) about +-10 %, a price agency's point or range end as republished (B) +-25 %, a
# secondary site (C) +-50 % [-]. "A/B" takes B.
OBSERVATION_ERROR: dict[str, float] = {"A": 0.10, "A/B": 0.25, "B": 0.25, "C": 0.50}


@dataclass(frozen=True)
class Target:
    """One observed price move and the measured cut that caused it.

    Attributes
    ----------
    target_id, episode_id, material : identifiers (``episode_targets.csv``).
    family : :class:`Family` whose short-run elasticity applies.
    fit : whether the calibration uses the observation.
    cut : (low, high) share of world supply withheld [-], or None if not measured.
    duration : (low, high) months the cut lasts [month], or None.
    before, after : windows in months from the onset (inclusive) [month].
    observed_ratio : mean price over ``after`` / mean over ``before`` [-].
    reliability : source grade, A (agency) / B (price agency as republished) / C (secondary).
    series, source, note : what was observed, where, and why a target is not fitted.
    """

    target_id: str
    episode_id: str
    material: str
    family: Family
    fit: bool
    cut: tuple[float, float] | None
    duration: tuple[float, float] | None
    before: tuple[int, int]
    after: tuple[int, int]
    observed_ratio: float
    reliability: str
    series: str
    source: str
    note: str

    @property
    def sigma(self) -> float:
        """Observation error of ``log(observed_ratio)`` [-]."""
        return OBSERVATION_ERROR[self.reliability]

    @property
    def horizon(self) -> int:
        """Months of price path needed from the onset [month]."""
        return self.after[1] + 1


def targets_from_table(frame: pd.DataFrame) -> list[Target]:
    """Targets from :func:`stockpile.reference.history.load_episode_targets`."""
    out = []
    for rec in frame.to_dict(orient="records"):
        row = _Record(rec)
        measured = row.cut_low == row.cut_low
        out.append(
            Target(
                target_id=str(row.target_id),
                episode_id=str(row.episode_id),
                material=str(row.material),
                family=Family(row.family),
                fit=bool(row.fit),
                cut=(float(row.cut_low), float(row.cut_high)) if measured else None,
                duration=(float(row.duration_low), float(row.duration_high)) if measured else None,
                before=(int(row.before_from), int(row.before_to)),
                after=(int(row.after_from), int(row.after_to)),
                observed_ratio=float(row.observed_ratio),
                reliability=str(row.reliability),
                series=str(row.series),
                source=str(row.source),
                note=str(row.note),
            )
        )
    return out


class _Record:
    """Attribute access to one table record (values as read)."""

    def __init__(self, record: dict[Any, Any]) -> None:
        self.__dict__.update({str(k): v for k, v in record.items()})

    def __getattr__(self, name: str) -> Any:  # for the type checker; real names are set
        raise AttributeError(name)


def cut_paths(cut: npt.ArrayLike, duration: npt.ArrayLike, horizon: int) -> npt.NDArray[np.float64]:
    """Cut X[..., t] = cut x clip(duration - t, 0, 1): full months, then a partial one [-]."""
    x = np.asarray(cut, dtype=np.float64)[..., None]
    d = np.asarray(duration, dtype=np.float64)[..., None]
    t = np.arange(horizon, dtype=np.float64)
    return np.asarray(x * np.clip(d - t, 0.0, 1.0))


def model_ratios(
    targets: list[Target],
    cut: npt.NDArray[np.float64],
    duration: npt.NDArray[np.float64],
    params: DynamicsParams,
) -> npt.NDArray[np.float64]:
    """Simulated window ratios [n, len(targets)] for n parameter draws.

    Parameters
    ----------
    targets : the targets (their windows).
    cut, duration : [n, len(targets)] share withheld [-] and months [month] per draw.
    params : dynamics parameters broadcasting to [n, len(targets)].
    """
    horizon = max(t.horizon for t in targets)
    path = price_path(cut_paths(cut, duration, horizon), params)
    out = np.empty(cut.shape)
    for j, target in enumerate(targets):
        out[:, j] = window_ratio(path[:, j, :], target.before, target.after)
    return out


_FAMILY_OF: dict[str, Family] = {
    **{
        m: Family.MINOR_METALS
        for m in (
            "antimony",
            "bismuth",
            "gallium",
            "germanium",
            "indium",
            "tungsten",
            "tellurium",
            "niobium",
            "tantalum",
            "vanadium",
            "beryllium",
        )
    },
    **{
        m: Family.RARE_EARTHS for m in ("rare earths", "rare earths (heavy)", "yttrium", "scandium")
    },
}


def family_of(material: str) -> Family:
    """The family whose calibrated elasticity a catalogue material takes: minor and by-product
    metals, rare earths (with yttrium and scandium), and battery and base metals (every other
    material, e.g. cobalt, nickel, lithium, graphite, copper, aluminium, PGMs)."""
    return _FAMILY_OF.get(material, Family.BATTERY_AND_BASE)
