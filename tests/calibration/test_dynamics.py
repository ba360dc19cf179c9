"""The dynamic market path: static limit, inventories, cap, windows, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.market import MarketInputError, closed_form_price_ratio
from stockpile.market_dynamics import DynamicsParams, elasticity_factor, price_path, window_ratio


def test_neutral_parameters_give_the_static_clearing() -> None:
    cut = np.full(6, 0.2)
    path = price_path(cut, DynamicsParams(0.3))
    # ed = -0.15, es = 0.15: (1 - 0.2)^(1 / -0.3) = 2.104 (docs/model.md example)
    np.testing.assert_allclose(path, closed_form_price_ratio(0.2, -0.15, 0.15), rtol=1e-10)


def test_inventories_cover_whole_months_then_the_remainder() -> None:
    # c = 1.2 months of consumption, cut 0.5: months 0-1 covered, month 2 has 0.2 left
    path = price_path(np.full(4, 0.5), DynamicsParams(0.5, inventory_cover_months=1.2))
    assert path[0] == 1.0 and path[1] == 1.0
    assert 1.0 < path[2] < path[3]
    assert path[3] == pytest.approx(closed_form_price_ratio(0.5, -0.25, 0.25))


def test_long_run_response_lowers_the_spike_over_time() -> None:
    params = DynamicsParams(0.2, long_run_multiplier=4.0, adjustment_months=6.0)
    path = price_path(np.full(48, 0.3), params)
    assert np.all(np.diff(path) < 0)
    # by month 47 the response is practically k eta_S = 0.8
    assert path[-1] == pytest.approx((1 - 0.3) ** (-1 / 0.8), rel=1e-3)
    assert elasticity_factor(0.0, 4.0, 6.0) == 1.0


def test_cap_binds() -> None:
    path = price_path(np.full(3, 0.9), DynamicsParams(0.1, max_price_ratio=5.0))
    np.testing.assert_array_equal(path, 5.0)


def test_window_ratio_counts_months_before_the_onset_as_one() -> None:
    path = np.array([2.0, 2.0, 3.0, 3.0])
    # before: months -2..1 -> (1 + 1 + 2 + 2) / 4 = 1.5; after: months 2..3 -> 3
    assert window_ratio(path, (-2, 1), (2, 3)) == pytest.approx(2.0)
    with pytest.raises(MarketInputError, match="beyond the path"):
        window_ratio(path, (-2, 1), (2, 4))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("short_run_elasticity", 0.0),
        ("long_run_multiplier", 0.5),
        ("inventory_cover_months", -1.0),
        ("max_price_ratio", 1.0),
        ("demand_share", 0.0),
    ],
)
def test_bad_parameters_are_named(field: str, value: float) -> None:
    kwargs = {"short_run_elasticity": 0.3, field: value}
    with pytest.raises(MarketInputError, match=field):
        price_path(np.full(2, 0.1), DynamicsParams(**kwargs))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    cut=st.floats(0.0, 0.9),
    extra=st.floats(0.0, 0.09),
    months=st.integers(1, 24),
    eta=st.floats(0.02, 3.0),
    k=st.floats(1.0, 10.0),
    t_adj=st.floats(1.0, 60.0),
    cover=st.floats(0.0, 6.0),
    cap=st.floats(1.5, 100.0),
)
def test_a_larger_cut_never_lowers_the_peak(
    cut: float,
    extra: float,
    months: int,
    eta: float,
    k: float,
    t_adj: float,
    cover: float,
    cap: float,
) -> None:
    t = np.arange(36)
    small = np.where(t < months, cut, 0.0)
    large = np.where(t < months, cut + extra, 0.0)
    params = DynamicsParams(eta, k, t_adj, cover, cap)
    p_small, p_large = price_path(np.stack([small, large]), params)
    assert np.all(p_large >= p_small - 1e-12)
    assert p_large.max() >= p_small.max() - 1e-12
