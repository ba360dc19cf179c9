"""Hand-solved cases and statistical oracles of the engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stockpile.simulate import (
    ReferenceFrames,
    SimulationResult,
    parse_scenario,
    simulate,
)
from stockpile.simulate.compile import DAYS_PER_MONTH


def _run(
    data: dict[str, Any], frames: ReferenceFrames, runs: int = 4, seed: int = 0, **kw: Any
) -> SimulationResult:
    return simulate(parse_scenario(data), runs=runs, seed=seed, frames=frames, **kw)


def _full_ban(base: dict[str, Any], start: int = 0, stock_t: float = 300.0) -> dict[str, Any]:
    base["events"] = [
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
    base["stockpile"]["holdings"] = {
        "illustrative": True,
        "items": [{"material": "antimony", "quantity": stock_t, "unit": "metric_ton"}],
    }
    return base


def test_full_ban_days_of_cover_and_shortfall_the_month_after(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    # consumption 1,200 t/yr = 100 t/month, all imported from China; 300 t in stock; the U.S. is
    # cut off from month 0: stock covers months 0, 1, 2 exactly; shortfall from month 3.
    res = _run(_full_ban(base), frames)
    out = res.output
    daily = 1200.0 / 365  # days of cover: a 365-day year (stockpile.cover)
    assert out.days_of_cover[:, 0] == pytest.approx(300.0 / daily, rel=1e-12)
    assert out.days_of_cover[0, 0] == pytest.approx(3 * DAYS_PER_MONTH, rel=1e-12)
    short = out.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    assert short[:3] == pytest.approx([0, 0, 0], abs=1e-9)
    assert short[3:] == pytest.approx([100.0] * 9, rel=1e-12)
    assert out.months_to_stockout[0, 0] == 3.0
    assert res.shortfall[0, 0] == pytest.approx(900.0, rel=1e-12)
    assert out.release[0, 0] == pytest.approx(300.0, rel=1e-12)
    assert out.final_stock[0, 0] == pytest.approx(0.0, abs=1e-9)
    # a targeted ban leaves the world market alone: one world price
    assert out.peak_price_ratio[0, 0] == 1.0


def test_full_ban_later_start_and_partial_month(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    res = _run(_full_ban(base, start=2, stock_t=250.0), frames)
    short = res.output.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    # months 2, 3 covered (200 t), month 4 gets the last 50 t
    assert short[:4] == pytest.approx([0, 0, 0, 0], abs=1e-9)
    assert short[4] == pytest.approx(50.0)
    assert res.output.months_to_stockout[0, 0] == 4.0


def test_release_capacity_limits_monthly_release(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _full_ban(base, stock_t=1000.0)
    data["stockpile"]["release_capacity_share"] = 0.06  # 60 t/month from 1,000 t
    res = _run(data, frames)
    short = res.output.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    assert short == pytest.approx([40.0] * 12)
    assert res.output.release[0, 0] == pytest.approx(720.0)


def test_world_cut_gives_closed_form_price(base: dict[str, Any], frames: ReferenceFrames) -> None:
    # all-destination cut of 20% of world supply, no spare: P/P0 = 0.8^(1/(ed - es))
    base["baseline"]["overrides"]["antimony"]["world_shares"] = {"CHN": 0.5}
    base["events"] = [
        {
            "kind": "export_control",
            "id": "cut",
            "country": "CHN",
            "materials": ["antimony"],
            "withheld_share": 0.4,
            "duration_months": 12,
        }
    ]
    res = _run(base, frames)
    assert res.output.peak_price_ratio[0, 0] == pytest.approx(0.8 ** (1 / (-0.2 - 0.1)), rel=1e-10)
    assert round(100 * (res.output.peak_price_ratio[0, 0] - 1)) == 110


def test_shortfall_probability_converges_to_event_probability(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    # a full ban with probability p and no stock: shortfall happens exactly when the event does.
    # 20,000 runs: standard error sqrt(p(1-p)/n) = 0.0032; tolerance 4 standard errors.
    p, n = 0.3, 20_000
    data = _full_ban(base, stock_t=0.0)
    data["events"][0]["probability"] = p
    res = _run(data, frames, runs=n, seed=11, keep_paths=False)
    summary = res.summary()[0]
    tol = 4 * np.sqrt(p * (1 - p) / n)
    assert abs(summary.probability_shortfall - p) < tol
    assert summary.probability_shortfall == pytest.approx(summary.probability_stockout)


def test_defence_never_short_while_essential_served(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    # partial ban, sampled class shares, price response, stock serving defence first
    base["materials"] = ["antimony"]
    base["assumptions"]["demand_split"] = {
        "defence": {"dist": "uniform", "low": 0.0, "high": 0.6},
        "essential": {"dist": "uniform", "low": 0.0, "high": 0.4},
    }
    base["events"] = [
        {
            "kind": "export_control",
            "id": "ban",
            "country": "CHN",
            "targets": ["USA"],
            "materials": ["antimony"],
            "withheld_share": {"dist": "uniform", "low": 0.5, "high": 1.0},
            "duration_months": 12,
        },
        {
            "kind": "conflict",
            "id": "war",
            "shipping_loss": 0.0,
            "defence_surge": {"dist": "uniform", "low": 1.0, "high": 3.0},
            "duration_months": 6,
        },
    ]
    base["stockpile"] = {
        "serve": ["defence", "essential"],
        "release_capacity_share": {"dist": "uniform", "low": 0.0, "high": 0.3},
        "holdings": {
            "illustrative": True,
            "items": [{"material": "antimony", "quantity": 200, "unit": "t"}],
        },
    }
    res = _run(base, frames, runs=3000, seed=5)
    short = res.output.paths.shortfall  # type: ignore[union-attr]
    defence_short = short[..., 0] > 0
    essential_any_served = short[..., 1] < _essential_demand(res, base)
    assert defence_short.any()  # the case does bite
    assert not np.any(defence_short & essential_any_served)


def _essential_demand(res: SimulationResult, data: dict[str, Any]) -> np.ndarray:
    """Essential demand per scenario and month (no price response: the ban is targeted)."""
    from stockpile.simulate import compile_scenario, draw_range

    model = compile_scenario(parse_scenario(data))
    draws = draw_range(model, res.seed, 0, res.runs)
    monthly = 1200.0 / 12
    return (monthly * draws.essential[:, :, None]) * (1 - 1e-12)
