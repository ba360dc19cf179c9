"""``stockpile simulate --from-ledger`` reads holdings through the ledger's query API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpile.service.cli.main import app

ledger = pytest.importorskip("stockpile.ledger")


def _seed(url: str) -> None:
    engine = ledger.make_engine(url)
    ledger.upgrade(engine)
    with ledger.make_sessionmaker(engine)() as s:
        ledger.add_user(s, name="ada", roles=["admin"], actor="ada")
        ledger.add_user(s, name="carl", roles=["contracting-officer"], actor="ada")
        ledger.create_depot(s, code="SCOTIA", name="Scotia", location="Scotia, NY", actor="ada")
        ledger.create_fund(
            s,
            code="F",
            name="test fund",
            amount=20_000_000,
            actor="ada",
            kind="appropriation",
            allowed_uses=("acquisition",),
            at=datetime(2025, 7, 4, tzinfo=UTC),
        )
        ledger.set_plan_line(
            s,
            fiscal_year=2026,
            material="Sb",
            max_acquisition=1_000_000,
            max_disposal=0,
            unit="lb",
            actor="ada",
            source="test figure",
        )
        ledger.create_contract(
            s,
            number="C1",
            supplier="test supplier",
            material="antimony",
            form="ingot",
            unit="lb",
            ceiling=20_000_000,
            period_start=date(2025, 9, 23),
            period_end=date(2030, 9, 22),
            fund="F",
            actor="carl",
            max_quantity=1_000_000,
            price_terms="fixed price",
            depot="SCOTIA",
        )
        ledger.create_delivery_order(
            s,
            contract="C1",
            number="O1",
            quantity=315_000,
            value=10_000_000,
            due_date=date(2025, 12, 31),
            actor="carl",
        )
        ledger.receive_delivery(
            s, order="O1", actor="carl", at=datetime(2025, 11, 14, 15, tzinfo=UTC)
        )
    engine.dispose()


# the ledger's holdings query still calls the deprecated Result.tuples() (SQLAlchemy 2.1)
@pytest.mark.filterwarnings("ignore:The Result.tuples:DeprecationWarning")
def test_simulate_from_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    _seed(url)
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            "china-export-ban-us-2024",
            "--runs",
            "20",
            "--seed",
            "1",
            "--from-ledger",
            "--db",
            url,
            "--json",
        ],
    )
    assert res.exit_code == 0, (res.output, repr(res.exception))
    data = json.loads(res.output)
    assert data["holdings_note"].startswith("ledger holdings")
    sb = next(m for m in data["materials"] if m["material"] == "antimony")
    # 315,000 lb = 142.88 t; days of cover = 142.88 t / (28,600 t/yr x served share / 365.25)
    assert sb["days_of_cover"]["mean"] > 0
    ga = next(m for m in data["materials"] if m["material"] == "gallium")
    assert ga["days_of_cover"]["mean"] == 0
