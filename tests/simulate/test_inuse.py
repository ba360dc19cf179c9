"""Dynamic in-use stock model: closed-form cases and mass balance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.inuse import (
    Lifetime,
    LifetimeKind,
    inflow_driven_stock,
    monthly_from_annual,
    recycling_target_path,
    survival_curve,
)


def test_constant_inflow_fixed_lifetime_reaches_inflow_times_lifetime() -> None:
    # 100 t/yr entering use, every product lasting exactly 8 years: after 8 years the stock
    # is 800 t and outflow equals inflow (a stationary stock), by hand.
    model = inflow_driven_stock(np.full(30, 100.0), Lifetime(LifetimeKind.FIXED, mean=8))
    assert model.stock[7] == pytest.approx(800.0)
    assert model.stock[20] == pytest.approx(800.0)
    assert model.outflow[:8] == pytest.approx(np.zeros(8))
    assert model.outflow[8:] == pytest.approx(np.full(22, 100.0))


def test_single_pulse_leaves_by_the_survival_curve() -> None:
    lifetime = Lifetime(LifetimeKind.WEIBULL, mean=10.0, shape=2.0)
    model = inflow_driven_stock([50.0] + [0.0] * 39, lifetime)
    sf = survival_curve(lifetime, 40)
    assert model.stock == pytest.approx(50.0 * sf)
    # Weibull survival at age a: exp(-(a/scale)^k).
    assert model.stock[5] == pytest.approx(50.0 * math.exp(-((5 / 10) ** 2)))


def test_stationary_stock_with_distributed_lifetime_is_inflow_times_summed_survival() -> None:
    lifetime = Lifetime(LifetimeKind.LOGNORMAL, mean=12.0, sd=4.0)
    model = inflow_driven_stock(np.full(200, 10.0), lifetime)
    assert model.stock[-1] == pytest.approx(10.0 * survival_curve(lifetime, 201)[:200].sum())
    assert model.outflow[-1] == pytest.approx(10.0, rel=1e-6)


def test_lognormal_parameters_give_the_stated_mean() -> None:
    # Sum over integer ages of S(a) approximates the mean + 1/2 for a smooth distribution.
    sf = survival_curve(Lifetime(LifetimeKind.LOGNORMAL, mean=12.0, sd=4.0), 400)
    assert sf.sum() == pytest.approx(12.5, abs=0.05)


def test_normal_lifetime_is_truncated_at_zero() -> None:
    sf = survival_curve(Lifetime(LifetimeKind.NORMAL, mean=2.0, sd=3.0), 10)
    assert sf[0] == pytest.approx(1.0)
    assert np.all(np.diff(sf) <= 0)


@settings(max_examples=60, deadline=None)
@given(
    inflow=st.lists(st.floats(0, 1e6), min_size=1, max_size=40),
    kind=st.sampled_from(list(LifetimeKind)),
    mean=st.floats(0.5, 40),
    spread=st.floats(0.05, 1.0),
)
def test_mass_balance_holds_every_year(
    inflow: list[float], kind: LifetimeKind, mean: float, spread: float
) -> None:
    lifetime = Lifetime(kind, mean=mean, sd=spread * mean, shape=1.0 + 3.0 * spread)
    model = inflow_driven_stock(inflow, lifetime)
    scale = max(1.0, max(inflow))
    assert np.all(np.abs(model.balance_error()) <= 1e-9 * scale * len(inflow))
    assert np.all(model.stock >= -1e-9 * scale)
    assert np.all(model.outflow >= -1e-9 * scale)


def test_recycling_target_ramps_and_caps_at_the_end_of_life_flow() -> None:
    outflow = np.full(6, 100.0)
    demand = np.full(6, 200.0)
    path = recycling_target_path(
        outflow,
        demand,
        current_collection=0.2,
        processing_yield=0.5,
        target_rir=0.25,
        ramp_years=2,
    )
    # Today: 100 t x 0.2 x 0.5 = 10 t of 200 t = 5%; target 25% = 50 t needs collection
    # 50 / (100 x 0.5) = 100%, reached in year 2 and held.
    assert path.eol_rir[0] == pytest.approx(0.05)
    assert path.target_rir[1] == pytest.approx(0.15)
    assert path.secondary[1] == pytest.approx(30.0)
    assert path.collection_rate[2:] == pytest.approx(np.ones(4))
    assert path.secondary[2:] == pytest.approx(np.full(4, 50.0))
    assert path.reachable.all()


def test_unreachable_target_is_flagged_and_limited_to_the_flow() -> None:
    path = recycling_target_path(
        [100.0, 100.0],
        [1000.0, 1000.0],
        current_collection=0.5,
        processing_yield=0.9,
        target_rir=0.25,
        ramp_years=1,
        max_collection=0.8,
    )
    assert path.secondary[1] == pytest.approx(72.0)
    assert not path.reachable[1]


def test_monthly_spreading_keeps_the_yearly_total() -> None:
    monthly = monthly_from_annual([120.0, 240.0], 24)
    assert monthly[:12].sum() == pytest.approx(120.0)
    assert monthly[12:].sum() == pytest.approx(240.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": LifetimeKind.FIXED, "mean": -1.0}, "lifetime.mean"),
        ({"kind": LifetimeKind.NORMAL, "mean": 5.0}, "lifetime.sd"),
        ({"kind": LifetimeKind.WEIBULL, "mean": 5.0}, "lifetime.shape"),
    ],
)
def test_bad_lifetime_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SimulationInputError, match=field):
        Lifetime(**kwargs)  # type: ignore[arg-type]


def test_negative_inflow_is_refused() -> None:
    with pytest.raises(SimulationInputError, match="inflow"):
        inflow_driven_stock([1.0, -2.0], Lifetime(LifetimeKind.FIXED, mean=3))
