"""One document per result: the CLI's ``--json`` and the API return the same JSON."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stockpile.service.cli import app as cli

from .conftest import analyst_token, wait_for_result
from .test_web import web_login


def _cli_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_risk_profile_and_table_are_one_document(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    api = sim_client.get("/api/v1/risk/Sb", headers=h)
    assert api.status_code == 200, api.text
    assert _cli_json("material", "Sb") == api.json()
    table = sim_client.get("/api/v1/risk?year=2025", headers=h).json()
    assert _cli_json("risk", "--year", "2025") == table
    assert len(table["materials"]) > 20


def test_simulation_is_one_document(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    params = {"scenario": "china-export-ban-us-2024", "runs": 40, "seed": 3}
    job = sim_client.post("/api/v1/jobs", json={"kind": "simulation", "params": params}, headers=h)
    body = wait_for_result(sim_client, job.json()["id"], h)
    assert body["kind"] == "simulation" and body["status"] == "succeeded", body["error"]
    cli_doc = _cli_json("simulate", "china-export-ban-us-2024", "--runs", "40", "--seed", "3")
    assert cli_doc == body["result"]
    assert cli_doc["materials"][0]["stock_fan"] is not None


def test_plan_size_is_one_document(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    params = {"budget": 5e8, "runs": 40, "seed": 2}
    job = sim_client.post("/api/v1/jobs", json={"kind": "plan", "params": params}, headers=h)
    body = wait_for_result(sim_client, job.json()["id"], h)
    assert body["kind"] == "plan" and body["status"] == "succeeded", body["error"]
    cli_doc = _cli_json("plan", "size", "--budget", "5e8", "--runs", "40", "--seed", "2")
    assert cli_doc == body["result"]
    assert cli_doc["plan"]["budget_usd"] == "500000000.00"


def test_plan_forms_is_one_document(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    params = {"budget": 1e9, "runs": 40, "quantity": 100}
    job = sim_client.post("/api/v1/jobs", json={"kind": "plan-forms", "params": params}, headers=h)
    body = wait_for_result(sim_client, job.json()["id"], h)
    assert body["kind"] == "plan-forms" and body["status"] == "succeeded", body["error"]
    cli_doc = _cli_json("plan", "forms", "--budget", "1e9", "--runs", "40", "--quantity", "100")
    assert cli_doc == body["result"]
    assert {line["form"] for line in cli_doc["lines"]} == {"refined", "mine"}
    account = SimpleNamespace(username="ana", password="long-password-42")
    assert web_login(sim_client, account, "/plans").status_code == 303
    plans = sim_client.get("/plans")
    assert plans.status_code == 200 and "Ore against metal" in plans.text
    page = sim_client.get(f"/plans/forms/{job.json()['id']}")
    assert page.status_code == 200
    for line in cli_doc["lines"]:
        assert line["option"] in page.text
    assert "unpriced" in page.text


def test_comparison_is_one_document(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    params = {"scenario": "supplier-answers-2025", "only": ["recycling-25"], "runs": 60}
    job = sim_client.post("/api/v1/jobs", json={"kind": "compare", "params": params}, headers=h)
    body = wait_for_result(sim_client, job.json()["id"], h)
    assert body["kind"] == "compare" and body["status"] == "succeeded", body["error"]
    cli_doc = _cli_json(
        "compare", "supplier-answers-2025", "--only", "recycling-25", "--runs", "60"
    )
    assert cli_doc == body["result"]
    antimony = cli_doc["variants"][1]["materials"][0]
    assert antimony["material"] == "antimony"
    assert antimony["diff_shortfall"]["high"] < 0


def test_job_result_union_is_in_the_openapi_schema(sim_client: TestClient) -> None:
    schema = sim_client.get("/api/openapi.json").json()
    op = schema["paths"]["/api/v1/jobs/{job_id}/result"]["get"]
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["discriminator"]["propertyName"] == "kind"
    kinds = {"simulation", "plan", "plan-forms", "compare", "brief"}
    assert set(ok["discriminator"]["mapping"]) == kinds
    names = schema["components"]["schemas"]
    assert {"SimulationReport", "SizeReport", "RobustReport"} <= set(names)
    assert names["SizeReport"]["properties"]["kind"]["const"] == "size"


def test_dashboard_renders_the_same_reports(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    sim = {"scenario": "china-export-ban-us-2024", "runs": 30, "seed": 5}
    jobs = {
        "simulation": sim_client.post(
            "/api/v1/jobs", json={"kind": "simulation", "params": sim}, headers=h
        ).json()["id"],
        "size": sim_client.post(
            "/api/v1/jobs", json={"kind": "plan", "params": {"budget": 2e8, "runs": 30}}, headers=h
        ).json()["id"],
        "robust": sim_client.post(
            "/api/v1/jobs",
            json={"kind": "plan", "params": {"budget": 2e8, "robust": True}},
            headers=h,
        ).json()["id"],
    }
    docs = {k: wait_for_result(sim_client, v, h)["result"] for k, v in jobs.items()}
    account = SimpleNamespace(username="ana", password="long-password-42")
    assert web_login(sim_client, account, "/scenarios").status_code == 303
    page = sim_client.get(f"/scenarios/jobs/{jobs['simulation']}")
    assert page.status_code == 200
    for m in docs["simulation"]["materials"]:
        assert f"{m['material']}: stockpile holdings" in page.text  # fan chart
        assert f"{m['material']}: unmet U.S. demand" in page.text  # histogram
    report = sim_client.get(f"/reports/scenario/{jobs['simulation']}")
    assert report.status_code == 200 and "price / reference price" in report.text
    pdf = sim_client.get(f"/reports/scenario/{jobs['simulation']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    size = sim_client.get(f"/plans/jobs/{jobs['size']}")
    assert size.status_code == 200 and "Budget plan" in size.text
    lines = docs["size"]["plan"]["materials"]
    assert lines and all(m["material"] in size.text for m in lines)
    robust = sim_client.get(f"/plans/jobs/{jobs['robust']}")
    assert robust.status_code == 200 and "Expected-value plan of the same budget" in robust.text
    assert "LimitStatus" not in size.text + robust.text  # enums shown by their values
