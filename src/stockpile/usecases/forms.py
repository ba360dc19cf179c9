"""Use case: compare ways of holding a stockpile (ore against metal) on the same draws."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from stockpile.simulate import resolve_scenario
from stockpile.simulate.comparison import compare_forms
from stockpile.usecases.simulation import SimulationRequest

__all__ = ["FormComparisonReport", "FormOptionOut", "form_comparison"]

USABLE_MONTHS: tuple[int, ...] = (0, 6, 12, 24)
"""Months at which the usable quantity is reported (0-based, end of month) [month]."""


class FormOptionOut(BaseModel):
    """One option for one material: quantity held [unit], usable by month [unit] (mean over
    the runs), mean served shortfall and release over the horizon [unit]."""

    model_config = ConfigDict(frozen=True)

    option: str
    material: str
    unit: str
    held: float
    usable_by_month: list[float]
    shortfall_mean: float
    release_mean: float
    notes: list[str]


class FormComparisonReport(BaseModel):
    """The scenario's ``form_comparison``, simulated on common random draws."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    runs: int
    seed: int
    usable_months: list[int]
    options: list[FormOptionOut]

    def to_text(self) -> str:
        """A plain-text table."""
        head = " ".join(f"{'usable m' + str(m):>11}" for m in self.usable_months)
        lines = [
            f"scenario {self.scenario}: form comparison, {self.runs:,} runs, seed {self.seed} "
            "(same draws for every option)",
            f"{'option':32} {'material':14} {'held':>9} {head} {'shortfall':>10} {'release':>9}",
        ]
        for o in self.options:
            usable = " ".join(f"{v:11,.1f}" for v in o.usable_by_month)
            lines.append(
                f"{o.option:32} {o.material:14} {o.held:9,.1f} {usable} "
                f"{o.shortfall_mean:10,.1f} {o.release_mean:9,.1f}"
            )
        lines.append("units: each material's unit; shortfall of the served classes, means")
        lines.extend(f"note: {o.option}: {n}" for o in self.options for n in o.notes)
        return "\n".join(lines)


def form_comparison(request: SimulationRequest) -> FormComparisonReport:
    """Simulate each option of the scenario's ``form_comparison`` on the same draws."""
    scenario, _ = resolve_scenario(request.scenario)
    outcomes = compare_forms(scenario, runs=request.runs, seed=request.seed)
    options = []
    for o in outcomes:
        for j, key in enumerate(o.keys):
            path = o.usable_mean[j]
            options.append(
                FormOptionOut(
                    option=o.option,
                    material=key,
                    unit=o.units[j],
                    held=o.held[j],
                    usable_by_month=[path[m] for m in USABLE_MONTHS if m < len(path)],
                    shortfall_mean=o.shortfall_mean[j],
                    release_mean=o.release_mean[j],
                    notes=[n for n in o.notes if n.startswith(f"{key}:")],
                )
            )
    return FormComparisonReport(
        scenario=scenario.name,
        runs=request.runs,
        seed=request.seed,
        usable_months=[m for m in USABLE_MONTHS if m < scenario.horizon_months],
        options=options,
    )
