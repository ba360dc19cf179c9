"""The planner sizes on the gaps the monthly release capacity can serve (hand-solved)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from stockpile.plan import MaterialLimits, PlanInputError, limits_within_release
from stockpile.simulate import parse_scenario
from stockpile.simulate.compare import compare_scenarios
from stockpile.usecases import RobustRequest, SizeRequest, robust_plan, size_plan

HandCase = Callable[[str, str], dict[str, Any]]


def _scenario(hand_case: HandCase, tmp_path: Path, capacity: float | None) -> str:
    data = hand_case("antimony", "capacity-hand-case")
    if capacity is not None:
        data["stockpile"]["release_capacity"] = [
            {"material": "antimony", "capacity": capacity, "unit": "t", "illustrative": True}
        ]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _size(path: str) -> Any:
    return size_plan(
        SizeRequest(
            budget=1e12,
            scenarios=(path,),
            runs=20,
            check_batches=0,
            weigh_cost=False,
            use_caps=False,
            use_holdings=False,
        )
    )


def test_hand_case_buys_what_the_capacity_can_release(hand_case: HandCase, tmp_path: Path) -> None:
    # 10 t/month over the 6 months of the gap: 60 t servable, 120 t beyond capacity
    report = _size(_scenario(hand_case, tmp_path, 10.0))
    (line,) = report.plan.materials
    assert line.quantity == pytest.approx(60.0, rel=1e-9)
    assert report.terms is not None
    (cap,) = report.terms.beyond_capacity
    assert cap.release_capacity == pytest.approx(10.0)
    assert cap.unmet_t_before["essential"] == pytest.approx(120.0, rel=1e-9)
    assert cap.unmet_t_after == cap.unmet_t_before
    assert float(cap.unmet_usd_before["essential"]) > 0
    assert "unmet beyond release capacity antimony" in report.to_text()


def test_without_capacity_the_whole_gap_is_bought(hand_case: HandCase, tmp_path: Path) -> None:
    report = _size(_scenario(hand_case, tmp_path, None))
    (line,) = report.plan.materials
    assert line.quantity == pytest.approx(180.0, rel=1e-9)
    assert report.terms is not None and report.terms.beyond_capacity == []


@pytest.mark.parametrize("capacity", [0.0, 4.0, 25.0, 50.0])
def test_purchase_never_exceeds_what_the_capacity_releases(
    hand_case: HandCase, tmp_path: Path, capacity: float
) -> None:
    report = _size(_scenario(hand_case, tmp_path, capacity))
    (line,) = report.plan.materials
    assert line.quantity <= 6 * min(capacity, 30.0) * (1 + 1e-9) + 1e-9
    assert line.quantity == pytest.approx(6 * min(capacity, 30.0), abs=1e-6)


def _robust(path: str) -> Any:
    return robust_plan(
        RobustRequest(
            budget=1e12,
            scenario=path,
            supplier="CHN",
            use_caps=False,
            use_holdings=False,
            compare_expected=False,
        )
    )


def test_robust_plan_buys_at_most_what_the_horizon_can_release(
    hand_case: HandCase, tmp_path: Path
) -> None:
    # the supplier's best answer bans all 1,200 t of U.S. imports over the 12 months; the
    # depots release at most 10 t/month x 12 months = 120 t, so the robust purchase is 120 t
    bounded = _robust(_scenario(hand_case, tmp_path, 10.0))
    (line,) = bounded.materials
    assert line.robust_quantity == pytest.approx(120.0, rel=1e-9)
    assert any("at most 120.0 metric_ton released" in n for n in bounded.notes)
    free = _robust(_scenario(hand_case, tmp_path, None))
    (line,) = free.materials
    assert line.robust_quantity > 120.0 * 1.5


def test_limits_within_release_hand_case() -> None:
    limits = MaterialLimits(
        np.array([100.0, 20.0, 50.0]),
        np.full(3, np.inf),
        np.array([np.inf, np.inf, 10.0]),
        np.full(3, np.inf),
    )
    out, bounded = limits_within_release(limits, [60.0, 60.0, np.inf])
    assert out.holdings.tolist() == [60.0, 20.0, 50.0]
    assert out.quantity_limits.tolist() == [0.0, 40.0, 10.0]
    assert bounded == (0, 1)
    with pytest.raises(PlanInputError, match="releasable"):
        limits_within_release(limits, [np.nan, 1.0, 1.0])


def test_compare_releases_at_most_the_capacity(hand_case: HandCase, tmp_path: Path) -> None:
    # 100 t held against the 30 t/month gap: unbounded, 100 t released (80 t short); at
    # 10 t/month, 60 t released over the 6 months (120 t short) and 40 t left
    base = parse_scenario(yaml.safe_load(Path(_scenario(hand_case, tmp_path, None)).read_text()))
    held = {"antimony": (100.0, "metric_ton")}
    free = compare_scenarios(base, [], runs=10, seed=0, holdings=held)
    bounded = compare_scenarios(
        base, [], runs=10, seed=0, holdings=held,
        release_capacity={"antimony": (10.0, "metric_ton")}, release_capacity_note="test",
    )  # fmt: skip
    (f,), (b,) = free.variants[0].materials, bounded.variants[0].materials
    assert f.shortfall_by_class["essential"] == pytest.approx(80.0, rel=1e-9)
    assert b.shortfall_by_class["essential"] == pytest.approx(120.0, rel=1e-9)
    assert f.days_of_cover_end == pytest.approx(0.0, abs=1e-9)
    assert b.days_of_cover_end is not None and b.days_of_cover_end > 0
