"""Background jobs: progress, stored result, cancellation, failures, idempotent submission."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from stockpile.service.permissions import Role


def _wait(client: TestClient, h: dict[str, str], job_id: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
        if body["status"] in {"succeeded", "failed", "cancelled"}:
            return body
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish")


def test_job_runs_and_stores_result(client: TestClient, headers: Any) -> None:
    h = headers[Role.ANALYST]
    r = client.post("/api/v1/jobs", json={"kind": "count", "params": {"n": 100}}, headers=h)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in {"queued", "running", "succeeded"}
    done = _wait(client, h, job["id"])
    assert done["status"] == "succeeded"
    assert done["progress"] == 1.0
    res = client.get(f"/api/v1/jobs/{job['id']}/result", headers=headers[Role.VIEWER])
    assert res.status_code == 200
    assert res.json()["result"] == {"sum": 5050}
    listed = client.get("/api/v1/jobs", headers=h).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == job["id"]


def test_job_cancel_while_running(client: TestClient, headers: Any) -> None:
    h = headers[Role.ANALYST]
    job = client.post(
        "/api/v1/jobs", json={"kind": "count", "params": {"n": 500, "pause_s": 0.01}}, headers=h
    ).json()
    deadline = time.monotonic() + 5
    while client.get(f"/api/v1/jobs/{job['id']}", headers=h).json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    r = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=h)
    assert r.status_code == 200
    done = _wait(client, h, job["id"])
    assert done["status"] == "cancelled"
    assert done["progress"] < 1.0
    again = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=h)
    assert again.status_code == 409


def test_result_conflict_while_running_and_failed_job(client: TestClient, headers: Any) -> None:
    h = headers[Role.ADMIN]
    slow = client.post(
        "/api/v1/jobs", json={"kind": "count", "params": {"n": 200, "pause_s": 0.01}}, headers=h
    ).json()
    assert client.get(f"/api/v1/jobs/{slow['id']}/result", headers=h).status_code == 409
    client.post(f"/api/v1/jobs/{slow['id']}/cancel", headers=h)
    bad = client.post(
        "/api/v1/jobs", json={"kind": "count", "params": {"n": 5, "fail_at": 3}}, headers=h
    ).json()
    done = _wait(client, h, bad["id"])
    assert done["status"] == "failed"
    assert "failed at step 3" in done["error"]
    assert "RuntimeError" not in done["error"]  # people read the sentence, not a class name


def test_failure_text_names_no_class() -> None:
    from stockpile.plan.errors import InfeasiblePlanError
    from stockpile.service.jobs import failure_text

    assert failure_text(ValueError("budget: must be > 0")) == "budget: must be > 0"
    text = failure_text(InfeasiblePlanError(("budget",), "no purchase fits the budget"))
    assert text == "infeasible: budget: no purchase fits the budget" and "Error" not in text
    assert "KeyError" not in failure_text(KeyError("x"))
    assert failure_text(ZeroDivisionError()).startswith("the run stopped on an unexpected error")


def test_job_bad_params_name_the_field(client: TestClient, headers: Any) -> None:
    h = headers[Role.ANALYST]
    r = client.post("/api/v1/jobs", json={"kind": "count", "params": {"n": 0}}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.params.n"
    r = client.post("/api/v1/jobs", json={"kind": "nope", "params": {}}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "kind"


def test_job_submission_is_idempotent(client: TestClient, headers: Any) -> None:
    h = {**headers[Role.ANALYST], "Idempotency-Key": "run-1"}
    body = {"kind": "count", "params": {"n": 3}}
    a = client.post("/api/v1/jobs", json=body, headers=h)
    b = client.post("/api/v1/jobs", json=body, headers=h)
    assert a.status_code == b.status_code == 202
    assert a.json()["id"] == b.json()["id"]
    assert b.headers.get("idempotent-replayed") == "true"
    assert client.get("/api/v1/jobs", headers=h).json()["total"] == 1
    c = client.post("/api/v1/jobs", json={"kind": "count", "params": {"n": 4}}, headers=h)
    assert c.status_code == 422
    assert c.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_job_kinds_listed_with_schema(client: TestClient, headers: Any) -> None:
    kinds = client.get("/api/v1/jobs/kinds", headers=headers[Role.VIEWER]).json()
    assert [k["name"] for k in kinds] == ["count"]
    assert "n" in kinds[0]["params_schema"]["properties"]
    assert "sum" in kinds[0]["result_schema"]["properties"]


def test_interrupted_jobs_marked_failed(app: Any) -> None:
    from stockpile.service.models import JobRow

    with app.state.ctx.db.sessions.begin() as s:
        s.add(
            JobRow(
                id="11111111-1111-1111-1111-111111111111",
                kind="count",
                params={},
                status="running",
                progress=0.4,
                message="running",
                created_by=1,
            )
        )
    assert app.state.ctx.jobs.fail_interrupted() == 1
    assert app.state.ctx.jobs.status("11111111-1111-1111-1111-111111111111") == "failed"
    assert app.state.ctx.jobs.fail_interrupted() == 0
