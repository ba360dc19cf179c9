"""The simulation job kind: a small real run through the API and the scenario pages."""

from __future__ import annotations

import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stockpile.simulate import resolve_scenario, simulate

from .conftest import analyst_token


def test_simulation_job_matches_direct_run(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    body = {
        "kind": "simulation",
        "params": {"scenario": "china-export-ban-us-2024", "runs": 60, "seed": 11},
    }
    job = sim_client.post("/api/v1/jobs", json=body, headers=h).json()
    deadline = time.monotonic() + 60
    while sim_client.get(f"/api/v1/jobs/{job['id']}", headers=h).json()["status"] != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stored = sim_client.get(f"/api/v1/jobs/{job['id']}/result", headers=h).json()["result"]
    scenario, _ = resolve_scenario("china-export-ban-us-2024")
    direct = simulate(scenario, runs=60, seed=11, keep_paths=True)
    assert [m["material"] for m in stored["materials"]] == list(direct.keys)
    for j, m in enumerate(stored["materials"]):
        assert m["shortfall"]["mean"] == pytest.approx(float(direct.shortfall[:, j].mean()))
        assert sum(m["shortfall_histogram"]["counts"]) == 60
    med = np.nanquantile(direct.output.paths.stock, 0.5, axis=0)
    fan = stored["materials"][0]["stock_fan"]
    assert fan["paths"][fan["quantiles"].index(0.5)] == pytest.approx(med[0].tolist())


def test_unknown_scenario_is_422(sim_client: TestClient) -> None:
    r = sim_client.post(
        "/api/v1/jobs",
        headers=analyst_token(sim_client),
        json={"kind": "simulation", "params": {"scenario": "../etc/passwd"}},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.params.scenario"


def test_plan_jobs_size_and_robust(sim_client: TestClient) -> None:
    h = analyst_token(sim_client)
    ids = []
    for params in (
        {"budget": 5e8, "runs": 40, "seed": 2},
        {"budget": 5e8, "robust": True},
    ):
        r = sim_client.post("/api/v1/jobs", json={"kind": "plan", "params": params}, headers=h)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    results = []
    for job_id in ids:
        deadline = time.monotonic() + 60
        while sim_client.get(f"/api/v1/jobs/{job_id}", headers=h).json()["status"] not in {
            "succeeded",
            "failed",
        }:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        body = sim_client.get(f"/api/v1/jobs/{job_id}/result", headers=h).json()
        assert body["status"] == "succeeded", body["error"]
        results.append(body["result"])
    size, robust = results
    plan = size["plan"]
    assert size["kind"] == "size" and robust["kind"] == "robust"
    # money is a decimal string with cents
    assert float(plan["total_cost_usd"]) <= 5e8 + 0.005
    assert sum(float(m["cost_usd"]) for m in plan["materials"]) == pytest.approx(
        float(plan["total_cost_usd"]), abs=0.01 * len(plan["materials"])
    )
    assert float(robust["robust_plan"]["total_cost_usd"]) <= 5e8 + 0.005
    # the robust plan is never worse than the naive one against the supplier's best response
    assert float(robust["value_of_robustness_usd"]) >= -0.01
    page = sim_client.get(f"/plans/jobs/{ids[1]}")
    assert page.status_code in {200, 303}
