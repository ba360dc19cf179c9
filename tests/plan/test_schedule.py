"""Multi-year procurement: hand case, binding constraints named, limits never exceeded."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.plan import (
    InfeasiblePlanError,
    PlanInputError,
    ScheduleProblem,
    fiscal_year,
    fiscal_year_start,
    schedule_procurement,
)
from stockpile.usecases import ScheduleReport


def _problem(**overrides: object) -> ScheduleProblem:
    base: dict[str, object] = {
        "materials": ("cobalt", "antimony"),
        "units": ("metric_ton", "metric_ton"),
        "targets": np.array([300.0, 100.0]),
        "unit_prices": np.array([1.0, 2.0]),
        "fiscal_years": (2026, 2027, 2028),
        "funds": np.array([200.0, 200.0, 200.0]),
        "annual_limits": np.array([150.0, np.inf]),
        "contract_min": np.array([2.0, 0.0]),
        "contract_ceiling": np.array([500.0, 245.0]),
        "lead_months": np.array([6.0, 3.0]),
        "world_production": np.array([1000.0, 500.0]),
        "pacing_share": 0.12,
    }
    base.update(overrides)
    return ScheduleProblem(**base)  # type: ignore[arg-type]


def test_fiscal_years() -> None:
    assert fiscal_year(date(2025, 10, 1)) == 2026
    assert fiscal_year(date(2025, 9, 30)) == 2025
    assert fiscal_year_start(2026) == date(2025, 10, 1)


def test_hand_schedule() -> None:
    # cobalt: at most min(150, 0.12 * 1000) = 120 t/FY; antimony: 60 t/FY (pacing).
    # Earliest delivery: cobalt 120, 120, 60; antimony 60, 40; FY2026 spends 120 + 120 = 240
    # > 200, so funds bind: cumulative money 200, 400, 600.
    sched = schedule_procurement(_problem())
    q = sched.quantities
    np.testing.assert_allclose(q.sum(axis=1), [300.0, 100.0], rtol=1e-9)
    assert (q <= np.array([[120.0], [60.0]]) + 1e-9).all()
    cum = np.cumsum(sched.spending_by_year)
    assert (cum <= np.cumsum([200.0, 200.0, 200.0]) + 1e-6).all()
    assert cum[0] == pytest.approx(200.0)
    first = sched.lines[0]
    assert first.order_date == date(2025, 10, 1)
    cobalt = next(ln for ln in sched.lines if ln.material == "cobalt")
    assert cobalt.delivery_date == date(2026, 4, 1)
    assert "FY2026" in ScheduleReport.of(sched, []).to_text()  # the table the CLI prints
    assert sched.to_csv().count("\n") == len(sched.lines) + 1


@pytest.mark.parametrize(
    ("overrides", "binding"),
    [
        (
            {"annual_limits": np.array([90.0, np.inf]), "pacing_share": np.inf},
            "annual plan limit[cobalt]",
        ),
        ({"pacing_share": 0.05}, "pacing limit[cobalt]"),
        ({"contract_ceiling": np.array([250.0, 245.0])}, "contract_ceiling[cobalt]"),
        ({"contract_min": np.array([400.0, 0.0])}, "contract_min[cobalt]"),
        ({"funds": np.array([100.0, 100.0, 100.0])}, "funds"),
        ({"funds": np.array([0.0, 0.0, 600.0])}, "funds[cobalt]"),
    ],
)
def test_infeasible_names_binding_constraint(overrides: dict[str, object], binding: str) -> None:
    with pytest.raises(InfeasiblePlanError) as info:
        schedule_procurement(_problem(**overrides))
    assert binding in info.value.binding
    assert binding.split("[")[0] in str(info.value)


def test_bad_schedule_inputs() -> None:
    with pytest.raises(PlanInputError, match="fiscal_years"):
        _problem(fiscal_years=(2026, 2028, 2029))
    with pytest.raises(PlanInputError, match="funds"):
        _problem(funds=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(PlanInputError, match="world_production: unknown for cobalt"):
        _problem(world_production=np.array([np.nan, 500.0]))


@settings(max_examples=30, deadline=None)
@given(
    targets=st.lists(st.floats(0, 500), min_size=2, max_size=2),
    limits=st.lists(st.floats(10, 300), min_size=2, max_size=2),
    funds=st.lists(st.floats(0, 800), min_size=3, max_size=3),
    share=st.floats(0.02, 1.0),
)
def test_schedule_respects_limits(
    targets: list[float], limits: list[float], funds: list[float], share: float
) -> None:
    prob = _problem(
        targets=np.array(targets),
        annual_limits=np.array(limits),
        funds=np.array(funds),
        pacing_share=share,
        contract_min=np.zeros(2),
        contract_ceiling=np.full(2, np.inf),
    )
    try:
        sched = schedule_procurement(prob)
    except InfeasiblePlanError as err:
        assert err.binding
        return
    q = sched.quantities
    np.testing.assert_allclose(q.sum(axis=1), targets, rtol=1e-7, atol=1e-7)
    assert (q <= prob.yearly_cap[:, None] * (1 + 1e-9) + 1e-9).all()
    assert (np.cumsum(sched.spending_by_year) <= np.cumsum(funds) * (1 + 1e-9) + 1e-6).all()
