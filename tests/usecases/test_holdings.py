"""Holdings for the models: ledger lots on each material's reference basis (V2O5 -> V)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from stockpile import ledger
from stockpile.usecases import SimulationRequest, ledger_holdings, simulate_scenario

LB = Decimal("0.45359237")  # kg per pound (exact, by definition)
# V2O5: 2 x 50.9415 / (2 x 50.9415 + 5 x 15.999) = 0.5602 kg V per kg V2O5 (IUPAC weights)
V_PER_V2O5 = 0.56017


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = ledger.make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade(engine)
    with ledger.make_sessionmaker(engine)() as s:
        ledger.add_user(s, name="ada", roles=["admin"], actor="ada")
        ledger.create_depot(s, code="MW", name="Midwest", location="Hammond, IN", actor="ada")
        ledger.record_opening_lot(
            s,
            code="V-01",
            material="vanadium",
            quantity=400_000,
            unit="pound",
            basis="V2O5",
            depot="MW",
            actor="ada",
            acquired_on=date(2011, 2, 1),
        )
        yield s
    engine.dispose()


def test_v2o5_lot_enters_the_models_as_vanadium_content(session: Session) -> None:
    held = ledger_holdings(session)
    (v,) = held.items
    assert (v.material, v.unit, v.basis) == ("vanadium", "metric_ton", "V content")
    # 400,000 lb = 181.437 t of V2O5 = 101.6 t of V (not 181 t of V)
    assert v.quantity == pytest.approx(float(400_000 * LB) / 1000 * V_PER_V2O5, rel=1e-4)
    assert v.quantity == pytest.approx(101.64, abs=0.01)
    assert v.lots == 1 and v.lots_left_out == 0


def test_days_of_cover_agree_between_ledger_and_simulation(
    session: Session, tmp_path: Path
) -> None:
    (view,) = ledger.holdings(session)
    assert view.days_of_cover is not None and view.consumption_year is not None
    # a scenario that serves every class (days of cover against all U.S. consumption) on the
    # ledger's consumption year, with no disruption
    scenario = {
        "name": "vanadium-cover",
        "horizon_months": 1,
        "materials": ["vanadium"],
        "baseline": {"year": view.consumption_year},
        "assumptions": {
            "elasticity": {"demand": -0.2, "supply": 0.1},
            "demand_split": {"defence": 0.2, "essential": 0.3},
        },
        "events": [],
        "responses": [],
        "stockpile": {"trigger": "shortfall", "serve": ["defence", "essential", "other"]},
    }
    path = tmp_path / "vanadium.yaml"
    path.write_text(yaml.safe_dump(scenario))
    run = simulate_scenario(
        SimulationRequest(scenario=str(path), runs=4, seed=0), holdings=ledger_holdings(session)
    )
    (v,) = run.report.materials
    assert v.initial_stock == pytest.approx(101.64, abs=0.01)
    # the ledger's figure is rounded to 0.1 day on a 365-day year, the simulation's is
    # exact on 365.25 days: 2.85 days of cover each (5.1 if the lot were counted as V)
    assert v.days_of_cover.mean == pytest.approx(float(view.days_of_cover), abs=0.05 + 0.01)
    assert v.days_of_cover.mean == pytest.approx(2.85, abs=0.01)


def test_no_depot_capacity_leaves_the_release_unbounded(session: Session) -> None:
    held = ledger_holdings(session)
    (v,) = held.items
    assert v.monthly_release_capacity is None
    assert held.release_capacity_input() is None
    assert "release unbounded (no depot capacity): vanadium at MW" in held.note


def test_depot_capacity_on_the_reference_basis(session: Session) -> None:
    # 20,000 lb of V2O5 a month = 9.072 t of V2O5 = 5.082 t of V a month
    ledger.set_depot_capacity(
        session,
        depot="MW",
        material="vanadium",
        monthly_release_capacity=20_000,
        unit="pound",
        actor="ada",
    )
    held = ledger_holdings(session)
    (v,) = held.items
    expected = float(20_000 * LB) / 1000 * V_PER_V2O5
    assert v.monthly_release_capacity == pytest.approx(expected, rel=1e-4)
    assert held.release_capacity_input() == {"vanadium": (v.monthly_release_capacity, "metric_ton")}


def test_capacity_sums_over_depots_and_a_depot_without_one_is_unbounded(
    session: Session,
) -> None:
    ledger.create_depot(
        session, code="S", name="South", location="illustrative", actor="ada",
        monthly_release_capacity=5, capacity_unit="metric_ton",
    )  # fmt: skip
    ledger.record_opening_lot(
        session, code="V-02", material="vanadium", quantity=10, unit="metric_ton",
        basis="V content", depot="S", actor="ada", acquired_on=date(2012, 1, 1),
    )  # fmt: skip
    (v,) = ledger_holdings(session).items
    assert v.monthly_release_capacity is None  # MW has no capacity: unbounded
    ledger.set_depot_capacity(
        session, depot="MW", material="vanadium", monthly_release_capacity=2,
        unit="metric_ton", actor="ada",
    )  # fmt: skip
    (v,) = ledger_holdings(session).items
    # MW: 2 t of V2O5 = 1.120 t of V; S: its overall 5 t of V content
    assert v.monthly_release_capacity == pytest.approx(2 * V_PER_V2O5 + 5.0, rel=1e-4)
