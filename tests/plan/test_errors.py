"""Bad input: clear errors naming the field or the binding constraint."""

from __future__ import annotations

import numpy as np
import pytest

import stockpile.plan as plan_pkg
from stockpile.plan import (
    InfeasiblePlanError,
    MaterialLimits,
    Objective,
    ObjectiveKind,
    PlanInputError,
    PriceCurve,
    ShortfallSample,
    SizingMethod,
    SizingProblem,
    size_stockpile,
)


def _sample(**overrides: object) -> ShortfallSample:
    base: dict[str, object] = {
        "materials": ("antimony", "cobalt"),
        "gaps": np.ones((3, 2, 2)),
        "class_names": ("defence", "essential civilian"),
        "class_weights": np.array([2.0, 1.0]),
        "scenario_weights": np.full(3, 1 / 3),
        "unit_prices": np.array([50.0, 30.0]),
        "units": ("metric_ton", "metric_ton"),
    }
    base.update(overrides)
    return ShortfallSample(**base)  # type: ignore[arg-type]


def _curves() -> tuple[PriceCurve, ...]:
    return (PriceCurve.flat(50.0), PriceCurve.flat(30.0))


def test_negative_budget_names_budget() -> None:
    with pytest.raises(InfeasiblePlanError, match="budget") as info:
        SizingProblem(_sample(), -1.0, _curves(), MaterialLimits.none(2))
    assert info.value.binding == ("budget >= 0",)


def test_holdings_above_ceiling_names_material() -> None:
    limits = MaterialLimits(
        np.array([0.0, 10.0]), np.full(2, np.inf), np.full(2, np.inf), np.array([5.0, 8.0])
    )
    with pytest.raises(InfeasiblePlanError, match=r"cobalt.*inconsistent with holdings") as info:
        SizingProblem(_sample(), 1.0, _curves(), limits)
    assert info.value.binding == ("max_stock[cobalt]",)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gaps": -np.ones((3, 2, 2))}, "gaps"),
        ({"gaps": np.ones((3, 2))}, "gaps"),
        ({"gaps": np.full((3, 2, 2), np.nan)}, "gaps"),
        ({"class_weights": np.array([1.0, 2.0])}, "class_weights"),
        ({"scenario_weights": np.array([0.5, 0.5, 0.5])}, "scenario_weights"),
        ({"unit_prices": np.array([1.0])}, "unit_prices"),
        ({"materials": ("antimony", "antimony")}, "materials"),
        ({"gaps": [["a"]]}, "gaps"),
    ],
)
def test_sample_field_errors(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(PlanInputError) as info:
        _sample(**overrides)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_price_curve_must_be_convex() -> None:
    with pytest.raises(PlanInputError, match="non-decreasing"):
        PriceCurve(np.array([10.0, np.inf]), np.array([5.0, 4.0]))
    with pytest.raises(PlanInputError, match="only the last tranche"):
        PriceCurve(np.array([np.inf, 1.0]), np.array([5.0, 6.0]))


def test_objective_errors() -> None:
    with pytest.raises(PlanInputError, match="unknown 'median'"):
        Objective.parse("median")
    with pytest.raises(PlanInputError, match="alpha"):
        Objective(ObjectiveKind.CVAR, 1.0)
    assert Objective.parse("cvar:0.95") == Objective(ObjectiveKind.CVAR, 0.95)
    prob = SizingProblem(_sample(), 10.0, _curves(), MaterialLimits.none(2))
    with pytest.raises(PlanInputError, match="expected objective only"):
        size_stockpile(prob, Objective(ObjectiveKind.CVAR), SizingMethod.EXACT)
    with pytest.raises(PlanInputError, match=r"objective\.scenarios"):
        size_stockpile(prob, Objective(ObjectiveKind.WORST, scenarios=(7,)))


def test_limits_length_mismatch() -> None:
    with pytest.raises(PlanInputError, match="limits"):
        SizingProblem(_sample(), 1.0, _curves(), MaterialLimits.none(3))
    with pytest.raises(PlanInputError, match="curves"):
        SizingProblem(_sample(), 1.0, _curves()[:1], MaterialLimits.none(2))


def test_public_names_pinned() -> None:
    public = {n for n in dir(plan_pkg) if not n.startswith("_")}
    modules = {
        "adapters",
        "inputs",
        "buffer",
        "contracts",
        "cutting",
        "forms",
        "errors",
        "exact",
        "loss",
        "lp",
        "solver",
        "problem",
        "programme",
        "result",
        "robust",
        "schedule",
        "sizing",
        "terms",
        "validation",
        "value",
    }
    assert public - modules == set(plan_pkg.__all__)
    assert len(plan_pkg.__all__) == len(set(plan_pkg.__all__))
