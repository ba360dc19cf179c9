"""Throughput of the vectorised simulation engine.

Figures:

* throughput in scenario-material-months per second at three run sizes (linear growth means a
  flat throughput), and at the target size 100,000 scenarios x 40 materials x 48 months;
* the ratio to the slow reference implementation (tests/simulate/_reference.py) on the same draws;
* the ratio to today's engine kept as the baseline (``bench/_baseline_engine.py``, the engine of
  commit bc12148) on both models at the target size, in the same run: both engines get the
  same draws, batch by batch, and are timed alternately (best of ``REPEATS``); the ratio is
  given for the engine alone and for draws plus engine, with the largest relative difference
  between the two engines' outputs on the first batch. The market-dynamics step (lagged price
  response and inventories, added after the baseline) is switched off for this comparison, so
  that both engines compute the same model; the figures above (``target``, ``light_target``)
  run the built-in scenarios as they are, dynamics included;
* the ratio to a numpy memory-streaming baseline measured in the same run (a STREAM-triad
  ``a = b + 2.5 c`` over float64 arrays of 2**24 elements, in elements per second): how many
  triad elements one scenario-material-month costs.

The benchmark model is the built-in ``us-planning-conflict`` scenario (17 materials, a conflict
over 19 sea-route origins, three export controls, two responses, 48 months) with its materials
repeated to 40 columns (a synthetic widening for timing only; the repeated columns are copies).
A lighter model, ``china-export-ban-us-2024`` widened the same way and run for 48 months, is
timed at the target size too (``light_target``): with market dynamics its prices are re-solved
every month in every cell with supply removed, by Newton steps while market inventories are
drawn down. In the comparison with the baseline engine (no dynamics) both models' prices are
closed-form.
Run: ``python -m bench simulate``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bench import _baseline_engine
from stockpile.simulate import (
    BLOCK_SIZE,
    CompiledScenario,
    Draws,
    Uniform,
    compile_scenario,
    draw_range,
    resolve_scenario,
    run_engine,
    simulate,
)
from stockpile.simulate._step_context import build_context
from stockpile.simulate.scenario import RampShape

MATERIALS = 40
SIZES = (4_096, 16_384, 65_536)
TARGET_RUNS = 100_000
REPEATS = 3
BATCH = BLOCK_SIZE
"""Scenarios per batch in the engine comparison (what ``simulate`` uses at 40 materials)."""

Engine = Callable[..., Any]


def _widened(n: int, name: str = "us-planning-conflict") -> CompiledScenario:
    scenario, _ = resolve_scenario(name)
    base = compile_scenario(scenario)
    idx = np.tile(np.arange(base.n_materials), -(-n // base.n_materials))[:n]
    return dataclasses.replace(
        base,
        keys=tuple(f"{base.keys[i]}#{j}" for j, i in enumerate(idx)),
        units=tuple(base.units[i] for i in idx),
        baselines=tuple(base.baselines[i] for i in idx),
        consumption=base.consumption[idx],
        net_imports=base.net_imports[idx],
        world_shares=base.world_shares[idx],
        import_shares=base.import_shares[idx],
        price_usd_per_kg=base.price_usd_per_kg[idx],
        # three months of consumption (synthetic, for timing: exercises releases)
        stock0=np.nan_to_num(base.consumption[idx] * 3.0),
        elasticity_demand=tuple(base.elasticity_demand[i] for i in idx),
        elasticity_supply=tuple(base.elasticity_supply[i] for i in idx),
        split_defence=tuple(base.split_defence[i] for i in idx),
        split_essential=tuple(base.split_essential[i] for i in idx),
        events=tuple(dataclasses.replace(e, materials=e.materials[idx]) for e in base.events),
        horizon=48,
        responses=tuple(dataclasses.replace(r, materials=r.materials[idx]) for r in base.responses),
        release_capacity=None if base.release_capacity is None else base.release_capacity[idx],
    )


def _reference_module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "tests" / "simulate" / "_reference.py"
    spec = importlib.util.spec_from_file_location("bench_simulate_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _stream_baseline(repeats: int = 5) -> float:
    """STREAM-triad throughput [elements/s] (best of ``repeats``)."""
    n = 1 << 24
    b = np.random.default_rng(0).random(n)
    c = np.random.default_rng(1).random(n)
    a = np.empty(n)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.multiply(c, 2.5, out=a)
        a += b
        best = min(best, time.perf_counter() - t0)
    return n / best


def _engine_rate(model: CompiledScenario, runs: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    simulate(model, runs=runs, seed=1, keep_paths=False)
    seconds = time.perf_counter() - t0
    return seconds, runs * model.n_materials * model.horizon / seconds


def _timed(engine: Engine, model: CompiledScenario, runs: int) -> tuple[float, float]:
    """Seconds spent drawing and in ``engine``, batch by batch as ``simulate`` does."""
    drawing = computing = 0.0
    for a in range(0, runs, BATCH):
        t0 = time.perf_counter()
        draws = draw_range(model, 1, a, min(a + BATCH, runs))
        t1 = time.perf_counter()
        engine(model, draws, keep_paths=False)
        computing += time.perf_counter() - t1
        drawing += t1 - t0
    return drawing, computing


def _largest_difference(model: CompiledScenario, draws: Draws) -> float:
    """Largest relative difference between today's engine and the baseline [-]."""
    new = run_engine(model, draws, keep_paths=False)
    old = _baseline_engine.run_engine(model, draws, keep_paths=False)
    worst = 0.0
    for name in (
        "shortfall_by_class",
        "release",
        "final_stock",
        "peak_price_ratio",
        "mean_price_ratio",
        "months_to_stockout",
        "months_short",
    ):
        a, b = getattr(old, name), getattr(new, name)
        diff = np.abs(a - b) / np.maximum(1.0, np.abs(a))
        worst = max(worst, float(np.nanmax(diff, initial=0.0)))
    return worst


def _changing_share(model: CompiledScenario, runs: int = 4 * BATCH) -> float:
    """Share of (scenario, month) pairs in which an input of the month steps moves: an event
    window or a replenishment period opens or closes, or a response ramps [-]."""
    draws = draw_range(model, 1, 0, runs)
    ctx = build_context(model, draws, keep_paths=False)
    moving = np.zeros((model.horizon, draws.size), dtype=bool)
    moving[0] = True
    flags = [ev.under_way for ev in ctx.events] + [c.replenishing for c in ctx.conflicts]
    for f in flags:
        moving[1:] |= f[1:] != f[:-1]
    for r in ctx.responses:
        moving[1:] |= (r.fractions[1:] != r.fractions[:-1]).any(axis=2)
    return float(moving.mean())


def _without_dynamics(model: CompiledScenario) -> CompiledScenario:
    """``model`` without market dynamics, which the kept baseline engine does not have: the
    responses timed on the dynamics' clock (``ramp: calibrated``) get linear ramps with lead
    uniform on 3-12 and ramp uniform on 6-18 months (synthetic, for timing: the ranges the
    built-in scenarios drew before their timing was calibrated)."""
    linear = RampShape.LINEAR
    return dataclasses.replace(
        model,
        dynamics=None,
        responses=tuple(
            r
            if r.ramp is linear
            else dataclasses.replace(
                r,
                ramp=linear,
                lead_months=Uniform(dist="uniform", low=3.0, high=12.0),
                ramp_months=Uniform(dist="uniform", low=6.0, high=18.0),
            )
            for r in model.responses
        ),
    )


def _against_baseline(model: CompiledScenario, runs: int) -> dict[str, Any]:
    """Today's engine against the baseline on the same draws, timed alternately (without
    market dynamics, which the kept baseline engine does not have)."""
    model = _without_dynamics(model)
    base_draw = base_eng = new_draw = new_eng = np.inf
    for _ in range(REPEATS):
        d, e = _timed(_baseline_engine.run_engine, model, runs)
        base_draw, base_eng = min(base_draw, d), min(base_eng, e)
        d, e = _timed(run_engine, model, runs)
        new_draw, new_eng = min(new_draw, d), min(new_eng, e)
    cells = runs * model.n_materials * model.horizon
    return {
        "baseline_engine_seconds": round(base_eng, 2),
        "engine_seconds": round(new_eng, 2),
        "draw_seconds": round(min(base_draw, new_draw), 2),
        "engine_cell_months_per_s": round(cells / new_eng),
        "ratio_engine": round(base_eng / new_eng, 2),
        "ratio_with_draws": round((base_eng + base_draw) / (new_eng + new_draw), 2),
        "meets_3x": base_eng / new_eng >= 3.0,
        "share_of_scenario_months_with_moving_inputs": round(_changing_share(model), 3),
        "largest_relative_difference": _largest_difference(model, draw_range(model, 1, 0, BATCH)),
    }


def run() -> dict[str, Any]:
    """Measure and return the figures (see the module docstring)."""
    model = _widened(MATERIALS)
    cells = model.n_materials * model.horizon
    stream = _stream_baseline()
    simulate(model, runs=1024, seed=0, keep_paths=False)  # warm-up
    sizes = {}
    for runs in SIZES:
        seconds, rate = _engine_rate(model, runs)
        sizes[str(runs)] = {"seconds": round(seconds, 3), "cell_months_per_s": round(rate)}
    target_s, target_rate = _engine_rate(model, TARGET_RUNS)
    light = _widened(MATERIALS, "china-export-ban-us-2024")
    light_s, light_rate = _engine_rate(light, TARGET_RUNS)

    against = {
        "conflict": _against_baseline(model, TARGET_RUNS),
        "export_ban": _against_baseline(light, TARGET_RUNS),
    }

    ref = _reference_module()
    draws = draw_range(model, 1, 0, 3)
    t0 = time.perf_counter()
    for s in range(draws.size):
        for m in range(model.n_materials):
            ref.simulate_one(model, draws, s, m)
    ref_rate = draws.size * cells / (time.perf_counter() - t0)
    return {
        "model": f"us-planning-conflict widened to {MATERIALS} materials x {model.horizon} months",
        "throughput_by_runs": sizes,
        "target": {
            "runs": TARGET_RUNS,
            "materials": MATERIALS,
            "months": model.horizon,
            "seconds": round(target_s, 2),
            "cell_months_per_s": round(target_rate),
            "meets_10_s": target_s <= 10.0,
        },
        "light_target": {
            "model": f"china-export-ban-us-2024 widened to {MATERIALS} materials x 48 months",
            "seconds": round(light_s, 2),
            "cell_months_per_s": round(light_rate),
            "meets_10_s": light_s <= 10.0,
            "ratio_to_stream_triad": round(light_rate / stream, 4),
        },
        "against_baseline": against,
        "reference_cell_months_per_s": round(ref_rate),
        "ratio_to_reference": round(target_rate / ref_rate, 1),
        "stream_triad_elements_per_s": round(stream),
        "ratio_to_stream_triad": round(target_rate / stream, 4),
    }
