"""The API keeps its OpenAPI contract: times with zones, documented errors, policies, kinds."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi.testclient import TestClient

from stockpile.service.permissions import Role


def test_times_carry_their_zone_on_sqlite(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    h = headers[Role.ADMIN]
    job = client.post("/api/v1/jobs", json={"kind": "count", "params": {"n": 2}}, headers=h).json()
    for value in (job["created_at"], client.get("/api/v1/users/1", headers=h).json()["created_at"]):
        assert dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None, value


def test_unparsable_body_is_a_documented_422(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    r = client.post(
        "/api/v1/depots",
        content=b'{"code": "\xff"}',
        headers={**headers[Role.ADMIN], "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "body"


def test_password_policy_is_in_the_schema(app: Any) -> None:
    password = app.openapi()["components"]["schemas"]["UserCreate"]["properties"]["password"]
    assert password["minLength"] == 12
    assert "common" in password["description"]


def test_job_kinds_and_their_params_are_in_the_schema(app: Any) -> None:
    spec = app.openapi()
    text = json.dumps(spec["components"]["schemas"]["JobCreate"])
    assert '"count"' in text
    assert "CountParams" in text
    assert "CountParams" in spec["components"]["schemas"]


def test_method_not_allowed_lists_every_method_of_the_path(client: TestClient) -> None:
    r = client.options("/api/v1/users/1")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}
