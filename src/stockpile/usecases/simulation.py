"""Simulate a scenario: the request, the typed report and the use case.

The report carries what every shell shows: the summary per material, the shortfall
histogram and, when the run kept its monthly paths, the fan-chart quantiles of stock and
price. The CLI's ``--json``, the API job result and the dashboard are this one document.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from stockpile.display import format_number, unit_label
from stockpile.simulate import (
    CLASSES,
    PriorityClass,
    SimulationResult,
    Stats,
    compile_scenario,
    resolve_scenario,
    simulate,
)
from stockpile.usecases.errors import Progress
from stockpile.usecases.holdings import ModelHoldings

__all__ = [
    "FAN_QUANTILES",
    "Fan",
    "Histogram",
    "MaterialOutcome",
    "SimulationReport",
    "SimulationRequest",
    "SimulationRun",
    "StatsOut",
    "simulate_scenario",
]

FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles kept per month for the fan charts of stock and price paths."""

HISTOGRAM_BINS = 20


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class SimulationRequest(BaseModel):
    """A Monte Carlo run of a scenario (built-in name or scenario file)."""

    model_config = ConfigDict(frozen=True)

    scenario: str = Field(min_length=1, description="Built-in scenario name or scenario file")
    runs: int = Field(default=10_000, ge=1, description="Monte Carlo scenarios S")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Seed (same seed, same numbers)")


class StatsOut(BaseModel):
    """Mean and percentiles over scenarios (null when not computable)."""

    model_config = ConfigDict(frozen=True)

    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None

    @classmethod
    def of(cls, s: Stats) -> StatsOut:
        """From the simulation's :class:`~stockpile.simulate.Stats` (NaN -> null)."""
        return cls(mean=_num(s.mean), p50=_num(s.p50), p90=_num(s.p90), p99=_num(s.p99))


class Histogram(BaseModel):
    """Counts of scenarios per bin of a quantity; ``edges`` has one more entry than ``counts``."""

    model_config = ConfigDict(frozen=True)

    edges: list[float]
    counts: list[int]

    @classmethod
    def of(cls, values: npt.NDArray[np.float64], bins: int = HISTOGRAM_BINS) -> Histogram:
        """Histogram of the finite ``values`` (empty when there are none)."""
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return cls(edges=[], counts=[])
        counts, edges = np.histogram(finite, bins=bins)
        return cls(edges=[float(e) for e in edges], counts=[int(c) for c in counts])

    def bin_labels(self) -> list[str]:
        """Bin mid-points as readable labels (thousands separators, no decimals)."""
        return [f"{(a + b) / 2:,.0f}" for a, b in itertools.pairwise(self.edges)]


class Fan(BaseModel):
    """Quantiles over scenarios of a monthly path: ``paths[i][t]`` is quantile ``i``, month t."""

    model_config = ConfigDict(frozen=True)

    quantiles: list[float]
    paths: list[list[float | None]]

    @classmethod
    def of(cls, paths: npt.NDArray[np.float64], quantiles: tuple[float, ...]) -> Fan:
        """Quantiles of ``paths`` [S, T] over scenarios (NaN months as null)."""
        with np.errstate(invalid="ignore"):
            arr = np.nanquantile(paths, list(quantiles), axis=0)
        return cls(
            quantiles=list(quantiles),
            paths=[[_num(float(v)) for v in row] for row in np.atleast_2d(arr)],
        )

    def bands(self) -> dict[float, list[float | None]]:
        """Probability -> path, the form a fan chart draws."""
        return dict(zip(self.quantiles, self.paths, strict=True))


class MaterialOutcome(BaseModel):
    """One material over all scenarios.

    Quantities in ``unit``; ``initial_stock`` [unit]; ``days_of_cover`` [day] of the served
    classes' baseline demand; ``peak_price_ratio`` [-]; ``stock_fan`` [unit] and
    ``price_fan`` [P/P0] per month (null when the run kept no paths).
    """

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    us_balance_available: bool
    initial_stock: float
    shortfall: StatsOut
    shortfall_by_class: dict[PriorityClass, StatsOut]
    probability_shortfall: float | None
    probability_priority_shortfall: float | None
    probability_stockout: float | None
    expected_months_to_stockout: float | None
    days_of_cover: StatsOut
    peak_price_ratio: StatsOut
    release: StatsOut
    shortfall_histogram: Histogram
    stock_fan: Fan | None = None
    price_fan: Fan | None = None
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="What the figures cannot show, e.g. a price held at the reference for "
        "want of world production data",
    )


class SimulationReport(BaseModel):
    """The result of simulating a scenario (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    runs: int
    seed: int
    horizon_months: int
    holdings_note: str
    materials: list[MaterialOutcome]

    @classmethod
    def from_result(cls, result: SimulationResult) -> SimulationReport:
        """Summaries, histograms and (when paths were kept) fan quantiles of a run."""
        paths = result.output.paths
        total = result.shortfall
        rows = []
        for j, s in enumerate(result.summary()):
            rows.append(
                MaterialOutcome(
                    material=s.key,
                    unit=s.unit,
                    us_balance_available=s.us_balance_available,
                    initial_stock=float(result.initial_stock[j]),
                    shortfall=StatsOut.of(s.shortfall),
                    shortfall_by_class={
                        c: StatsOut.of(st) for c, st in s.shortfall_by_class.items()
                    },
                    probability_shortfall=_num(s.probability_shortfall),
                    probability_priority_shortfall=_num(s.probability_priority_shortfall),
                    probability_stockout=_num(s.probability_stockout),
                    expected_months_to_stockout=_num(s.expected_months_to_stockout),
                    days_of_cover=StatsOut.of(s.days_of_cover),
                    peak_price_ratio=StatsOut.of(s.peak_price_ratio),
                    release=StatsOut.of(s.release),
                    shortfall_histogram=Histogram.of(total[:, j]),
                    stock_fan=None if paths is None else Fan.of(paths.stock[:, j], FAN_QUANTILES),
                    price_fan=None
                    if paths is None
                    else Fan.of(paths.price_ratio[:, j], FAN_QUANTILES),
                    notes=list(result.notes.get(s.key, ())),
                    warnings=list(s.warnings),
                )
            )
        return cls(
            scenario=result.scenario,
            runs=result.runs,
            seed=result.seed,
            horizon_months=result.horizon,
            holdings_note=result.holdings_note,
            materials=rows,
        )

    def months(self) -> list[int]:
        """Month numbers 1..T of the fan charts."""
        return list(range(1, self.horizon_months + 1))

    def to_text(self) -> str:
        """Plain-text summary, one block per material."""
        lines = [
            f"scenario {self.scenario}: {self.runs} runs, seed {self.seed}, "
            f"{self.horizon_months} months",
            f"holdings: {self.holdings_note}",
        ]
        for m in self.materials:
            lines += ["", f"{m.material} [{unit_label(m.unit)}]"]
            lines += [f"  WARNING: {w}" for w in m.warnings]
            if not m.us_balance_available:
                lines.append("  U.S. shortfall: n/a (U.S. consumption or imports not in the data)")
            else:
                sh = m.shortfall
                lines.append(
                    f"  shortfall total: mean {_g(sh.mean)}  P50 {_g(sh.p50)}  "
                    f"P90 {_g(sh.p90)}  P99 {_g(sh.p99)}"
                )
                for c in CLASSES:
                    st = m.shortfall_by_class[c]
                    lines.append(f"    {c.value:<9} mean {_g(st.mean)}  P90 {_g(st.p90)}")
                lines.append(
                    f"  P(any shortfall) {_f(m.probability_shortfall, '.3f')}  "
                    f"P(defence or essential short) {_f(m.probability_priority_shortfall, '.3f')}"
                )
                lines.append(
                    f"  P(stock-out) {_f(m.probability_stockout, '.3f')}  expected months to "
                    f"stock-out {_f(m.expected_months_to_stockout, '.2f')}"
                )
                dc = m.days_of_cover
                lines.append(
                    f"  days of cover: mean {_g(dc.mean)}  P50 {_g(dc.p50)}  P90 {_g(dc.p90)}"
                )
            pp = m.peak_price_ratio
            lines.append(
                f"  peak price / reference: mean {_g(pp.mean)}  P50 {_g(pp.p50)}  "
                f"P90 {_g(pp.p90)}  P99 {_g(pp.p99)}"
            )
        return "\n".join(lines)


def _f(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _g(value: float | None) -> str:
    """Readable quantity: thousands separators from 1,000 up, four significant digits below."""
    return format_number(value, significant=4, missing="n/a")


@dataclass(frozen=True)
class SimulationRun:
    """A finished run: the report every shell shows and the raw per-scenario result
    (for exports of per-scenario totals and paths)."""

    report: SimulationReport
    result: SimulationResult


def simulate_scenario(
    request: SimulationRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
    executor: Any = None,
    workers: int = 1,
) -> SimulationRun:
    """Run ``request``: the typed report and the raw result (for per-scenario exports).

    Parameters
    ----------
    request : scenario, runs and seed.
    holdings : initial holdings (ledger or file); None keeps the scenario's own.
    progress : called with the fraction of scenarios done.
    executor, workers : where the batches run (Dask client, executor or threads of this
        process); the numbers do not depend on it.
    """
    scenario, source = resolve_scenario(request.scenario)
    model = compile_scenario(
        scenario,
        holdings=None if holdings is None else holdings.simulation_input(),
        holdings_note=None if holdings is None else holdings.note,
        source=source,
        release_capacity=None if holdings is None else holdings.release_capacity_input(),
        release_capacity_note=None if holdings is None else holdings.capacity_note,
    )

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done / max(total, 1), f"{done:,} of {total:,} scenarios")

    result = simulate(
        model,
        runs=request.runs,
        seed=request.seed,
        executor=executor,
        workers=workers,
        batch_size=None if progress is None else max(25, request.runs // 20),
        progress=report,
    )
    return SimulationRun(SimulationReport.from_result(result), result)
