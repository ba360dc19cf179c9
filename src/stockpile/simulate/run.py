"""Run a Monte Carlo simulation in-process or on an executor (a Dask ``Client`` or any
``concurrent.futures.Executor``): the same batches, identical numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt

from stockpile.simulate.baseline import ReferenceFrames
from stockpile.simulate.compile import CompiledScenario, compile_scenario
from stockpile.simulate.draws import BLOCK_SIZE, draw_range
from stockpile.simulate.engine import EngineOutput, Paths, run_engine
from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.results import SimulationResult
from stockpile.simulate.scenario import Scenario

__all__ = ["PATH_CELLS_LIMIT", "run_batch", "simulate"]

PATH_CELLS_LIMIT = 5_000_000
"""Per-month paths are kept automatically when runs x materials x months is at most this."""

_BATCH_ELEMENTS = 1 << 16
"""Target scenarios x materials per batch: working arrays of about 0.5 MB stay in the L2 cache."""


def run_batch(
    model: CompiledScenario, seed: int, start: int, stop: int, keep_paths: bool
) -> EngineOutput:
    """Draw and simulate scenarios ``start <= i < stop`` (the unit of work sent to workers)."""
    return run_engine(model, draw_range(model, seed, start, stop), keep_paths=keep_paths)


class _Gather:
    """Copies the outputs of consecutive batches into arrays for the whole run.

    The arrays are allocated at the first batch and each batch is released once copied, so a
    run holds its results once (joining all batches at the end would hold them twice).
    """

    def __init__(self, runs: int) -> None:
        self._runs = runs
        self._done = 0
        self._arrays: dict[str, npt.NDArray[Any]] = {}
        self._paths: dict[str, npt.NDArray[Any]] | None = None

    def _copy(self, into: dict[str, npt.NDArray[Any]], obj: object, names: list[str]) -> None:
        for name in names:
            part = getattr(obj, name)
            if name not in into:
                into[name] = np.empty((self._runs, *part.shape[1:]), dtype=part.dtype)
            into[name][self._done : self._done + part.shape[0]] = part

    def add(self, part: EngineOutput) -> None:
        """Append the output of the next batch."""
        if self._done == 0 and part.paths is not None:
            self._paths = {}
        names = [
            f.name
            for f in fields(EngineOutput)
            if f.name != "paths" and getattr(part, f.name) is not None
        ]
        self._copy(self._arrays, part, names)
        if self._paths is not None:
            self._copy(self._paths, part.paths, [f.name for f in fields(Paths)])
        self._done += part.index.shape[0]

    def result(self) -> EngineOutput:
        """The output of the whole run (all batches added)."""
        paths = None if self._paths is None else Paths(**self._paths)
        return EngineOutput(paths=paths, **self._arrays)


def _price_warnings(model: CompiledScenario) -> dict[str, tuple[str, ...]]:
    """Materials whose price cannot move for want of data, said in words for the reader."""
    out: dict[str, tuple[str, ...]] = {}
    for j, key in enumerate(model.keys):
        if not np.any(model.world_shares[j] > 0):
            out[key] = (
                "price held at the reference (ratio 1): the reference data has no world "
                f"production by country for {key}, so no event can remove world supply and "
                "the price path is not a result; give baseline.overrides."
                f"{key}.world_shares with a source to model it",
            )
    return out


def _kg_per_unit(units: tuple[str, ...]) -> npt.NDArray[np.float64]:
    from stockpile.units import exact_factor

    return np.array([float(exact_factor(u, "kilogram")) if u else np.nan for u in units])


def _submit(executor: Any, start: int, stop: int, *args: Any) -> Any:
    model, seed, keep = args
    if type(executor).__module__.startswith("distributed"):
        return executor.submit(run_batch, model, seed, start, stop, keep, pure=False)
    return executor.submit(run_batch, model, seed, start, stop, keep)


def _stage_notes(model: CompiledScenario, j: int) -> tuple[str, ...]:
    """Provenance of a material's stage network and what each stage cut does at arrival."""
    key = model.keys[j]
    net = model.networks.get(key)
    out: list[str] = []
    if net is not None:
        out.extend(f"stages: {n}" for n in net.notes)
        for k, label in enumerate(model.countries):
            if "@" not in label or not (model.world_shares[j, k] or model.import_shares[j, k]):
                continue
            out.append(
                f"stages: a full cut at {label} removes {model.world_shares[j, k]:.1%} of world "
                f"{net.arrival.value} supply and {model.import_shares[j, k]:.1%} of U.S. imports"
            )
    if model.forms is not None:
        out.extend(f"forms: {n}" for n in model.forms.notes if n.startswith(f"{key}:"))
    cap = model.release_capacity
    if cap is not None and np.isfinite(cap[j]):
        out.append(
            f"release capacity: at most {cap[j]:,.6g} {model.units[j]}/month "
            f"({model.release_capacity_note})"
        )
    return tuple(out)


def simulate(
    scenario: Scenario | CompiledScenario,
    *,
    runs: int,
    seed: int,
    holdings: Mapping[str, tuple[float, str]] | None = None,
    holdings_note: str | None = None,
    executor: Any = None,
    workers: int = 1,
    batch_size: int | None = None,
    keep_paths: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    frames: ReferenceFrames | None = None,
) -> SimulationResult:
    """Simulate ``runs`` scenarios of a scenario file's distribution.

    Parameters
    ----------
    scenario : a validated :class:`Scenario` or an already compiled one.
    runs : number of Monte Carlo scenarios S (>= 1).
    seed : seed (integer >= 0); results depend only on the seed and each scenario's index.
    holdings : initial holdings by material, ``(quantity, unit)`` (replaces the scenario's own).
    holdings_note : where ``holdings`` come from.
    executor : ``None`` (in-process), a ``dask.distributed.Client`` or a
        ``concurrent.futures.Executor``; batches are submitted to it.
    workers : with no executor, the number of threads of this process that run batches (numpy
        releases the GIL inside array operations); 1 runs them one after the other.
    batch_size : scenarios per batch (default: whole seeding blocks, about 65,000
        scenario-materials per batch).
    keep_paths : keep per-month paths (default: when runs x materials x months <= 5e6).
    progress : called as ``progress(done, runs)`` after each batch.
    frames : reference tables (loaded when omitted).

    Returns
    -------
    SimulationResult
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise SimulationInputError(f"runs: must be an integer >= 1, got {runs!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SimulationInputError(f"seed: must be an integer >= 0, got {seed!r}")
    if isinstance(scenario, Scenario):
        model = compile_scenario(
            scenario, holdings=holdings, holdings_note=holdings_note, frames=frames
        )
    else:
        if holdings is not None:
            raise SimulationInputError("holdings: give them when compiling the scenario")
        model = scenario
    m, t = model.n_materials, model.horizon
    if keep_paths is None:
        keep_paths = runs * m * t <= PATH_CELLS_LIMIT
    if batch_size is None:
        blocks = max(1, _BATCH_ELEMENTS // max(m, 1) // BLOCK_SIZE)
        batch_size = blocks * BLOCK_SIZE
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SimulationInputError(f"workers: must be an integer >= 1, got {workers!r}")
    if batch_size < 1:
        raise SimulationInputError(f"batch_size: must be >= 1, got {batch_size}")
    ranges = [(a, min(a + batch_size, runs)) for a in range(0, runs, batch_size)]
    gather = _Gather(runs)
    done = 0
    if executor is None and workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return simulate(
                model,
                runs=runs,
                seed=seed,
                executor=pool,
                batch_size=batch_size,
                keep_paths=keep_paths,
                progress=progress,
            )
    if executor is None:
        for a, b in ranges:
            gather.add(run_batch(model, seed, a, b, keep_paths))
            done += b - a
            if progress is not None:
                progress(done, runs)
    else:
        futures = [_submit(executor, a, b, model, seed, keep_paths) for a, b in ranges]
        for (a, b), fut in zip(ranges, futures, strict=True):
            gather.add(fut.result())
            done += b - a
            if progress is not None:
                progress(done, runs)
    output = gather.result()
    return SimulationResult(
        scenario=model.name,
        runs=runs,
        seed=seed,
        horizon=t,
        keys=model.keys,
        units=model.units,
        price_usd_per_kg=model.price_usd_per_kg,
        us_balance_available=np.array([b.us_balance_available for b in model.baselines]),
        notes={b.key: b.notes + _stage_notes(model, j) for j, b in enumerate(model.baselines)},
        holdings_note=model.holdings_note,
        initial_stock=model.stock0,
        kg_per_unit=_kg_per_unit(model.units),
        output=output,
        warnings=_price_warnings(model),
    )
