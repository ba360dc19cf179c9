"""Out-of-sample check, Mak-Morton-Wood gap, --runs auto, and seed stability of built-in plans."""

from __future__ import annotations

import numpy as np
import pytest

from stockpile.plan import (
    LossValues,
    MaterialLimits,
    Objective,
    PlanInputError,
    PriceCurve,
    ShortfallSample,
    SizingProblem,
    auto_runs,
    check_plan,
    objective_at,
    purchase_prices,
    sample_from_simulation,
    size_stockpile,
)


def _sampler(runs: int, seed: int) -> ShortfallSample:
    """Gaps of two materials: lognormal essential gaps, disrupted with probability 0.5."""
    rng = np.random.default_rng(seed)
    hit = rng.random((runs, 2)) < 0.5
    gaps = np.zeros((runs, 2, 2))
    gaps[:, :, 1] = hit * rng.lognormal(3.0, 0.5, (runs, 2))
    gaps[:, :, 0] = 0.2 * gaps[:, :, 1]
    return ShortfallSample.uniform(
        ["a", "b"], gaps, unit_prices=[1.0, 2.0], class_weights=[10.0, 3.0]
    )


def _problem(sample: ShortfallSample) -> SizingProblem:
    curves = (PriceCurve.flat(1.0), PriceCurve.flat(2.0))
    return SizingProblem(sample, 1e6, curves, MaterialLimits.none(2))


def test_check_plan_gap_is_small_for_the_saa_plan_and_large_for_nothing() -> None:
    obj = Objective(weigh_cost=True)
    problem = _problem(_sampler(4000, 0))
    plan = size_stockpile(problem, obj)
    batches = [_problem(_sampler(4000, s)) for s in range(1, 6)]
    check = check_plan(plan, problem, obj, batches)
    assert check.gap.mean >= 0 and check.batches == 5 and check.runs == 4000
    assert check.relative_gap < 0.01
    assert abs(check.out_of_sample.mean - check.in_sample) < 3 * check.out_of_sample.half_width + 1
    nothing = size_stockpile(_problem(_sampler(4000, 0)), Objective(weigh_cost=True))
    zero = type(nothing)(**{**nothing.__dict__, "quantities": np.zeros(2)})
    bad = check_plan(zero, problem, obj, batches)
    assert bad.relative_gap > 0.1
    assert objective_at(problem, obj, np.zeros(2)) > check.in_sample
    with pytest.raises(PlanInputError, match=r"^batches:"):
        check_plan(plan, problem, obj, batches[:1])


def test_auto_runs_grows_until_the_gap_is_within_tolerance() -> None:
    out = auto_runs(_sampler, _problem, Objective(weigh_cost=True), start_runs=50, tolerance=0.01)
    assert out.converged and out.check.relative_gap <= 0.01
    assert [r for r, _ in out.history] == [50 * 2**i for i in range(len(out.history))]
    assert out.runs == out.history[-1][0]


_BUILTIN = [
    "china-export-ban-us-2024",
    "blockade-east-asia",
    "china-tungsten-bismuth-indium-2025",
    "drc-cobalt-2025",
    "us-planning-conflict",
]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", _BUILTIN)
def test_default_plan_moves_at_most_5_percent_across_five_seeds(scenario: str) -> None:
    """Default settings (20,000 runs, cost + expected valued shortfall at the default values
    of lost use, 2025 prices, no caps): each material's purchase CV across seeds <= 5 %."""
    from stockpile.simulate import compile_scenario, resolve_scenario, simulate

    sc, src = resolve_scenario(scenario)
    held_model = compile_scenario(sc, source=src)
    zero = {k: (0.0, u) for k, u in zip(held_model.keys, held_model.units, strict=True)}
    model = compile_scenario(sc, holdings=zero, holdings_note="none", source=src)
    held = dict(zip(held_model.keys, map(float, held_model.stock0), strict=True))
    quantities = []
    for seed in range(5):
        result = simulate(model, runs=20_000, seed=seed)
        smp, _ = sample_from_simulation(result, (10.0, 3.0), loss_values=LossValues())
        prices = purchase_prices(smp.materials, smp.units)
        curves = tuple(PriceCurve.flat(prices[m].usd_per_unit) for m in smp.materials)
        m = len(smp.materials)
        inf = np.full(m, np.inf)
        limits = MaterialLimits(np.array([held.get(k, 0.0) for k in smp.materials]), inf, inf, inf)
        plan = size_stockpile(SizingProblem(smp, 1e9, curves, limits), Objective(weigh_cost=True))
        quantities.append(plan.quantities)
    q = np.array(quantities)
    mean = q.mean(axis=0)
    cv = np.where(mean > 0, q.std(axis=0, ddof=1) / np.where(mean > 0, mean, 1.0), 0.0)
    assert (cv <= 0.05).all(), dict(zip(smp.materials, cv.round(4), strict=True))
