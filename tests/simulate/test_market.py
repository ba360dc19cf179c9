"""Price clearing: closed form, market balance, monotonicity, bounds, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.market import (
    ClearingStatus,
    MarketInputError,
    clear_price,
    closed_form_price_ratio,
)


def test_published_example_plus_110_percent() -> None:
    # domain.md section 4: x = 0.2, ed = -0.2, es = 0.1 gives +110% (0.8^(-1/0.3) = 2.1039...)
    res = clear_price(1.0, 1.0, 0.2, -0.2, 0.1)
    assert res.price_ratio == pytest.approx(0.8 ** (-1 / 0.3), rel=1e-12)
    assert round(100 * (float(res.price_ratio) - 1)) == 110
    assert res.status == ClearingStatus.CLEARED


def test_closed_form_function() -> None:
    assert closed_form_price_ratio(0.2, -0.2, 0.1) == pytest.approx(2.10394, rel=1e-5)
    assert closed_form_price_ratio(0.0, -0.5, 0.3) == 1.0


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(0.0, 0.9),
    ed=st.floats(-2.0, -0.05),
    es=st.floats(0.0, 2.0),
    scale=st.floats(1e-3, 1e6),
)
def test_matches_closed_form_without_spare(x: float, ed: float, es: float, scale: float) -> None:
    expected = (1 - x) ** (1 / (ed - es))
    res = clear_price(scale, scale, x * scale, ed, es, max_price_ratio=1e12)
    if expected >= 1e12:
        # beyond the search bound the price is the bound, and the status says so
        assert float(res.price_ratio) == pytest.approx(1e12, rel=1e-10)
        assert res.status == ClearingStatus.AT_MAX_PRICE
    else:
        assert float(res.price_ratio) == pytest.approx(expected, rel=1e-10)


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(0.0, 1.0),
    ed=st.floats(-2.0, -0.05),
    es=st.floats(0.0, 2.0),
    spare=st.floats(0.0, 0.5),
    release=st.floats(0.0, 0.5),
)
def test_demand_equals_supply(x: float, ed: float, es: float, spare: float, release: float) -> None:
    res = clear_price(1.0, 1.0, x, ed, es, spare, release, max_price_ratio=1e6)
    if res.status == ClearingStatus.CLEARED:
        assert float(res.demand) == pytest.approx(float(res.supply), rel=1e-10)
    elif res.status == ClearingStatus.AT_MAX_PRICE:
        assert float(res.demand) > float(res.supply)
        assert float(res.price_ratio) == pytest.approx(1e6)


def test_vectorised_matches_elementwise_and_is_monotone() -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 0.8, 500))
    ed = np.full(500, -0.3)
    es = np.full(500, 0.2)
    spare = np.full(500, 0.05)
    vec = clear_price(1.0, 1.0, x, ed, es, spare).price_ratio
    one = [float(clear_price(1.0, 1.0, xi, -0.3, 0.2, 0.05).price_ratio) for xi in x[:20]]
    assert np.allclose(vec[:20], one, rtol=1e-13)
    assert np.all(np.diff(vec) >= 0)  # more removed, higher price
    # spare capacity and releases lower the price
    assert np.all(clear_price(1.0, 1.0, x, ed, es, spare, 0.1).price_ratio < vec)


def test_full_cut_without_spare_hits_cap() -> None:
    res = clear_price(1.0, 1.0, 1.0, -0.2, 0.1, max_price_ratio=50.0)
    assert res.status == ClearingStatus.AT_MAX_PRICE
    assert float(res.price_ratio) == pytest.approx(50.0)


def test_spare_above_removal_lowers_price() -> None:
    res = clear_price(1.0, 1.0, 0.0, -0.5, 0.5, spare=0.2)
    assert float(res.price_ratio) < 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"ed": 0.1}, "ed"),
        ({"es": -0.1}, "es"),
        ({"removed": 2.0}, "removed"),
        ({"d0": 0.0}, "d0"),
        ({"spare": -1.0}, "spare"),
    ],
)
def test_bad_input_names_argument(kwargs: dict[str, float], name: str) -> None:
    args = {"d0": 1.0, "s0": 1.0, "removed": 0.1, "ed": -0.2, "es": 0.1}
    args.update(kwargs)
    with pytest.raises(MarketInputError, match=name):
        clear_price(**args)
