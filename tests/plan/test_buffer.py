"""Buffer stock: never sells what it lacks nor spends what it lacks; hand-checked pieces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.plan import (
    BandPolicy,
    PlanInputError,
    PriceProcess,
    estimate_log_volatility,
    log_price_impact,
    process_from_annual_prices,
    simulate_band,
    tune_band,
)
from stockpile.usecases import BandTuningOut, BufferReport


def test_volatility_estimate_by_hand() -> None:
    prices = [100.0, 110.0, 99.0, 120.0]
    r = np.log([1.1, 0.9, 120.0 / 99.0])
    assert estimate_log_volatility(prices) == pytest.approx(float(np.std(r, ddof=1)))
    with pytest.raises(PlanInputError, match="prices"):
        estimate_log_volatility([1.0, 2.0])
    with pytest.raises(PlanInputError, match="positive"):
        estimate_log_volatility([1.0, 0.0, 2.0])


def test_price_impact_by_hand() -> None:
    # 12 / ((0.1 + 0.2) * 1200) = 1/30 per unit
    assert log_price_impact(1200.0, -0.2, 0.1) == pytest.approx(1.0 / 30.0)
    with pytest.raises(PlanInputError, match="elasticities"):
        log_price_impact(1200.0, 0.2, 0.1)


def _process(vol: float = 0.4, impact: float = 1e-4) -> PriceProcess:
    return PriceProcess(100.0, 100.0, vol, 1.5, impact)


def test_wide_band_never_trades() -> None:
    res = simulate_band(
        _process(vol=0.1),
        BandPolicy(1e-6, 1e9, 1000.0, 5.0, 10.0),
        60,
        200,
        np.random.default_rng(3),
    )
    assert res.mean_net_cash == 0.0
    assert res.mean_end_stock == 5.0
    assert res.volatility_reduction == pytest.approx(0.0, abs=1e-12)
    assert res.prob_collapse == 0.0


def test_band_damps_volatility_with_ample_means() -> None:
    res = simulate_band(
        _process(), BandPolicy(90.0, 110.0, 1e9, 5e4, 1e5), 60, 300, np.random.default_rng(4)
    )
    assert res.volatility_reduction > 0.3
    assert res.time_in_band > 0.99
    assert res.prob_collapse == 0.0


def test_seeded_runs_repeat() -> None:
    pol = BandPolicy(90.0, 110.0, 1e5, 100.0, 1000.0)
    a = simulate_band(_process(), pol, 36, 100, np.random.default_rng(9))
    b = simulate_band(_process(), pol, 36, 100, np.random.default_rng(9))
    assert a == b


def test_poor_agency_collapses() -> None:
    # almost no money and no stock against a tight band: the band breaks on most paths
    res = simulate_band(
        _process(), BandPolicy(98.0, 102.0, 10.0, 0.0, 1e6), 60, 200, np.random.default_rng(5)
    )
    assert res.prob_collapse > 0.9
    assert res.prob_money_out > 0.0 and res.prob_stock_out > 0.0


@settings(max_examples=40, deadline=None)
@given(
    floor=st.floats(50, 99),
    width=st.floats(1, 60),
    fund=st.floats(0, 1e5),
    stock=st.floats(0, 500),
    extra=st.floats(0, 500),
    vol=st.floats(0.05, 1.0),
    impact=st.floats(1e-5, 1e-2),
    seed=st.integers(0, 1000),
)
def test_never_sells_missing_stock_nor_spends_missing_money(
    floor: float,
    width: float,
    fund: float,
    stock: float,
    extra: float,
    vol: float,
    impact: float,
    seed: int,
) -> None:
    pol = BandPolicy(floor, floor + width, fund, stock, stock + extra)
    res = simulate_band(_process(vol, impact), pol, 24, 50, np.random.default_rng(seed))
    assert res.min_money >= 0.0
    assert res.min_stock >= 0.0
    assert res.max_stock <= pol.capacity * (1 + 1e-12)
    assert 0.0 <= res.prob_collapse <= 1.0
    assert math.isfinite(res.mean_profit)


def test_tune_band_respects_collapse_limit() -> None:
    tuning = tune_band(
        _process(impact=1e-3),
        fund=1e5,
        capacity=2000.0,
        initial_stock=600.0,
        floors=[70.0, 85.0, 95.0],
        ceilings=[105.0, 115.0, 140.0],
        months=36,
        n_paths=200,
        rng=np.random.default_rng(6),
        max_collapse=0.2,
    )
    assert len(tuning.tried) == 9
    assert tuning.best is not None
    assert tuning.best.prob_collapse <= 0.2
    ok = [r for r in tuning.tried if r.prob_collapse <= 0.2]
    assert tuning.best.volatility_reduction == max(r.volatility_reduction for r in ok)
    # the text the CLI prints: 7 lines of price model, the header, 9 bands, the choice
    report = BufferReport(
        material="x",
        price_series="test process",
        start_price_usd_per_t=100.0,
        mean_price_usd_per_t=100.0,
        volatility=0.3,
        volatility_note="test",
        world_production_t_per_yr=1000.0,
        log_impact_per_t=1e-3,
        tuning=BandTuningOut.of(tuning),
    )
    text = report.to_text()
    assert len(text.splitlines()) == 7 + 1 + 9 + 1
    best = f"{tuning.best.policy.floor:,.0f} - {tuning.best.policy.ceiling:,.0f}"
    assert text.endswith(f"best band with P(collapse) <= 0.2: {best}")


def test_bad_band_inputs() -> None:
    with pytest.raises(PlanInputError, match="floor < ceiling"):
        BandPolicy(110.0, 100.0, 1.0, 0.0, 1.0)
    with pytest.raises(PlanInputError, match="initial_stock"):
        BandPolicy(90.0, 100.0, 1.0, 5.0, 1.0)
    with pytest.raises(PlanInputError, match="impact_per_unit"):
        PriceProcess(100.0, 100.0, 0.3, 1.0, 0.0)


def test_process_from_annual_prices() -> None:
    prices = [53370.0, 67860.0, 37920.0, 36970.0, 46300.0]
    proc = process_from_annual_prices(
        prices, [2021, 2022, 2023, 2024, 2025], 310_000, 2.0, -0.2, 0.1
    )
    assert proc.start_price == 46300.0
    assert proc.mean_price == pytest.approx(float(np.exp(np.mean(np.log(prices)))))
    assert proc.volatility == pytest.approx(estimate_log_volatility(prices))
    assert proc.impact_per_unit == pytest.approx(12.0 / (0.3 * 310_000))
    with pytest.raises(PlanInputError, match="years"):
        process_from_annual_prices(prices, [2021], 310_000, 2.0, -0.2, 0.1)
