"""Built-in scenarios against the price moves observed in 2025 (an out-of-sample check).

For each pair (scenario, material) in :data:`CHECKS`, the scenario is simulated and the mean
world price ratio over calendar 2025 (months before the scenario's month 0 count as ``r = 1``,
the reference price being the 2024 average) is compared with the observed ratio of the 2025 to
the 2024 annual average of the material's reference price series (USGS MCS 2026,
``prices.csv``; the 2025 value is a USGS estimate). The peak ratio is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stockpile.calibration.hindcast import HindcastStatus, Interval

__all__ = ["CHECKS", "ScenarioCheck", "ScenarioCheckRow", "check_scenarios", "observed_move"]


@dataclass(frozen=True)
class ScenarioCheck:
    """Which scenario stands for a 2025 move, and where 2025 lies in its months.

    Attributes
    ----------
    scenario, material : built-in scenario name and catalogue key.
    months_2025 : first and last month of calendar 2025 in the scenario's months [month].
    """

    scenario: str
    material: str
    months_2025: tuple[int, int]


CHECKS: tuple[ScenarioCheck, ...] = (
    # month 0 = February 2025 (scenario file): January 2025 is month -1
    ScenarioCheck("drc-cobalt-2025", "cobalt", (-1, 10)),
    # month 0 = December 2024 (scenario file)
    ScenarioCheck("china-export-ban-us-2024", "antimony", (1, 12)),
    ScenarioCheck("china-export-ban-us-2024", "gallium", (1, 12)),
)


@dataclass(frozen=True)
class ScenarioCheckRow:
    """One scenario-material against its observed 2025 move.

    Attributes
    ----------
    check : the pair and its window.
    observed_ratio : 2025 / 2024 annual average of the reference price series [-].
    series : the price series (USGS MCS 2026 wording); ``estimated`` if 2025 is an estimate.
    mean_2025 : simulated mean price ratio over 2025 (median, 10th, 90th percentile) [-].
    predictive_2025 : the same with the hindcast's error added (observation error of a grade-A
        annual average and the calibrated model error), the interval an observation is
        expected in [-].
    peak : simulated peak price ratio over the horizon [-].
    runs, seed : Monte Carlo runs and seed.
    """

    check: ScenarioCheck
    observed_ratio: float
    series: str
    estimated: bool
    mean_2025: Interval
    predictive_2025: Interval
    peak: Interval
    runs: int
    seed: int

    @property
    def status(self) -> HindcastStatus:
        """Whether the observed move lies in the 80 % predictive interval of the 2025 mean."""
        return self.predictive_2025.status(self.observed_ratio)


def observed_move(material: str) -> tuple[float, str, bool]:
    """2025 / 2024 of the material's reference price series, the series, and whether 2025 is
    a USGS estimate."""
    from stockpile.reference import get_material, load_prices

    m = get_material(material)
    prices = load_prices()
    rows = prices[(prices["material"] == m.key) & (prices["price_basis"] == m.reference_price)]
    price = {int(y): float(v) for y, v in zip(rows["year"], rows["price"], strict=True)}
    estimated = {int(y): bool(e) for y, e in zip(rows["year"], rows["estimated"], strict=True)}
    if 2024 not in price or 2025 not in price:
        raise LookupError(f"{m.key}: no 2024 and 2025 values of {m.reference_price!r}")
    return price[2025] / price[2024], str(m.reference_price), estimated[2025]


def check_scenarios(*, runs: int = 2000, seed: int = 1) -> tuple[ScenarioCheckRow, ...]:
    """Simulate each scenario of :data:`CHECKS` once and compare with the observed moves."""
    from stockpile.calibration.store import load_calibration
    from stockpile.calibration.targets import OBSERVATION_ERROR
    from stockpile.simulate import resolve_scenario, simulate

    model_error = load_calibration().posterior.column("model_error")
    rng = np.random.default_rng(seed)
    results = {}
    for name in sorted({c.scenario for c in CHECKS}):
        scenario, _ = resolve_scenario(name)
        results[name] = simulate(scenario, runs=runs, seed=seed, keep_paths=True)
    rows = []
    for c in CHECKS:
        result = results[c.scenario]
        j = list(result.keys).index(c.material)
        paths = result.output.paths
        if paths is None:
            raise ValueError(f"{c.scenario}: the run kept no per-month paths (keep_paths=False)")
        price = paths.price_ratio[:, j, :]
        first, last = c.months_2025
        before = max(0, -first)
        inside = price[:, max(first, 0) : last + 1]
        mean_2025 = (before + inside.sum(axis=1)) / (last - first + 1)
        ratio, series, estimated = observed_move(c.material)
        sigma = np.sqrt(OBSERVATION_ERROR["A"] ** 2 + rng.choice(model_error, runs) ** 2)
        predictive = mean_2025 * np.exp(sigma * rng.standard_normal(runs))
        rows.append(
            ScenarioCheckRow(
                check=c,
                observed_ratio=ratio,
                series=series,
                estimated=estimated,
                mean_2025=Interval.of(mean_2025),
                predictive_2025=Interval.of(predictive),
                peak=Interval.of(np.asarray(result.output.peak_price_ratio[:, j])),
                runs=runs,
                seed=seed,
            )
        )
    return tuple(rows)
