"""The kinds of background job the service runs: simulation runs (and what they store)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, field_validator

from stockpile.service.db import Database
from stockpile.service.jobs import JobKind, JobProgress
from stockpile.service.ledger_bridge import reference_book

__all__ = [
    "FAN_QUANTILES",
    "FLAT_PRICE_NOTE",
    "PlanParams",
    "SimulationParams",
    "default_job_kinds",
    "simulation_result",
]

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles stored per month for the fan charts of stock and price paths."""


class SimulationParams(BaseModel):
    """A Monte Carlo run of a built-in scenario."""

    scenario: str = Field(min_length=1, max_length=80, description="Built-in scenario name")
    runs: int = Field(default=500, ge=1, le=20_000, description="Monte Carlo scenarios S")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    ledger_holdings: bool = Field(
        default=False, description="Start from the ledger's holdings instead of the scenario's"
    )

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        from stockpile.simulate import builtin_scenarios

        known = sorted(builtin_scenarios())
        if value not in known:
            raise ValueError(f"unknown scenario {value!r}; built-in: {', '.join(known)}")
        return value


def _quantile_paths(paths: np.ndarray) -> dict[str, list[list[float | None]]]:
    """Quantiles over scenarios of [S, M, T] paths -> {q: [M][T]} (NaN as None)."""
    out: dict[str, list[list[float | None]]] = {}
    with np.errstate(invalid="ignore"):
        for q in FAN_QUANTILES:
            arr = np.nanquantile(paths, q, axis=0) if paths.size else np.empty((0, 0))
            out[f"{q:g}"] = [[None if not np.isfinite(v) else float(v) for v in row] for row in arr]
    return out


def _histogram(values: np.ndarray, bins: int = 20) -> dict[str, list[float]]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(finite, bins=bins)
    return {"edges": [float(e) for e in edges], "counts": [float(c) for c in counts]}


def simulation_result(result: Any) -> dict[str, Any]:
    """What a finished simulation job stores: summary, fan-chart quantiles, histograms."""
    out = result.output
    paths = out.paths
    materials = []
    for j, s in enumerate(result.summary()):
        materials.append(
            {
                "summary": s.as_dict(),
                "shortfall_histogram": _histogram(result.shortfall[:, j]),
            }
        )
    return {
        "scenario": result.scenario,
        "runs": result.runs,
        "seed": result.seed,
        "horizon_months": result.horizon,
        "keys": list(result.keys),
        "units": list(result.units),
        "holdings_note": result.holdings_note,
        "initial_stock": [float(v) for v in result.initial_stock],
        "materials": materials,
        "fan": None
        if paths is None
        else {
            "quantiles": [f"{q:g}" for q in FAN_QUANTILES],
            "stock": _quantile_paths(paths.stock),
            "price_ratio": _quantile_paths(paths.price_ratio),
        },
        "notes": {k: list(v) for k, v in result.notes.items()},
    }


def _ledger_holdings(db: Database) -> tuple[dict[str, tuple[float, str]], str]:
    from stockpile.ledger.queries import holdings

    with db.sessions() as session:
        held = holdings(session, book=reference_book())
    return (
        {h.material: (float(h.quantity), h.unit) for h in held},
        "ledger holdings at the start of the run",
    )


def _simulation_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> Mapping[str, Any]:
        assert isinstance(params, SimulationParams)
        from stockpile.simulate import resolve_scenario, simulate

        scenario, _source = resolve_scenario(params.scenario)
        holdings, note = _ledger_holdings(db) if params.ledger_holdings else (None, None)
        progress.update(0.0, f"simulating {params.runs} scenarios")

        def report(done: int, total: int) -> None:
            progress.update(done / max(total, 1), f"{done} of {total} scenarios")

        result = simulate(
            scenario,
            runs=params.runs,
            seed=params.seed,
            holdings=holdings,
            holdings_note=note,
            batch_size=max(25, params.runs // 20),
            keep_paths=True,
            progress=report,
        )
        return simulation_result(result)

    return JobKind(
        name="simulation",
        params_model=SimulationParams,
        run=run,
        description="Monte Carlo run of a built-in disruption scenario (stock, price, shortfall)",
    )


FLAT_PRICE_NOTE = (
    "flat purchase price = the simulation's reference price (USGS MCS 2026); no price impact"
)


class PlanParams(BaseModel):
    """Budget sizing (``robust`` false) or robust sizing against the supplier's best response."""

    scenario: str = Field(default="china-export-ban-us-2024", min_length=1, max_length=80)
    budget: float = Field(gt=0, le=1e12, description="Budget [USD]")
    robust: bool = Field(default=False, description="Robust sizing against the supplier")
    supplier: str = Field(default="CHN", pattern="^[A-Z]{3}$", description="ISO3 of the supplier")
    measures: int | None = Field(default=None, ge=0, le=50)
    objective: str = Field(default="expected", max_length=20, description="expected|cvar|worst")
    runs: int = Field(default=500, ge=1, le=20_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    weight_defence: float = Field(default=2.0, ge=0)
    weight_essential: float = Field(default=1.0, ge=0)
    ledger_holdings: bool = False
    caps: bool = Field(default=True, description="Apply the 2025 DLA programme caps")

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        return SimulationParams._builtin(value)


def _plan_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> Mapping[str, Any]:
        assert isinstance(params, PlanParams)
        from stockpile.plan import (
            Objective,
            PriceCurve,
            SizingProblem,
            game_from_compiled,
            limits_from_caps,
            program_caps,
            robust_size,
            sample_from_simulation,
            size_stockpile,
            world_production,
        )
        from stockpile.reference import load_production, load_stockpile_programs
        from stockpile.simulate import compile_scenario, resolve_scenario, simulate

        sc, source = resolve_scenario(params.scenario)
        held, note = _ledger_holdings(db) if params.ledger_holdings else (None, None)
        model = compile_scenario(sc, holdings=held, holdings_note=note, source=source)
        stock = dict(zip(model.keys, model.stock0, strict=True))
        caps = program_caps(load_stockpile_programs()) if params.caps else {}
        weights = (params.weight_defence, params.weight_essential)
        progress.update(0.05, "compiled the scenario")
        payload: dict[str, Any] = {
            "scenario": source,
            "budget": params.budget,
            "holdings_note": model.holdings_note,
            "price_curve": FLAT_PRICE_NOTE,
            "class_weights": {"defence": weights[0], "essential": weights[1]},
        }
        if params.robust:
            production = load_production()
            output = {
                k: world_production(production, k, u)
                for k, u in zip(model.keys, model.units, strict=True)
            }
            game, notes = game_from_compiled(
                model, params.supplier, weights, float("inf"), params.measures, output
            )
            holdings = [float(stock.get(m, 0.0)) for m in game.materials]
            limits = limits_from_caps(game.materials, game.units, holdings, caps)
            curves = tuple(PriceCurve.flat(float(p), FLAT_PRICE_NOTE) for p in game.unit_prices)
            progress.update(0.3, "solving the robust plan")
            res = robust_size(game, params.budget, curves, limits, None)
            payload.update({"kind": "robust", "supplier": game.supplier, **res.to_dict()})
        else:
            zero = {k: (0.0, u) for k, u in zip(model.keys, model.units, strict=True)}
            bare = compile_scenario(sc, holdings=zero, holdings_note="none", source=source)

            def report(done: int, total: int) -> None:
                progress.update(0.05 + 0.75 * done / max(total, 1), f"{done} of {total} runs")

            result = simulate(
                bare,
                runs=params.runs,
                seed=params.seed,
                batch_size=max(25, params.runs // 20),
                progress=report,
            )
            sample, notes = sample_from_simulation(result, weights)
            holdings = [float(stock.get(m, 0.0)) for m in sample.materials]
            limits = limits_from_caps(sample.materials, sample.units, holdings, caps)
            curves = tuple(PriceCurve.flat(float(p), FLAT_PRICE_NOTE) for p in sample.unit_prices)
            problem = SizingProblem(sample, params.budget, curves, limits)
            progress.update(0.85, "solving the sizing problem")
            plan = size_stockpile(problem, Objective.parse(params.objective, None), None)
            payload.update(
                {"kind": "size", "runs": params.runs, "seed": params.seed, "plan": plan.to_dict()}
            )
        payload["notes"] = list(notes)
        return payload

    return JobKind(
        name="plan",
        params_model=PlanParams,
        run=run,
        description="Budget sizing, or robust sizing with the supplier's best response",
    )


def default_job_kinds(db: Database) -> dict[str, JobKind]:
    """Kinds of job by name, bound to the service's database."""
    kinds = [_simulation_kind(db), _plan_kind(db)]
    return {k.name: k for k in kinds}
