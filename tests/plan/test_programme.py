"""Programmes, values of lost use, requirement planning and the planner's terms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stockpile.plan import (
    Consumption,
    LossValues,
    MaterialLossValue,
    Objective,
    PlanInputError,
    PriceCurve,
    ShortfallSample,
    SizingProblem,
    builtin_programme,
    builtin_programmes,
    parse_loss_value,
    parse_programme,
    plan_terms,
    programme_inputs,
    size_stockpile,
)
from stockpile.pricing import unit_price
from stockpile.usecases import TermsTable


def _prog(**entry: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"spend_cap_usd": 1e6, "source": "test"}
    base.update(entry)
    return {"name": "t", "materials": {"antimony": base}}


def test_builtin_dla_2025() -> None:
    assert "dla-2025" in builtin_programmes()
    p = builtin_programme("dla-2025")
    assert p.materials == ("cobalt", "antimony", "tantalum", "scandium")
    caps = {e.material: e.spend_cap_usd for e in p.entries}
    assert caps == {"cobalt": 5e8, "antimony": 2.45e8, "tantalum": 1e8, "scandium": 4e7}
    sb = p.entry("antimony")
    assert sb is not None and sb.contract == "US-DLA-SB-2025"
    assert sb.quantity_cap is not None
    assert sb.quantity_cap.to("metric_ton") == pytest.approx(6.7e6 * 0.45359237 / 1000)
    sc = p.entry("scandium")
    assert (
        sc is not None and sc.requirement is not None and "US-DLA-SC-2025" in sc.requirement.source
    )
    assert all(e.source for e in p.entries)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "t", "materials": {"unobtainium": {"source": "x"}}},
            r"^programme\.materials\.unobtainium: unknown material",
        ),
        (_prog(source=""), r"^programme\.materials\.antimony\.source: is missing"),
        (
            _prog(requirement={"quantity": 5, "unit": "metric_ton"}),
            r"requirement\.source: a requirement needs its source",
        ),
        (_prog(spend_cap_usd=-1), r"spend_cap_usd: must be >= 0"),
        (
            _prog(quantity_cap={"quantity": 5, "unit": "furlong"}),
            r"quantity_cap\.unit: not a mass unit",
        ),
        (_prog(contract="X"), r"\.contract: a contract price needs spend_cap_usd and quantity_cap"),
        (_prog(colour="red"), r"antimony\.colour: unknown field"),
    ],
)
def test_bad_programmes_name_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanInputError, match=message):
        parse_programme(data)


def test_stock_ceiling_below_holdings_is_an_error() -> None:
    p = parse_programme(_prog(stock_ceiling={"quantity": 100, "unit": "metric_ton"}))
    with pytest.raises(PlanInputError, match=r"stock_ceiling: 100 metric_ton is below the 300"):
        p.limits(("antimony",), ("metric_ton",), (300.0,))


def test_unknown_builtin_programme() -> None:
    with pytest.raises(PlanInputError, match=r"^--programme: unknown programme 'nds'"):
        builtin_programme("nds")


def test_loss_values_parse_and_convert() -> None:
    ov = parse_loss_value("antimony=5,2")
    assert ov.values == (5.0, 2.0, 0.0) and ov.unit == ""
    usd = parse_loss_value("antimony=400000,200000 USD/metric_ton")
    assert usd.unit == "metric_ton"
    lv = LossValues(overrides={"antimony": usd, "cobalt": MaterialLossValue("cobalt", (4, 2, 1))})
    v = lv.class_values(
        ("antimony", "cobalt", "tin"),
        ("defence", "essential"),
        np.array([50_000.0, 40.0, 30_000.0]),
        [1000.0, 1.0, 1000.0],
    )
    assert v.tolist() == [[400_000.0, 200_000.0], [160.0, 80.0], [300_000.0, 90_000.0]]
    with pytest.raises(PlanInputError, match=r"^--loss-value: cannot read"):
        parse_loss_value("antimony:5")
    with pytest.raises(PlanInputError, match=r"must not rise from defence to other"):
        parse_loss_value("antimony=1,2")


def _sample() -> ShortfallSample:
    gaps = np.array([[[0.0, 100.0]], [[50.0, 100.0]], [[0.0, 0.0]], [[10.0, 20.0]]])
    return ShortfallSample.uniform(
        ["antimony"], gaps, unit_prices=[55_120.0], class_weights=[2.0, 1.0],
        class_names=["defence", "essential"],
    )  # fmt: skip


def test_requirement_planning_and_terms() -> None:
    prog = builtin_programme("dla-2025")
    inp = programme_inputs(_sample(), prog, {"antimony": 20.0})
    assert inp.sample.materials == ("antimony", "scandium")
    j = inp.sample.materials.index("scandium")
    # scandium: 6,000 kg Sc2O3 = 6 t of unmet defence demand in every scenario
    assert (inp.sample.gaps[:, j, 0] == 6.0).all() and (inp.sample.gaps[:, j, 1] == 0).all()
    assert any("cobalt" in n and "nothing bought" in n for n in inp.notes)
    assert any("scandium: planned against its requirement" in n for n in inp.notes)
    # antimony is priced at its contract: 245 M USD / 6.7 M lb
    sb = inp.prices["antimony"]
    assert sb.usd_per_unit == pytest.approx(245e6 / (6.7e6 * 0.45359237) * 1000)
    assert "US-DLA-SB-2025" in sb.source and sb.year == 2025
    sc = inp.prices["scandium"]
    assert sc.usd_per_unit == pytest.approx(unit_price("scandium").usd_per_kg * 1000)
    curves = tuple(PriceCurve.flat(inp.prices[m].usd_per_unit) for m in inp.sample.materials)
    plan = size_stockpile(
        SizingProblem(inp.sample, 1e9, curves, inp.limits), Objective(weigh_cost=True)
    )
    assert plan.quantities[j] == pytest.approx(6.0)
    cons = {"antimony": Consumption(365.0, 73.0)}
    terms = plan_terms(plan, inp.sample, inp.prices, cons)
    sbt = terms.materials[0]
    # days of cover = held / (consumption / 365): 20 t at 1 t/day total, 0.2 t/day priority
    assert sbt.cover_total_before == pytest.approx(20.0)
    assert sbt.cover_priority_before == pytest.approx(100.0)
    assert sbt.p_short_before == pytest.approx(0.75)
    sct = terms.materials[j]
    assert sct.unmet_t_before["defence"] == pytest.approx(6.0)
    assert sct.unmet_t_after["defence"] == pytest.approx(0.0)
    assert sct.p_short_before == 1.0 and sct.p_short_after == 0.0
    assert terms.after.expected <= terms.before.expected
    zeros = [0.0] * len(terms.materials)
    assert "days cover = held" in TermsTable.of(terms, zeros, zeros).to_text()
