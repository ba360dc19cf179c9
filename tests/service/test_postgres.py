"""The service on PostgreSQL (a fresh database on the server of STOCKPILE_TEST_PG_URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.ledger.database import upgrade
from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings

pytestmark = pytest.mark.postgres
PASSWORD = "postgres-test-pass-1"


@pytest.fixture
def pg_client(pg_url: str) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    settings = ServiceSettings(
        database_url=pg_url,
        secret_key="p" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(settings, job_kinds={})
    ctx = app.state.ctx
    upgrade(ctx.db.engine)
    roles = [Role.ADMIN, Role.CONTRACTING_OFFICER, Role.RELEASE_AUTHORITY, Role.ANALYST]
    for role in roles:
        name = role.value.replace("_", "-")
        with ctx.db.sessions() as s:
            create_user(s, hasher=ctx.hasher, username=name, password=PASSWORD, role=role)
            sync_ledger_user(s, username=name, role=role, actor="admin")
    with TestClient(app) as client:
        headers = {}
        for role in roles:
            r = client.post(
                "/api/v1/auth/token",
                data={"username": role.value.replace("_", "-"), "password": PASSWORD},
            )
            headers[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield client, headers


def test_receipt_and_release_on_postgres(pg_client: Any) -> None:
    client, h = pg_client
    today = dt.date.today()
    fy = today.year + 1 if today.month >= 10 else today.year
    admin, co = h[Role.ADMIN], h[Role.CONTRACTING_OFFICER]
    steps = [
        ("/api/v1/depots", admin, {"code": "D1", "name": "Depot", "location": "X"}),
        ("/api/v1/funds", admin, {"code": "F1", "name": "Fund", "amount": "50000000"}),
        (
            "/api/v1/plan",
            admin,
            {
                "fiscal_year": fy,
                "material": "antimony",
                "max_acquisition": "1000000",
                "max_disposal": "0",
                "unit": "lb",
            },
        ),
        (
            "/api/v1/contracts",
            co,
            {
                "number": "C1",
                "supplier": "S",
                "material": "antimony",
                "form": "ingot",
                "unit": "lb",
                "ceiling": "20000000",
                "period_start": str(today - dt.timedelta(days=1)),
                "period_end": str(today + dt.timedelta(days=900)),
                "fund": "F1",
                "depot": "D1",
            },
        ),
        (
            "/api/v1/contracts/C1/orders",
            co,
            {"number": "O1", "quantity": "315000", "value": "10000000"},
        ),
    ]
    for path, who, body in steps:
        r = client.post(path, headers=who, json=body)
        assert r.status_code == 201, (path, r.text)
    key = {**co, "Idempotency-Key": "pg-receipt"}
    first = client.post("/api/v1/delivery-orders/O1/receipts", headers=key, json={})
    again = client.post("/api/v1/delivery-orders/O1/receipts", headers=key, json={})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    fund = client.get("/api/v1/funds", headers=admin).json()["items"][0]
    assert fund["balance"] == 40_000_000
    body = {
        "material": "antimony",
        "quantity": "5000",
        "unit": "lb",
        "recipient": "Army",
        "purpose": "national-defence",
        "legal_basis": "presidential-order",
    }
    rel = client.post("/api/v1/releases", headers=h[Role.ANALYST], json=body).json()
    ra = h[Role.RELEASE_AUTHORITY]
    assert client.post(f"/api/v1/releases/{rel['id']}/approve", headers=ra).status_code == 200
    done = client.post(f"/api/v1/releases/{rel['id']}/execute", headers=ra)
    assert done.status_code == 200 and done.json()["release"]["status"] == "executed"
    verify = client.get("/api/v1/journal/verify", headers=ra).json()
    assert verify["ok"] is True
