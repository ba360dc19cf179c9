"""The simulation job kind: a small real run through the API and the scenario pages."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stockpile.ledger.database import upgrade
from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings
from stockpile.simulate import resolve_scenario, simulate


@pytest.fixture
def sim_client(settings: ServiceSettings) -> Iterator[TestClient]:
    app = create_app(settings)
    upgrade(app.state.ctx.db.engine)
    with app.state.ctx.db.sessions.begin() as s:
        create_user(
            s,
            hasher=app.state.ctx.hasher,
            username="ana",
            password="long-password-42",
            role=Role.ANALYST,
        )
    with TestClient(app) as c:
        yield c


def _token(c: TestClient) -> dict[str, str]:
    r = c.post("/api/v1/auth/token", data={"username": "ana", "password": "long-password-42"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_simulation_job_matches_direct_run(sim_client: TestClient) -> None:
    h = _token(sim_client)
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
    assert stored["keys"] == list(direct.keys)
    for j, m in enumerate(stored["materials"]):
        assert m["summary"]["shortfall"]["mean"] == pytest.approx(
            float(direct.shortfall[:, j].mean())
        )
        assert sum(m["shortfall_histogram"]["counts"]) == 60
    med = np.nanquantile(direct.output.paths.stock, 0.5, axis=0)
    assert stored["fan"]["stock"]["0.5"][0] == pytest.approx(med[0].tolist())


def test_unknown_scenario_is_422(sim_client: TestClient) -> None:
    r = sim_client.post(
        "/api/v1/jobs",
        headers=_token(sim_client),
        json={"kind": "simulation", "params": {"scenario": "../etc/passwd"}},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.params.scenario"


def test_plan_jobs_size_and_robust(sim_client: TestClient) -> None:
    h = _token(sim_client)
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
    assert plan["total_cost_usd"] <= 5e8 + 1e-6
    assert sum(m["cost_usd"] for m in plan["materials"]) == pytest.approx(plan["total_cost_usd"])
    assert robust["robust_plan"]["total_cost_usd"] <= 5e8 + 1e-6
    # the robust plan is never worse than the naive one against the supplier's best response
    assert robust["value_of_robustness_usd"] >= -1e-6
    page = sim_client.get(f"/plans/jobs/{ids[1]}")
    assert page.status_code in {200, 303}
