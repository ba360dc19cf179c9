"""The demo stockpile and the command line, end to end."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from stockpile import ledger
from stockpile.ledger.demo import load_demo
from stockpile.service.cli.ledger import register

# The ledger's commands on a root of their own (the same ``register`` the main CLI calls).
app = typer.Typer()
register(app)


def test_demo_holds_illustrative_lots_and_the_real_2025_items(session: Session) -> None:
    summary = load_demo(session, actor="admin")
    assert (summary.depots, summary.lots, summary.materials) == (5, 31, 30)
    lots = ledger.list_lots(session)
    assert len(lots) == 31 and all(lot.illustrative for lot in lots)
    assert all(d.illustrative for d in ledger.list_depots(session))
    contracts = {c.number: c for c in ledger.list_contracts(session)}
    sb = contracts["DLA-SB-IDIQ-2025"]
    assert (sb.ceiling, sb.max_quantity, sb.unit, sb.depot) == (
        Decimal("245000000.00"),
        Decimal(6_700_000),
        "pound",
        "SCOTIA",
    )
    assert (sb.orders[0].quantity, sb.orders[0].value) == (Decimal(315_000), Decimal(10_000_000))
    assert "US-DLA-SB-2025" in sb.source
    co = contracts["DLA-CO-SOLICITATION-2025"]
    assert (co.status, co.max_quantity, co.minimum_guarantee) == (
        "cancelled",
        Decimal(7480),
        Decimal("2000000.00"),
    )
    caps = {c.material: c.ceiling for c in ledger.list_caps(session)}
    assert caps == {
        "antimony": Decimal("245e6"),
        "cobalt": Decimal("500e6"),
        "tantalum": Decimal("100e6"),
        "scandium": Decimal("40e6"),
    }
    (fund,) = ledger.list_funds(session)
    assert fund.balance == Decimal(2_000_000_000) and "US-NDS-OBBBA" in fund.source
    assert ledger.verify_journal(session).ok
    with pytest.raises(ledger.StateError):
        load_demo(session, actor="admin")


def test_cli_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"STOCKPILE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    assert "no ledger yet" in run("ledger", "depots", code=2)
    run("db", "upgrade")
    run("demo", "load", "--user", "boss")
    holdings = json.loads(run("ledger", "holdings", "--json"))
    assert len(holdings) == 30 and all(h["illustrative"] for h in holdings)
    sb = next(h for h in holdings if h["material"] == "antimony")
    assert sb["market_value"] is not None and sb["days_of_cover"] is not None
    assert "illustrative" in run("ledger", "holdings")
    out = run(
        "ledger",
        "release",
        "request",
        "antimony",
        "1000",
        "lb",
        "--recipient",
        "Army",
        "--purpose",
        "economic",
        "--basis",
        "presidential-order",
        "--user",
        "demo-analyst",
        code=2,
    )
    assert "never allowed" in out
    run(
        "ledger",
        "release",
        "request",
        "antimony",
        "1000",
        "lb",
        "--recipient",
        "Army",
        "--purpose",
        "national-defence",
        "--basis",
        "presidential-order",
        "--user",
        "demo-analyst",
    )
    assert "needs the role" in run(
        "ledger", "release", "approve", "1", "--user", "demo-analyst", code=2
    )
    run("ledger", "release", "approve", "1", "--user", "demo-release-1")
    assert "report 1 written" in run(
        "ledger", "release", "execute", "1", "--user", "demo-contracting"
    )
    run("ledger", "adjust", "--reason", "stock", "--user", "demo-auditor", "--", "ILL-SB-01", "-5")
    lots = json.loads(run("ledger", "lots", "--material", "Sb", "--json"))
    assert lots[0]["quantity"] == "1198995.000000"
    for listing in ("depots", "contracts", "funds", "journal", "releases"):
        json.loads(run("ledger", listing, "--json"))
    out = run("ledger", "receive", "DLA-SB-DO-0001", "--user", "demo-contracting", code=2)
    assert "no Annual Materials Plan line for antimony" in out
    out = run(
        "ledger",
        "dispose",
        "ILL-CO-01",
        "5",
        "100000",
        "--buyer",
        "x",
        "--user",
        "demo-contracting",
        code=2,
    )
    assert "authorisation by law" in out
    assert "transferred to DEPOT-W" in run(
        "ledger",
        "transfer",
        "ILL-CO-01",
        "DEPOT-W",
        "--quantity",
        "5",
        "--user",
        "demo-contracting",
    )
    assert "loan 1 to DOE, due 2030-01-01" in run(
        "ledger",
        "lend",
        "ILL-NI-01",
        "10",
        "--borrower",
        "DOE",
        "--return-due",
        "2030-01-01",
        "--user",
        "demo-contracting",
    )
    run("ledger", "return-loan", "1", "--user", "demo-contracting")
    assert "converted into lot" in run(
        "ledger",
        "convert",
        "ILL-W-01",
        "1000",
        "--to-material",
        "tungsten",
        "--to-form",
        "powder",
        "--to-unit",
        "kg",
        "--yield",
        "0.5",
        "--user",
        "demo-contracting",
    )
    assert "effective 2026-02-15" in run(
        "ledger",
        "set-goal",
        "cobalt",
        "1000",
        "t",
        "--notified-on",
        "2026-01-01",
        "--reason",
        "requirements report",
        "--user",
        "boss",
    )
    assert json.loads(run("ledger", "goals", "--json"))[0]["effective_on"] == "2026-02-15"
    regimes = {r["key"]: r for r in json.loads(run("ledger", "regimes", "--json"))}
    assert regimes["us-nds"]["forbidden_purposes"] == ["budgetary", "economic"]
    assert "journal OK" in run("ledger", "verify")
    report = json.loads(run("ledger", "verify", "--json"))
    assert report["ok"] is True and report["entries"] == 42


def test_cli_users_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"STOCKPILE_DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    run("db", "upgrade")
    assert "first user must be the acting user" in run(
        "ledger", "add-user", "eve", "--role", "admin", "--user", "root", code=2
    )
    run("ledger", "add-user", "root", "--role", "admin", "--user", "root")
    assert "unknown role 'wizard'" in run(
        "ledger", "add-user", "eve", "--role", "wizard", "--user", "root", code=2
    )
    run("ledger", "add-user", "eve", "--role", "analyst", "--user", "root")
    assert "needs the role admin" in run(
        "ledger", "add-user", "mal", "--role", "admin", "--user", "eve", code=2
    )
    assert json.loads(run("ledger", "holdings", "--json")) == []
    assert "entries" in run("ledger", "verify")


def test_main_command_carries_the_ledger_groups() -> None:
    from stockpile.service.cli.main import app as root

    out = CliRunner().invoke(root, ["--help"])
    assert out.exit_code == 0
    lines = [line.strip("│ ") for line in out.output.splitlines()]
    for group in ("ledger", "db", "demo"):
        assert any(line.startswith(f"{group} ") for line in lines), out.output
