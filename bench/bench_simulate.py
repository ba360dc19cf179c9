"""Throughput of the vectorised simulation engine.

Figures:

* throughput in scenario-material-months per second at three run sizes (linear growth means a
  flat throughput), and at the target size 100,000 scenarios x 40 materials x 48 months;
* the ratio to the slow reference implementation (tests/simulate/_reference.py) on the same draws;
* the ratio to a numpy memory-streaming baseline measured in the same run (a STREAM-triad
  ``a = b + 2.5 c`` over float64 arrays of 2**24 elements, in elements per second): how many
  triad elements one scenario-material-month costs.

The benchmark model is the built-in ``us-planning-conflict`` scenario (17 materials, a conflict
over 19 sea-route origins, three export controls, three responses, 48 months) with its materials
repeated to 40 columns (a synthetic widening for timing only; the repeated columns are copies).
A lighter model, ``china-export-ban-us-2024`` widened the same way and run for 48 months, is
timed at the target size too (``light_target``): its spare-capacity ramps make the price search
(Newton steps) run in many cells, where the conflict model's prices are closed-form.
Run: ``python -m bench simulate``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from stockpile.simulate import (
    CompiledScenario,
    compile_scenario,
    draw_range,
    resolve_scenario,
    simulate,
)

MATERIALS = 40
SIZES = (4_096, 16_384, 65_536)
TARGET_RUNS = 100_000


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
        "reference_cell_months_per_s": round(ref_rate),
        "ratio_to_reference": round(target_rate / ref_rate, 1),
        "stream_triad_elements_per_s": round(stream),
        "ratio_to_stream_triad": round(target_rate / stream, 4),
    }
