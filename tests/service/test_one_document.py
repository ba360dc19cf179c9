"""One document per result: the CLI's ``--json`` and the API return the same JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stockpile.service.cli import app as cli

from .conftest import analyst_token, wait_for_result


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


def test_job_result_union_is_in_the_openapi_schema(sim_client: TestClient) -> None:
    schema = sim_client.get("/api/openapi.json").json()
    op = schema["paths"]["/api/v1/jobs/{job_id}/result"]["get"]
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["discriminator"]["propertyName"] == "kind"
    assert set(ok["discriminator"]["mapping"]) == {"simulation", "plan"}
    names = schema["components"]["schemas"]
    assert {"SimulationReport", "SizeReport", "RobustReport"} <= set(names)
    assert names["SizeReport"]["properties"]["kind"]["const"] == "size"
