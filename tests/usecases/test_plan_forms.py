"""Buying a material in an upstream form: served only through conversion (hand-solved)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from stockpile.usecases import (
    FormsRequest,
    SizeRequest,
    UseCaseInputError,
    plan_forms,
    size_plan,
)

W_PER_T = 47_920.0  # USD per t of W content: 380 USD/mtu WO3 (2025e) / 7.93 kg W per mtu


HandCase = Callable[[str, str], dict[str, Any]]


def _scenario(hand_case: HandCase, tmp_path: Path) -> str:
    # the hand case's essential gap of 30 t/month for 6 months. Tungsten ore converted abroad
    # at K = 10 t/month from month L = 2, or only in China (cut): no conversion outside the
    # cut country.
    lot = {"material": "tungsten", "form": "mine", "quantity": 100, "unit": "t"}
    data: dict[str, Any] = {
        **hand_case("tungsten", "tungsten-ore-hand-case"),
        "form_comparison": [
            {
                "id": "ore-abroad",
                "lots": [
                    dict(lot, illustrative=True, conversion_capacity={"VNM": 10.0},
                         conversion_lead_months=2)
                ],
            },
            {
                "id": "ore-in-china",
                "lots": [
                    dict(lot, illustrative=True, conversion_capacity={"CHN": 1000.0},
                         conversion_lead_months=2)
                ],
            },
        ],
    }  # fmt: skip
    path = tmp_path / "tungsten.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _size(path: str, form: str) -> Any:
    return size_plan(
        SizeRequest(
            budget=1e12,
            scenarios=(path,),
            runs=20,
            check_batches=0,
            weigh_cost=False,
            use_caps=False,
            use_holdings=False,
            forms=(f"tungsten={form}",),
        )
    )


def test_ore_with_conversion_k_from_month_l(hand_case: HandCase, tmp_path: Path) -> None:
    # months 2..5 of the gap, 10 t/month: 40 t servable, 140 t beyond
    report = _size(_scenario(hand_case, tmp_path), "ore-abroad")
    (line,) = report.plan.materials
    assert line.quantity == pytest.approx(40.0, rel=1e-9)
    assert report.terms is not None
    (terms,) = report.terms.materials
    assert terms.form == "mine"
    assert terms.price is not None and terms.price.usd_per_unit == pytest.approx(W_PER_T)
    assert "ore/concentrate price" in terms.price.source
    assert float(terms.cost_usd) == pytest.approx(40.0 * W_PER_T, rel=1e-9)
    (cap,) = report.terms.beyond_capacity
    assert cap.form == "mine" and cap.conversion_capacity == pytest.approx(10.0)
    assert cap.unmet_t_before["essential"] == pytest.approx(140.0, rel=1e-9)


def test_ore_with_no_conversion_outside_the_cut_country_serves_nothing(
    hand_case: HandCase, tmp_path: Path
) -> None:
    report = _size(_scenario(hand_case, tmp_path), "ore-in-china")
    (line,) = report.plan.materials
    assert line.quantity == pytest.approx(0.0, abs=1e-9)
    assert report.terms is not None
    (cap,) = report.terms.beyond_capacity
    assert cap.unmet_t_before["essential"] == pytest.approx(180.0, rel=1e-9)


def test_arrival_form_buys_the_whole_gap_and_says_its_form(
    hand_case: HandCase, tmp_path: Path
) -> None:
    report = _size(_scenario(hand_case, tmp_path), "refined")
    assert report.plan.materials[0].quantity == pytest.approx(180.0, rel=1e-9)
    assert report.terms is not None and report.terms.materials[0].form == "refined"


def test_forms_side_by_side(hand_case: HandCase, tmp_path: Path) -> None:
    report = plan_forms(FormsRequest(scenario=_scenario(hand_case, tmp_path), budget=1e12, runs=20))
    by = {ln.option: ln for ln in report.lines}
    assert set(by) == {"refined", "ore-abroad", "ore-in-china"}
    assert sum(by["ore-abroad"].servable_t.values()) == pytest.approx(40.0, rel=1e-9)
    assert sum(by["ore-in-china"].servable_t.values()) == pytest.approx(0.0, abs=1e-9)
    assert sum(by["refined"].servable_t.values()) == pytest.approx(180.0, rel=1e-9)
    assert all(ln.price is not None for ln in report.lines)
    # the same gaps on the same draws; the ore stock in China leaves all of it unmet
    assert by["ore-in-china"].unmet_t_after == by["ore-in-china"].unmet_t_before
    assert "ore-abroad" in report.to_text()


def test_unpriced_form_is_refused_naming_the_field() -> None:
    with pytest.raises(UseCaseInputError, match=r"form\.rare earths: unpriced"):
        size_plan(
            SizeRequest(
                budget=1e9,
                scenarios=("china-rare-earths-2025",),
                runs=10,
                check_batches=0,
                forms=("rare earths=concentrate-separated-abroad",),
            )
        )


def test_unpriced_forms_compare_by_quantity() -> None:
    report = plan_forms(FormsRequest(budget=1e9, runs=50, quantity=200.0))
    assert report.material == "rare earths"
    assert all(ln.price is None and ln.cost_usd is None and not ln.sized for ln in report.lines)
    assert all(ln.quantity == 200.0 for ln in report.lines)
    by = {ln.option: ln for ln in report.lines}
    assert sum(by["concentrate-separated-in-china"].servable_t.values()) == 0.0
    assert "unpriced" in report.to_text()
