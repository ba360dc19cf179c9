"""Simulation results: typed per-scenario totals and paths, summaries per material, tables."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stockpile.simulate.engine import EngineOutput
from stockpile.simulate.scenario import PriorityClass

__all__ = ["CLASSES", "MaterialSummary", "SimulationResult", "Stats"]

FloatArray = npt.NDArray[np.float64]
CLASSES: tuple[PriorityClass, ...] = tuple(PriorityClass)
"""Priority classes in array order (axis -1 of ``shortfall_by_class``)."""


@dataclass(frozen=True)
class Stats:
    """Mean and percentiles of a quantity over scenarios (NaN when not computable)."""

    mean: float
    p50: float
    p90: float
    p99: float

    @classmethod
    def of(cls, values: FloatArray) -> Stats:
        """Statistics of the finite values (all NaN if there are none)."""
        v = values[np.isfinite(values)]
        if v.size == 0:
            return cls(math.nan, math.nan, math.nan, math.nan)
        p50, p90, p99 = np.percentile(v, [50, 90, 99])
        return cls(float(v.mean()), float(p50), float(p90), float(p99))

    def as_dict(self) -> dict[str, float | None]:
        """JSON-friendly form (NaN becomes ``None``)."""
        return {
            k: (None if math.isnan(v) else v)
            for k, v in (
                ("mean", self.mean),
                ("p50", self.p50),
                ("p90", self.p90),
                ("p99", self.p99),
            )
        }


@dataclass(frozen=True)
class MaterialSummary:
    """Summary of one material over all scenarios.

    Attributes
    ----------
    key : material key.
    unit : unit of the quantities.
    us_balance_available : False when U.S. consumption or imports are not in the reference data
        (the shortfall figures are then NaN).
    shortfall : total unmet U.S. demand over the horizon, all classes [unit].
    shortfall_by_class : the same, by priority class [unit].
    probability_shortfall : share of scenarios with any unmet demand [-].
    probability_priority_shortfall : share with unmet defence or essential demand [-].
    probability_stockout : share in which the served classes were short in some month [-].
    expected_months_to_stockout : mean first month of served-class shortfall, over the scenarios
        where it happens [month] (NaN if it never happens).
    days_of_cover : initial holdings / daily demand of the served classes [day].
    peak_price_ratio : highest P/P0 over the horizon [-].
    release : total stockpile release [unit].
    warnings : what the figures cannot show (for example a price held at the reference because
        the reference data has no world production by country).
    """

    key: str
    unit: str
    us_balance_available: bool
    shortfall: Stats
    shortfall_by_class: Mapping[PriorityClass, Stats]
    probability_shortfall: float
    probability_priority_shortfall: float
    probability_stockout: float
    expected_months_to_stockout: float
    days_of_cover: Stats
    peak_price_ratio: Stats
    release: Stats
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""

        def num(v: float) -> float | None:
            return None if math.isnan(v) else v

        return {
            "material": self.key,
            "unit": self.unit,
            "us_balance_available": self.us_balance_available,
            "shortfall": self.shortfall.as_dict(),
            "shortfall_by_class": {
                c.value: s.as_dict() for c, s in self.shortfall_by_class.items()
            },
            "probability_shortfall": num(self.probability_shortfall),
            "probability_priority_shortfall": num(self.probability_priority_shortfall),
            "probability_stockout": num(self.probability_stockout),
            "expected_months_to_stockout": num(self.expected_months_to_stockout),
            "days_of_cover": self.days_of_cover.as_dict(),
            "peak_price_ratio": self.peak_price_ratio.as_dict(),
            "release": self.release.as_dict(),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class SimulationResult:
    """Result of :func:`stockpile.simulate.simulate`.

    Attributes
    ----------
    scenario : scenario name.
    runs : number of simulated scenarios S.
    seed : the seed.
    horizon : months simulated T [month].
    keys : material keys [M].
    units : pint unit names of quantities [M].
    price_usd_per_kg : reference prices [USD/kg] [M] (NaN where the reference has none).
    us_balance_available : whether U.S. consumption and imports are known [M].
    notes : provenance of the baseline figures, per material.
    holdings_note : where the initial holdings come from.
    initial_stock : initial holdings [unit] [M].
    kg_per_unit : kilograms per unit of each material's quantities [kg/unit] [M] (NaN if the
        material has no unit of account); the reference price is per kg of the priced substance
        named in the material catalogue, which may differ from the content basis.
    output : per-scenario totals and optional paths (:class:`EngineOutput`).
    """

    scenario: str
    runs: int
    seed: int
    horizon: int
    keys: tuple[str, ...]
    units: tuple[str, ...]
    price_usd_per_kg: FloatArray
    us_balance_available: npt.NDArray[np.bool_]
    notes: Mapping[str, tuple[str, ...]]
    holdings_note: str
    initial_stock: FloatArray
    kg_per_unit: FloatArray
    output: EngineOutput
    warnings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def shortfall_by_class(self) -> FloatArray:
        """Unmet U.S. demand by class over the horizon [S, M, 3] [unit]; classes in
        :data:`CLASSES` order (defence, essential, other)."""
        return self.output.shortfall_by_class

    @property
    def servable_by_class(self) -> FloatArray | None:
        """Gaps a stock could serve within the monthly capacity, by class, over the horizon
        [S, M, 3] [unit] (:mod:`stockpile.simulate.routes`); None when no capacity bounds
        them (then every gap is servable)."""
        return self.output.servable_by_class

    @property
    def shortfall(self) -> FloatArray:
        """Unmet U.S. demand over the horizon, all classes [S, M] [unit]."""
        return self.output.shortfall_by_class.sum(axis=2)

    def summary(self) -> tuple[MaterialSummary, ...]:
        """Summary per material."""
        out = self.output
        total = self.shortfall
        priority = out.shortfall_by_class[:, :, :2].sum(axis=2)
        rows: list[MaterialSummary] = []
        for j, key in enumerate(self.keys):
            ok = bool(self.us_balance_available[j])
            nan = math.nan
            stockout = out.months_to_stockout[:, j]
            hit = np.isfinite(stockout)
            rows.append(
                MaterialSummary(
                    key=key,
                    unit=self.units[j],
                    us_balance_available=ok,
                    shortfall=Stats.of(total[:, j]),
                    shortfall_by_class={
                        c: Stats.of(out.shortfall_by_class[:, j, i]) for i, c in enumerate(CLASSES)
                    },
                    probability_shortfall=float(np.mean(total[:, j] > 0)) if ok else nan,
                    probability_priority_shortfall=float(np.mean(priority[:, j] > 0))
                    if ok
                    else nan,
                    probability_stockout=float(np.mean(hit)) if ok else nan,
                    expected_months_to_stockout=float(stockout[hit].mean()) if hit.any() else nan,
                    days_of_cover=Stats.of(out.days_of_cover[:, j]),
                    peak_price_ratio=Stats.of(out.peak_price_ratio[:, j]),
                    release=Stats.of(out.release[:, j]),
                    warnings=tuple(self.warnings.get(key, ())),
                )
            )
        return tuple(rows)

    def to_frame(self) -> pd.DataFrame:
        """Per-scenario totals, one row per scenario and material (long table)."""
        out = self.output
        s, m = out.release.shape
        frame = pd.DataFrame(
            {
                "scenario_index": np.repeat(out.index, m),
                "material": np.tile(np.array(self.keys, dtype=object), s),
                "unit": np.tile(np.array(self.units, dtype=object), s),
                **{
                    f"shortfall_{c.value}": out.shortfall_by_class[:, :, i].ravel()
                    for i, c in enumerate(CLASSES)
                },
                "release": out.release.ravel(),
                "final_stock": out.final_stock.ravel(),
                "peak_price_ratio": out.peak_price_ratio.ravel(),
                "mean_price_ratio": out.mean_price_ratio.ravel(),
                "price_capped": out.price_capped.ravel(),
                "months_to_stockout": out.months_to_stockout.ravel(),
                "months_short": out.months_short.ravel(),
                "days_of_cover": out.days_of_cover.ravel(),
            }
        )
        return frame

    def paths_frame(self) -> pd.DataFrame:
        """Per-month paths, one row per scenario, material and month (needs kept paths)."""
        paths = self.output.paths
        if paths is None:
            raise ValueError("paths: this run did not keep per-month paths (keep_paths=False)")
        s, m, t = paths.price_ratio.shape
        return pd.DataFrame(
            {
                "scenario_index": np.repeat(self.output.index, m * t),
                "material": np.tile(np.repeat(np.array(self.keys, dtype=object), t), s),
                "month": np.tile(np.arange(t), s * m),
                **{
                    f"shortfall_{c.value}": paths.shortfall[:, :, :, i].ravel()
                    for i, c in enumerate(CLASSES)
                },
                "price_ratio": paths.price_ratio.ravel(),
                "stock": paths.stock.ravel(),
                "days_of_cover": paths.days_of_cover.ravel(),
            }
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary of the run."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "horizon_months": self.horizon,
            "holdings": self.holdings_note,
            "materials": [s.as_dict() for s in self.summary()],
            "warnings": {k: list(v) for k, v in self.warnings.items() if v},
        }
