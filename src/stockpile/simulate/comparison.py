"""Compare ways of holding a stockpile (ore against metal) on the same random draws.

A scenario's ``form_comparison`` lists options, each a set of lots by form
(:class:`~stockpile.simulate.scenario.FormOption`). :func:`compare_forms` simulates the scenario
once per option with the option's lots as the stockpile (the scenario's own holdings and forms
are replaced) and the same seed: every option sees the same events, prices and demand, so the
differences are those of the forms alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockpile.simulate.baseline import ReferenceFrames
from stockpile.simulate.compile import CompiledScenario, compile_scenario
from stockpile.simulate.draws import draw_range
from stockpile.simulate.errors import Problem, ScenarioError
from stockpile.simulate.run import simulate
from stockpile.simulate.scenario import HoldingsSpec, Scenario

__all__ = ["FormOutcome", "compare_forms"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FormOutcome:
    """What one way of holding the stockpile does, per scenario material.

    Attributes
    ----------
    option : option id.
    keys : material keys [M].
    units : their units [M].
    held : quantity held, all forms [unit] [M].
    shortfall_mean : mean total shortfall of the served classes over the horizon [unit] [M].
    release_mean : mean total release [unit] [M].
    usable_mean : mean quantity usable by the end of each month (held in the arrival form or
        already converted, before releases) [unit] [M, T].
    notes : what each lot became (usable, convertible at which rate).
    """

    option: str
    keys: tuple[str, ...]
    units: tuple[str, ...]
    held: tuple[float, ...]
    shortfall_mean: tuple[float, ...]
    release_mean: tuple[float, ...]
    usable_mean: tuple[tuple[float, ...], ...]
    notes: tuple[str, ...]


def _usable(model: CompiledScenario, runs: int, seed: int) -> FloatArray:
    """Mean usable quantity by month [M, T]: ready stock plus what conversion has delivered."""
    m, horizon = model.n_materials, model.horizon
    out = np.repeat(model.stock0[:, None], horizon, axis=1).astype(np.float64)
    forms = model.forms
    if forms is None or not forms.upstream0.any():
        return out
    draws = draw_range(model, seed=seed, start=0, stop=runs)
    onset = np.full((runs, m), np.inf)
    for ev, d in zip(model.events, draws.events, strict=True):
        start = np.where(d.occurs, d.start, np.inf)
        onset = np.where(ev.materials[None, :], np.minimum(onset, start[:, None]), onset)
    begin = onset + forms.conversion_lead[None, :]
    t = np.arange(horizon, dtype=np.float64)
    months = np.maximum(0.0, t[None, None, :] - begin[:, :, None] + 1.0)  # [S, M, T]
    months = np.where(np.isfinite(months), months, 0.0)
    delivered = np.minimum(
        forms.upstream0[None, :, None], forms.conversion_capacity[None, :, None] * months
    )
    return out + delivered.mean(axis=0)


def compare_forms(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    frames: ReferenceFrames | None = None,
) -> tuple[FormOutcome, ...]:
    """Simulate each option of ``scenario.form_comparison`` on the same draws.

    Raises
    ------
    ScenarioError
        When the scenario has no ``form_comparison`` or an option is refused (field path
        ``form_comparison[i]...``).
    """
    if not scenario.form_comparison:
        raise ScenarioError(
            scenario.name, [Problem("form_comparison", "the scenario lists no options")]
        )
    served = [c for c in scenario.stockpile.serve]
    out: list[FormOutcome] = []
    for i, option in enumerate(scenario.form_comparison):
        stock = scenario.stockpile.model_copy(
            update={"forms": list(option.lots), "holdings": HoldingsSpec()}
        )
        variant = scenario.model_copy(update={"stockpile": stock, "form_comparison": []})
        try:
            model = compile_scenario(variant, frames=frames, source=scenario.name)
        except ScenarioError as exc:
            problems = [
                Problem(p.path.replace("stockpile.forms", f"form_comparison[{i}].lots"), p.reason)
                for p in exc.problems
            ]
            raise ScenarioError(scenario.name, problems) from exc
        res = simulate(model, runs=runs, seed=seed)
        n_served = len(served)
        short = np.nansum(res.output.shortfall_by_class[:, :, :n_served], axis=2)
        upstream = model.forms.upstream0 if model.forms is not None else np.zeros(model.n_materials)
        usable = _usable(model, runs, seed)
        out.append(
            FormOutcome(
                option=option.id,
                keys=model.keys,
                units=model.units,
                held=tuple(float(v) for v in model.stock0 + upstream),
                shortfall_mean=tuple(float(v) for v in short.mean(axis=0)),
                release_mean=tuple(float(v) for v in res.output.release.mean(axis=0)),
                usable_mean=tuple(tuple(float(v) for v in row) for row in usable),
                notes=model.forms.notes if model.forms is not None else (),
            )
        )
    return tuple(out)
