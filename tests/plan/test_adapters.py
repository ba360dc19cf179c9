"""Adapters: simulation results and reference tables into planner inputs; schedule to contracts."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest

from stockpile.plan import (
    PlanInputError,
    ScheduleProblem,
    ShortfallSample,
    caps_from_rows,
    combine_samples,
    contract_actions,
    impact_curves,
    limits_from_caps,
    parse_assignments,
    parse_numbers,
    price_series,
    program_caps,
    sample_from_simulation,
    schedule_procurement,
    world_production,
)
from stockpile.reference import load_prices, load_production, load_stockpile_programs


def test_world_production_and_price_series() -> None:
    # production_by_country.csv: cobalt world mine production 2025 (rounded) 310,000 t
    assert world_production(load_production(), "cobalt", "metric_ton") == 310_000.0
    assert world_production(load_production(), "cobalt", "kilogram") == 310_000_000.0
    assert np.isnan(world_production(load_production(), "no such material", "metric_ton"))
    label = "Price, average, dollars per pound: U.S. spot, cathode"
    per_kg, years = price_series(load_prices(), label)
    assert years == [2021, 2022, 2023, 2024, 2025]
    assert per_kg == pytest.approx([53.37, 67.86, 37.92, 36.97, 46.3])


def test_program_caps_from_reference() -> None:
    caps = program_caps(load_stockpile_programs())
    # stockpile_programs.csv: US-DLA-CO/SB/TA/SC-2025
    assert caps["cobalt"].spend_cap == 500e6
    assert caps["cobalt"].contract_min == 2e6
    assert caps["cobalt"].quantity_limit == 7480.0
    assert caps["antimony"].spend_cap == 245e6
    assert caps["tantalum"].spend_cap == 100e6
    assert caps["scandium"].spend_cap == 40e6
    assert caps["scandium"].contract_min == 2e6
    assert "US-DLA-SB-2025" in caps["antimony"].source
    limits = limits_from_caps(
        ("antimony", "cobalt", "gallium"),
        ("metric_ton", "metric_ton", "kilogram"),
        [1.0, 0.0, 0.0],
        caps,
    )
    assert limits.spend_caps[0] == 245e6 and np.isinf(limits.spend_caps[2])
    assert limits.quantity_limits[1] == 7480.0
    assert limits.sources[2] == ""


def _fake_result() -> SimpleNamespace:
    gaps = np.zeros((4, 3, 3))
    gaps[:, 0, 0] = [1.0, 2.0, 0.0, 0.0]  # defence, material a
    gaps[:, 1, 1] = [0.0, 5.0, 5.0, 0.0]  # essential, material b
    gaps[:, 2, :] = np.nan  # material c: no U.S. balance
    return SimpleNamespace(
        keys=("a", "b", "c"),
        units=("metric_ton", "kilogram", "kilogram"),
        price_usd_per_kg=np.array([2.0, 3.0, 4.0]),
        us_balance_available=np.array([True, True, False]),
        shortfall_by_class=gaps,
    )


def test_sample_from_simulation() -> None:
    sample, notes = sample_from_simulation(_fake_result(), (2.0, 1.0))
    assert sample.materials == ("a", "b")
    assert sample.class_names == ("defence", "essential")
    np.testing.assert_allclose(sample.unit_prices, [2000.0, 3.0])  # per t, per kg
    np.testing.assert_allclose(sample.gaps[:, 1, 1], [0.0, 5.0, 5.0, 0.0])
    np.testing.assert_allclose(sample.scenario_weights, 0.25)
    assert any("c: left out" in n for n in notes)
    with pytest.raises(PlanInputError, match="unknown class"):
        sample_from_simulation(_fake_result(), (1.0,), classes=("military",))


def test_contract_actions_from_schedule() -> None:
    prob = ScheduleProblem(
        materials=("antimony",),
        units=("metric_ton",),
        targets=np.array([300.0]),
        unit_prices=np.array([10.0]),
        fiscal_years=(2026, 2027),
        funds=np.array([2000.0, 2000.0]),
        annual_limits=np.array([200.0]),
        contract_min=np.array([100.0]),
        contract_ceiling=np.array([5000.0]),
        lead_months=np.array([3.0]),
        world_production=np.array([np.nan]),
    )
    data = schedule_procurement(prob).to_dict()
    (act,) = contract_actions(data, prefix="T")
    assert act.material == "antimony" and act.ceiling == 5000.0 and act.minimum_guarantee == 100.0
    assert [o.quantity for o in act.orders] == pytest.approx([200.0, 100.0])
    assert act.orders[0].due_date == date(2026, 1, 1)
    assert act.period_start == date(2025, 10, 1)
    assert act.orders[0].number == "T-ANTIMONY-FY2026-01"
    order = {"material": "antimony", "unit": "metric_ton", "fiscal_year": 2026}
    bad = {"orders": [{**order, "order_date": "2025-10-01"}]}
    with pytest.raises(PlanInputError, match=r"orders\[0\]\.quantity: missing"):
        contract_actions(bad)
    with pytest.raises(PlanInputError, match="no orders"):
        contract_actions({"orders": []})


def test_caps_from_rows() -> None:
    caps = caps_from_rows(
        [
            {"material": "Antimony", "spend_cap_usd": "1e6", "quantity_limit": "", "unit": ""},
            {"material": "cobalt", "spend_cap_usd": "", "quantity_limit": "50", "source": "AMP"},
        ],
        "caps.csv",
    )
    assert caps["antimony"].spend_cap == 1e6 and np.isinf(caps["antimony"].quantity_limit)
    assert caps["antimony"].source == "caps.csv row 2"
    assert np.isinf(caps["cobalt"].spend_cap) and caps["cobalt"].quantity_limit == 50.0
    limits = limits_from_caps(("cobalt",), ("metric_ton",), [0.0], caps)
    assert limits.quantity_limits[0] == 50.0 and limits.sources == ("AMP",)
    with pytest.raises(PlanInputError, match="row 2"):
        caps_from_rows([{"material": "x", "spend_cap_usd": "-5"}], "caps.csv")
    with pytest.raises(PlanInputError, match="material: is empty"):
        caps_from_rows([{"material": " "}], "caps.csv")


def test_impact_curves() -> None:
    gaps = np.zeros((2, 2, 1))
    gaps[:, 0, 0] = [100.0, 300.0]
    sample = ShortfallSample.uniform(["a", "b"], gaps, unit_prices=[10.0, 5.0], class_weights=[1])
    curves, notes = impact_curves(sample, {"a": 1000.0}, -0.2, 0.1, 5.0, tranches=3)
    # a: Q0 = 5,000; top tranche at q = 300: 10 * (1 + 300/5000)^(1/0.3)
    assert curves[0].prices[-1] == pytest.approx(10.0 * (1.06 ** (1 / 0.3)))
    assert curves[0].prices[0] == pytest.approx(10.0 * (1.02 ** (1 / 0.3)))
    assert curves[0].cost(300.0) > 3000.0
    # b: no gap, flat price and no note; no world production would be noted when needed
    assert curves[1].prices.tolist() == [5.0] and notes == ()
    with pytest.raises(PlanInputError, match="years"):
        impact_curves(sample, {}, -0.2, 0.1, 0.0)


def test_combine_samples() -> None:
    a = ShortfallSample.uniform(
        ["x", "y"], np.ones((2, 2, 1)), unit_prices=[1.0, 2.0], class_weights=[1]
    )
    b = ShortfallSample.uniform(
        ["y", "z"], np.full((4, 2, 1), 3.0), unit_prices=[2.0, 5.0], class_weights=[1]
    )
    both = combine_samples([a, b], ["A", "B"], [3.0, 1.0])
    assert both.materials == ("x", "y", "z")
    np.testing.assert_allclose(
        both.scenario_weights, [0.375, 0.375, 0.0625, 0.0625, 0.0625, 0.0625]
    )
    np.testing.assert_allclose(both.gaps[:, :, 0][0], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(both.gaps[:, :, 0][-1], [0.0, 3.0, 3.0])
    assert both.scenario_names[0] == "A:s0" and both.scenario_names[-1] == "B:s3"
    c = ShortfallSample.uniform(["y"], np.ones((1, 1, 1)), unit_prices=[9.0], class_weights=[1])
    with pytest.raises(PlanInputError, match="another unit or reference price"):
        combine_samples([a, c], ["A", "C"])


def test_parsers() -> None:
    assert parse_numbers("2,1", "--weights", 2) == (2.0, 1.0)
    assert parse_numbers("4e7", "--funds") == (4e7,)
    with pytest.raises(PlanInputError, match="--weights: expected 2 numbers"):
        parse_numbers("1", "--weights", 2)
    with pytest.raises(PlanInputError, match="--funds: expected comma-separated"):
        parse_numbers("a,b", "--funds")
    assert parse_assignments(["Antimony=6", "cobalt = 3"], "--lead-months") == {
        "antimony": 6.0,
        "cobalt": 3.0,
    }
    with pytest.raises(PlanInputError, match="MATERIAL=NUMBER"):
        parse_assignments(["antimony"], "--lead-months")
