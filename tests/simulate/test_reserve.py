"""A supplier's state reserve in the market clearing: hand cases and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.market import clear_price
from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.reserve import ReserveRules, reserve_trade


def _trade(stock: float, rules: ReserveRules, cash: float = 0.0, s_left: float = 80.0):
    return reserve_trade(
        100.0, s_left, -0.2, 0.0, 0.0, rules=rules, stock=stock, cash=cash, price0=1000.0
    )


def test_a_reserve_that_never_triggers_changes_nothing() -> None:
    rng = np.random.default_rng(3)
    d0 = rng.uniform(50, 150, 200)
    s_left = rng.uniform(10, 150, 200)
    ed = -rng.uniform(0.05, 0.8, 200)
    es = rng.uniform(0, 0.5, 200)
    extra = rng.uniform(0, 20, 200)
    market = clear_price(d0, s_left, 0.0, ed, es, extra)
    trade = reserve_trade(
        d0,
        s_left,
        ed,
        es,
        extra,
        rules=ReserveRules(trigger_ratio=np.inf),
        stock=1e9,
        cash=1e9,
        price0=10.0,
    )
    assert np.array_equal(trade.price_ratio, market.price_ratio)
    assert not trade.sold.any() and not trade.bought.any()


def test_an_ample_reserve_holds_the_price_at_its_trigger() -> None:
    # Without the reserve: 100 r^-0.2 = 80 -> r = 0.8^-5 = 3.05. At the trigger 1.5 the excess
    # demand is 100 x 1.5^-0.2 - 80 = 12.21 t, which the reserve sells.
    trade = _trade(stock=1000.0, rules=ReserveRules(trigger_ratio=1.5))
    assert trade.price_ratio[()] == pytest.approx(1.5)
    assert trade.sold[()] == pytest.approx(100 * 1.5**-0.2 - 80)
    assert trade.stock[()] == pytest.approx(1000.0 - trade.sold[()])
    assert trade.cash[()] == pytest.approx(trade.sold[()] * 1000.0 * 1.5)


def test_a_reserve_with_stock_s_releases_at_most_s() -> None:
    trade = _trade(stock=5.0, rules=ReserveRules(trigger_ratio=1.5))
    assert trade.sold[()] == pytest.approx(5.0)
    assert trade.stock[()] == pytest.approx(0.0)
    # the price falls, but not to the trigger: 100 r^-0.2 = 85 -> r = 0.85^-5
    assert trade.price_ratio[()] == pytest.approx(0.85**-5)


def test_domestic_only_sales_are_capped_by_domestic_demand() -> None:
    rules = ReserveRules(trigger_ratio=1.5, domestic_only=True, domestic_share=0.05)
    trade = _trade(stock=1000.0, rules=rules)
    assert trade.sold[()] == pytest.approx(0.05 * 100 * 1.5**-0.2)


def test_the_reserve_buys_up_to_the_floor_with_its_money() -> None:
    # Glut: 100 r^-0.2 = 130 -> r = 1.3^-5 = 0.269; floor 0.5 needs 130 - 100 x 0.5^-0.2 bought.
    rules = ReserveRules(trigger_ratio=2.0, floor_ratio=0.5)
    ample = _trade(stock=0.0, rules=rules, cash=1e9, s_left=130.0)
    need = 130 - 100 * 0.5**-0.2
    assert ample.bought[()] == pytest.approx(need)
    assert ample.price_ratio[()] == pytest.approx(0.5, rel=1e-9)
    # money for 5 t at the floor price only: buys 5 t and the price settles below the floor
    poor = _trade(stock=0.0, rules=rules, cash=5 * 1000.0 * 0.5, s_left=130.0)
    assert poor.bought[()] == pytest.approx(5.0)
    assert poor.price_ratio[()] == pytest.approx(1.25**-5, rel=1e-9)
    assert poor.cash[()] >= 0


@settings(max_examples=80, deadline=None)
@given(
    stock=st.floats(0, 100),
    trigger=st.floats(1.01, 5),
    s_left=st.floats(1, 200),
)
def test_release_never_exceeds_stock_and_never_raises_the_price(
    stock: float, trigger: float, s_left: float
) -> None:
    rules = ReserveRules(trigger_ratio=trigger)
    trade = _trade(stock=stock, rules=rules, s_left=s_left)
    market = clear_price(100.0, s_left, 0.0, -0.2, 0.0)
    assert 0 <= trade.sold[()] <= stock + 1e-12
    assert trade.price_ratio[()] <= market.price_ratio[()] * (1 + 1e-12)


def test_bad_rules_name_the_field() -> None:
    with pytest.raises(SimulationInputError, match=r"reserve\.floor_ratio"):
        ReserveRules(trigger_ratio=1.0, floor_ratio=2.0)
    with pytest.raises(SimulationInputError, match=r"reserve\.domestic_share"):
        ReserveRules(trigger_ratio=1.5, domestic_share=2.0)
