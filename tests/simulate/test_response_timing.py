"""Responses under market dynamics: what the calibrated price response already holds is refused
unless flagged, and the other responses ramp on the dynamics' own clock (docs/model.md,
"Responses")."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    compile_scenario,
    draw_range,
    parse_scenario,
    resolve_scenario,
    run_engine,
)
from stockpile.simulate._dynamics import dynamics_factor
from stockpile.simulate._step_context import build_context
from stockpile.simulate.scenario import RampShape

DYNAMICS = {"long_run_multiplier": 3.0, "adjustment_months": 10.0, "inventory_cover_months": 0.0}
T_ADJ = 10.0


def _with_dynamics(base: dict[str, Any], **dynamics: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["market"] = {"dynamics": {**DYNAMICS, **dynamics}}
    return data


def _problem(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data, "case.yaml")
    assert len(exc.value.problems) == 1, exc.value.problems
    return str(exc.value.problems[0])


def _spare(**extra: Any) -> dict[str, Any]:
    return {"kind": "spare_capacity", "max_share": 0.05, "lead_months": 2, **extra}


@pytest.mark.parametrize("kind", ["spare_capacity", "substitution"])
def test_a_price_response_is_refused_unflagged_under_dynamics(
    base: dict[str, Any], kind: str
) -> None:
    data = _with_dynamics(base)
    data["responses"] = [
        {"kind": "new_supply", "max_share": 0.3, "ramp": "calibrated"},
        {"kind": kind, "max_share": 0.05},
    ]
    text = _problem(data)
    assert text.startswith("responses[1].beyond_price_response: ")
    assert "count twice" in text
    # the same response in a variant is refused at its own path
    data["responses"] = []
    data["variants"] = [{"name": "more", "responses": [{"kind": kind, "max_share": 0.05}]}]
    assert _problem(data).startswith("variants[0].responses[0].beyond_price_response: ")
    # without dynamics the static model needs it and takes it
    del data["market"]
    parse_scenario(data)


def test_a_flagged_price_response_needs_a_source(base: dict[str, Any]) -> None:
    data = _with_dynamics(base)
    data["responses"] = [_spare(beyond_price_response=True)]
    assert _problem(data).startswith("responses[0].source: beyond_price_response needs a source")


def test_a_flagged_spare_capacity_is_kept_and_lowers_the_price(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _with_dynamics(base)
    data["baseline"]["overrides"]["antimony"]["world_shares"] = {"CHN": 0.5}
    data["events"] = [
        {
            "kind": "export_control",
            "id": "ban",
            "country": "CHN",
            "materials": ["antimony"],
            "withheld_share": 0.5,
            "start_month": 1,
            "duration_months": 11,
        }
    ]
    data["responses"] = [
        _spare(beyond_price_response=True, source="a named restarted smelter (test case)")
    ]
    runs = []
    for responses in (data["responses"], []):
        case = {**data, "responses": responses}
        model = compile_scenario(parse_scenario(case), frames=frames)
        runs.append(run_engine(model, draw_range(model, 1, 0, 4), keep_paths=True))
    flagged, none = (r.paths.price_ratio for r in runs)
    assert np.all(flagged[:, :, :3] == none[:, :, :3])  # before onset + lead
    assert np.all(flagged[:, :, 3:] < none[:, :, 3:])


@pytest.mark.parametrize(
    ("response", "start"),
    [
        ({"kind": "austerity", "max_share": 0.2, "ramp": "calibrated"}, "responses[0].ramp: "),
        (
            {"kind": "new_supply", "max_share": 0.2, "ramp": "calibrated", "lead_months": 3},
            "responses[0].ramp: with 'calibrated' the timing",
        ),
        (
            {"kind": "recycling", "max_share": 0.2, "ramp": "calibrated", "ramp_months": 6},
            "responses[0].ramp: with 'calibrated' the timing",
        ),
    ],
)
def test_calibrated_timing_is_for_new_supply_and_recycling_alone(
    base: dict[str, Any], response: dict[str, Any], start: str
) -> None:
    data = _with_dynamics(base)
    data["responses"] = [response]
    assert _problem(data).startswith(start)


def test_calibrated_timing_needs_dynamics(base: dict[str, Any]) -> None:
    base["responses"] = [{"kind": "recycling", "max_share": 0.2, "ramp": "calibrated"}]
    assert _problem(base).startswith("responses[0].ramp: 'calibrated' follows the adjustment")


def _ban(base: dict[str, Any], start: int) -> dict[str, Any]:
    # a targeted ban: the U.S. loses all its imports, the world price does not move
    data = _with_dynamics(base)
    data["events"] = [
        {
            "kind": "export_control",
            "id": "ban",
            "country": "CHN",
            "targets": ["USA"],
            "materials": ["antimony"],
            "withheld_share": 1.0,
            "start_month": start,
            "duration_months": 24,
        }
    ]
    data["responses"] = [{"kind": "new_supply", "max_share": 0.4, "ramp": "calibrated"}]
    return data


def test_calibrated_ramp_by_hand(base: dict[str, Any], frames: ReferenceFrames) -> None:
    # C = I = 100 t/month, all imports lost from month 2, no stock: the U.S. is short
    # 100 (1 - 0.4 (1 - exp(-(t - 2) / 10))) t in month t >= 2, nothing before
    model = compile_scenario(parse_scenario(_ban(base, start=2)), frames=frames)
    draws = draw_range(model, 1, 0, 3)
    out = run_engine(model, draws, keep_paths=True)
    assert out.paths is not None
    t = np.arange(12.0)
    frac = np.where(t >= 2, 1.0 - np.exp(-(t - 2.0) / T_ADJ), 0.0)
    want = 100.0 * (1.0 - 0.4 * frac) * (t >= 2)
    got = out.paths.shortfall[:, 0, :, :].sum(axis=-1)
    np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-12, atol=1e-9)
    ramp = build_context(model, draws, keep_paths=False).responses[0]
    np.testing.assert_allclose(ramp.fractions[:, 0, 0], frac, rtol=0, atol=1e-15)


def test_calibrated_ramp_takes_the_dynamics_draw_of_T(frames: ReferenceFrames) -> None:
    # common random numbers: in every scenario the ramp has made the same share of its way as
    # the price response, (g - 1) / (k - 1), with the same draw of T
    scenario, _ = resolve_scenario("drc-cobalt-2025")
    model = compile_scenario(scenario, frames=frames)
    draws = draw_range(model, 5, 0, 200)
    ctx = build_context(model, draws, keep_paths=False)
    assert ctx.dynamics is not None
    calibrated = [
        ramp
        for ramp, r in zip(ctx.responses, model.responses, strict=True)
        if r.ramp is RampShape.CALIBRATED
    ]
    assert len(calibrated) == 2  # new supply and recycling
    k = ctx.dynamics.k[:, 0]
    t_adj = draws.dynamics.adjustment_months if draws.dynamics is not None else None
    assert t_adj is not None and np.ptp(t_adj) > 10.0  # T varies over the scenarios
    for t in range(model.horizon):
        g = dynamics_factor(ctx.dynamics, t)[:, 0]
        for ramp in calibrated:
            np.testing.assert_allclose(ramp.fractions[t, :, 0], (g - 1.0) / (k - 1.0), atol=1e-12)
    # a faster-adjusting draw has re-sourced more a year after the onset (the ban's month 0
    # reaches the refineries after the 3-month pipeline lead)
    assert np.all(ctx.dynamics.onset[:, 0] == 3.0)
    order = np.argsort(t_adj)
    assert np.all(np.diff(calibrated[0].fractions[15, order, 0]) <= 0.0)


@pytest.mark.parametrize("name", ["drc-cobalt-2025", "china-export-ban-us-2024"])
def test_a_larger_cut_never_lowers_the_peak_with_calibrated_ramps(
    name: str, frames: ReferenceFrames
) -> None:
    scenario, _ = resolve_scenario(name)
    doc = scenario.model_dump(mode="json", exclude_none=True)
    assert any(r.get("ramp") == "calibrated" for r in doc["responses"])
    peaks = []
    for share in (0.3, 0.5, 0.8):
        for event in doc["events"]:
            event["withheld_share"] = share
        model = compile_scenario(parse_scenario(doc), frames=frames)
        peaks.append(run_engine(model, draw_range(model, 3, 0, 64)).peak_price_ratio)
    assert np.all(peaks[1] >= peaks[0] - 1e-12)
    assert np.all(peaks[2] >= peaks[1] - 1e-12)
    assert np.any(peaks[2] > peaks[0])
