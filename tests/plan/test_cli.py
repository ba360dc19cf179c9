"""``stockpile plan ...`` end to end: simulation -> plan -> schedule -> ledger contracts."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from stockpile import ledger
from stockpile.plan import fiscal_year
from stockpile.service.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["plan", *args])
    return res.exit_code, res.output


def test_size_json_within_caps(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    code, text_out = _run(
        "size", "--budget", "1e9", "--runs", "300", "--seed", "1", "--json", "--out", str(out)
    )
    assert code == 0, text_out
    data = json.loads(text_out)
    plan = data["plan"]
    assert float(plan["total_cost_usd"]) <= 1e9  # money: decimal strings
    assert float(plan["risk_after_usd"]) <= float(plan["risk_before_usd"])
    rows = {r["material"]: r for r in plan["materials"]}
    sb = rows["antimony"]
    assert float(sb["cost_usd"]) <= 245e6
    assert "US-DLA-SB-2025" in sb["cap_source"]
    assert "ILLUSTRATIVE" in data["holdings_note"]
    assert json.loads(out.read_text())["plan"] == plan


def test_size_cvar_text_and_bad_budget() -> None:
    code, out = _run("size", "--budget", "5e7", "--runs", "200", "--objective", "cvar:0.8")
    assert code == 0, out
    assert "objective cost + cvar:0.8" in out
    code, out = _run("size", "--budget", "-1", "--runs", "50")
    assert code == 2
    assert "budget" in out
    code, out = _run("size", "--budget", "1e6", "--runs", "50", "--objective", "median")
    assert code == 2 and "objective" in out


def test_closing_command_programme_prices_cover_and_check() -> None:
    code, out = _run(
        "size", "--budget", "1e9", "--programme", "dla-2025",
        "--scenario", "china-export-ban-us-2024", "--runs", "2000", "--check-batches", "3",
        "--json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert data["programme"] == "dla-2025" and data["price_year"] == 2025
    terms = {m["material"]: m for m in data["terms"]["materials"]}
    assert set(terms) == {"antimony", "scandium"}  # cobalt, tantalum: not in the scenario
    sb, sc = terms["antimony"], terms["scandium"]
    assert sb["price"]["year"] == 2025 and "US-DLA-SB-2025" in sb["price"]["source"]
    assert sb["price"]["usd_per_unit"] == pytest.approx(245e6 / (6.7e6 * 0.45359237) * 1000)
    assert sb["days_cover_total_before"] > 0 and sb["days_cover_priority_before"] > 0
    assert sc["quantity_t"] == pytest.approx(6.0)  # the requirement, 6,000 kg Sc2O3
    assert sc["unmet_t_after"]["defence"] == pytest.approx(0.0)
    before = float(data["terms"]["valued_shortfall_before"]["expected_usd"])
    after = float(data["terms"]["valued_shortfall_after"]["expected_usd"])
    assert after < before
    check = data["sample_check"]
    assert check["batches"] == 3 and check["relative_gap"] < 0.05
    assert any("cobalt" in n for n in data["notes"])
    code, out = _run("size", "--budget", "1e9", "--programme", "dla-2025", "--runs", "auto")
    assert code == 0, out
    assert "(auto)" in out and "sample check" in out and "days cover" in out


def test_tantalum_bought_on_its_content_basis() -> None:
    code, out = _run(
        "size", "--budget", "1e9", "--scenario", "us-planning-conflict", "--runs", "300",
        "--check-batches", "0", "--no-caps", "--no-cost", "--json",
    )  # fmt: skip
    assert code == 0, out
    terms = {m["material"]: m for m in json.loads(out)["terms"]["materials"]}
    ta, nb = terms["tantalum"], terms["niobium"]
    # 180 USD/kg Ta2O5 (2025) x 1.2210 kg Ta2O5 / kg Ta; 26 USD/kg ferroniobium / 0.65
    assert ta["price"]["usd_per_unit"] == pytest.approx(180 * 1000 * 1.22104, rel=1e-4)
    assert nb["price"]["usd_per_unit"] == pytest.approx(26 * 1000 / 0.65, rel=1e-9)
    assert float(ta["cost_usd"]) == pytest.approx(
        ta["quantity"] * ta["price"]["usd_per_unit"], rel=1e-9, abs=0.01
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "nds-1990"], "--programme: unknown programme 'nds-1990'"),
        (["--price-year", "2030"], "price_year: no"),
        (["--runs", "many"], "--runs: expected a number of runs or 'auto'"),
        (["--loss-value", "antimony:5"], "--loss-value: cannot read"),
    ],
)
def test_size_bad_input_names_the_field(args: list[str], message: str) -> None:
    code, out = _run("size", "--budget", "1e9", "--runs", "50", "--check-batches", "0", *args)
    assert code == 2 and message in out, out


def test_programme_file_with_unknown_material(tmp_path: Path) -> None:
    prog = tmp_path / "p.yaml"
    prog.write_text("name: p\nmaterials:\n  unobtainium: {spend_cap_usd: 1, source: x}\n")
    code, out = _run("size", "--budget", "1e9", "--runs", "50", "--programme", str(prog))
    assert code == 2 and "programme.materials.unobtainium: unknown material" in out, out


def test_robust_json() -> None:
    code, out = _run(
        "robust", "--budget", "2e8", "--measures", "2", "--no-holdings", "--runs", "300", "--json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["supplier"] == "CHN"
    assert data["comparison"] == "expected-value plan of the same budget"
    assert {m["material"] for m in data["materials"]} >= {"antimony"}
    robust = float(data["supplier_best_response"]["value_usd"])
    naive = float(data["supplier_best_response_to_naive"]["value_usd"])
    assert robust <= naive + 0.01
    assert len(data["supplier_best_response_to_naive"]["measures"]) <= 2
    code, out = _run("robust", "--budget", "1e8", "--supplier", "XXX")
    assert code == 2 and "supplier" in out


def test_buffer_band_json() -> None:
    code, out = _run(
        "buffer",
        "--material",
        "cobalt",
        "--fund",
        "5e8",
        "--capacity",
        "20000",
        "--initial-stock",
        "5000",
        "--half-life",
        "2",
        "--demand-elasticity",
        "-0.2",
        "--supply-elasticity",
        "0.1",
        "--floor",
        "38000",
        "--ceiling",
        "60000",
        "--paths",
        "100",
        "--months",
        "24",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["world_production_t_per_yr"] > 0
    assert 0.0 <= data["band"]["prob_collapse"] <= 1.0
    assert "annual average" in data["volatility_note"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated ledger with an admin, a contracting officer, a fund and a depot."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        engine = ledger.make_engine(url)
    else:
        base = os.environ.get("STOCKPILE_TEST_PG_URL")
        if not base:
            pytest.skip("STOCKPILE_TEST_PG_URL not set")
        schema = f"plan_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
        engine = create_engine(url)
    try:
        ledger.upgrade(engine)
        with ledger.make_sessionmaker(engine)() as s:
            ledger.add_user(s, name="ada", roles=["admin"], actor="ada")
            ledger.add_user(s, name="carl", roles=["contracting-officer"], actor="ada")
            ledger.create_depot(s, code="SCOTIA", name="Scotia", location="Scotia, NY", actor="ada")
            ledger.create_fund(s, code="NDS-2025", name="P.L. 119-21", amount=2e9, actor="ada")
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def test_schedule_and_apply(tmp_path: Path, ledger_url: str) -> None:
    fy = fiscal_year(dt.date.today())  # a schedule starts in the current fiscal year or later
    plan = tmp_path / "plan.json"
    sched = tmp_path / "schedule.json"
    code, out = _run("size", "--budget", "1e9", "--runs", "300", "--no-cost", "--out", str(plan))
    assert code == 0, out
    code, out = _run(
        "schedule",
        str(plan),
        "--start-fy",
        str(fy),
        "--funds",
        "4e7",
        "--lead-months",
        "antimony=6",
        "--out",
        str(sched),
    )
    assert code == 0, out
    assert f"FY{fy}" in out
    code, out = _run("schedule", str(plan), "--start-fy", str(fy), "--years", "2", "--funds", "1e6")
    assert code == 2 and "funds" in out
    code, out = _run("schedule", str(plan), "--start-fy", str(fy - 1), "--funds", "4e7")
    assert code == 2 and f"--start-fy: FY{fy - 1} ended on {fy - 1}-09-30" in out
    args = ["--fund", "NDS-2025", "--depot", "SCOTIA", "--supplier", "U.S. Antimony Corp."]
    code, out = _run("apply", str(sched), *args, "--actor", "carl", "--db", ledger_url)
    assert code == 0, out
    engine = ledger.make_engine(ledger_url)
    try:
        with ledger.make_sessionmaker(engine)() as s:
            contracts = ledger.list_contracts(s)
    finally:
        engine.dispose()
    orders = json.loads(sched.read_text())["orders"]
    assert [c.material for c in contracts] == ["antimony"]
    assert contracts[0].number.startswith("NDS-ANTIMONY")
    # a second apply is refused by the ledger (the contract number exists): clean error
    code, out = _run("apply", str(sched), *args, "--actor", "carl", "--db", ledger_url)
    assert code == 2 and "ledger" in out
    assert len(orders) >= 1


def test_size_from_ledger_and_caps_file(tmp_path: Path, ledger_url: str) -> None:
    engine = ledger.make_engine(ledger_url)
    try:
        with ledger.make_sessionmaker(engine)() as s:
            ledger.record_opening_lot(
                s,
                code="SB-1",
                material="antimony",
                quantity=1_000_000,
                unit="kg",
                depot="SCOTIA",
                actor="ada",
                acquired_on=date(2020, 1, 1),
            )
    finally:
        engine.dispose()
    caps = tmp_path / "caps.csv"
    caps.write_text("material,spend_cap_usd,quantity_limit,unit,source\nantimony,1e6,,,test cap\n")
    code, out = _run(
        "size",
        "--budget",
        "1e9",
        "--runs",
        "200",
        "--from-ledger",
        "--db",
        ledger_url,
        "--caps",
        str(caps),
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["holdings_note"].startswith("ledger holdings")
    sb = {r["material"]: r for r in data["plan"]["materials"]}["antimony"]
    assert sb["holdings"] == 1000.0  # 1,000,000 kg in the ledger = 1,000 t
    assert float(sb["cost_usd"]) <= 1e6 * (1 + 1e-9)
    assert sb["cap_source"] == "test cap"
    caps.write_text("material,spend_cap_usd\nantimony,lots\n")
    code, out = _run("size", "--budget", "1e9", "--runs", "50", "--caps", str(caps))
    assert code == 2 and "row 2" in out


def test_size_with_price_impact() -> None:
    base = ["size", "--budget", "1e9", "--runs", "200", "--no-cost", "--json"]
    code, out = _run(*base, "--demand-elasticity", "-0.2", "--supply-elasticity", "0.1")
    assert code == 0, out
    data = json.loads(out)
    assert data["price_curve"].startswith("isoelastic price impact")
    flat = json.loads(_run(*base)[1])
    sb = {r["material"]: r for r in data["plan"]["materials"]}["antimony"]
    sb_flat = {r["material"]: r for r in flat["plan"]["materials"]}["antimony"]
    assert sb["quantity"] == pytest.approx(sb_flat["quantity"])
    assert float(sb["cost_usd"]) > float(sb_flat["cost_usd"])  # buying moves the price up
    code, out = _run(*base, "--demand-elasticity", "-0.2")
    assert code == 2 and "give both" in out


def test_size_over_a_scenario_set_worst_case() -> None:
    code, out = _run(
        "size",
        "--budget",
        "5e8",
        "--runs",
        "200",
        "--scenario",
        "china-export-ban-us-2024",
        "--scenario",
        "drc-cobalt-2025",
        "--objective",
        "worst",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    rows = {r["material"]: r for r in data["plan"]["materials"]}
    assert {"antimony", "cobalt", "gallium"} <= set(rows)
    assert float(rows["cobalt"]["cost_usd"]) <= 500e6
    assert float(rows["antimony"]["cost_usd"]) <= 245e6
    assert float(data["plan"]["risk_after_usd"]) <= float(data["plan"]["risk_before_usd"])
    assert "drc-cobalt-2025" in data["scenario"]
