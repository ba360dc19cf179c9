"""The engine's month steps: the step list runs as documented, and a step added to it plugs in."""

from __future__ import annotations

from typing import Any

import pytest

from stockpile.simulate import ReferenceFrames, compile_scenario, draw_range, parse_scenario
from stockpile.simulate._step_context import EngineContext, build_context
from stockpile.simulate._steps import (
    STEPS,
    MonthState,
    Moved,
    Step,
    new_state,
    shortfall_by_class,
    step_release,
)


def _ban_with_stock(base: dict[str, Any]) -> dict[str, Any]:
    # 1,200 t/yr = 100 t/month, all imported from China and cut off; defence (20%) and essential
    # (30%) are served: 50 t/month from the 300 t held, so the stock lasts months 0-5
    base["events"] = [
        {
            "kind": "export_control",
            "id": "ban",
            "country": "CHN",
            "targets": ["USA"],
            "materials": ["antimony"],
            "withheld_share": 1.0,
            "start_month": 0,
            "duration_months": 24,
        }
    ]
    base["stockpile"]["holdings"] = {
        "illustrative": True,
        "items": [{"material": "antimony", "quantity": 300.0, "unit": "metric_ton"}],
    }
    base["stockpile"]["release_capacity_share"] = 1.0
    base["stockpile"]["serve"] = ["defence", "essential"]
    return base


def _run(ctx: EngineContext, steps: tuple[Step, ...]) -> list[tuple[float, float]]:
    """(stock, served shortfall) of cell (0, 0) after each month."""
    state = new_state(ctx)
    out = []
    for t in range(ctx.horizon):
        state.t, state.moved = t, Moved()
        for step in steps:
            step(ctx, state)
        short = shortfall_by_class(ctx, state)
        out.append((float(state.stock[0, 0]), float(short[0][0, 0] + short[1][0, 0])))
    return out


def test_steps_drain_the_stock_then_leave_the_gap(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    model = compile_scenario(parse_scenario(_ban_with_stock(base)), frames=frames)
    ctx = build_context(model, draw_range(model, 0, 0, 1), keep_paths=False)
    months = _run(ctx, STEPS)
    stock = [s for s, _ in months]
    assert stock[:6] == pytest.approx([250.0, 200.0, 150.0, 100.0, 50.0, 0.0], rel=1e-12)
    assert all(s == 0.0 for s in stock[6:])
    assert [short for _, short in months[:6]] == [0.0] * 6
    assert [short for _, short in months[6:]] == pytest.approx([50.0] * 6, rel=1e-12)


def test_a_step_that_adds_stock_restarts_the_releases(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    """A purchase step inserted before the release step: releases resume in the cell that ran
    out, once the step says the holdings moved."""
    model = compile_scenario(parse_scenario(_ban_with_stock(base)), frames=frames)
    ctx = build_context(model, draw_range(model, 0, 0, 1), keep_paths=False)

    def step_purchase(ctx: EngineContext, state: MonthState) -> None:
        if state.t == 8:
            state.stock += 30.0
            state.moved.stock = True

    at = STEPS.index(step_release)
    steps = (*STEPS[:at], step_purchase, *STEPS[at:])
    months = _run(ctx, steps)
    without = _run(ctx, STEPS)
    assert months[:8] == without[:8]
    # month 8: the 30 t bought are released at once against the 50 t/month served gap
    assert months[8][0] == 0.0
    assert months[8][1] == pytest.approx(20.0, rel=1e-12)
    assert without[8][1] == pytest.approx(50.0, rel=1e-12)
    assert months[9:] == without[9:]
