"""The service on PostgreSQL (a fresh database on the server of STOCKPILE_TEST_PG_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from stockpile.service.permissions import Role

pytestmark = pytest.mark.postgres


def test_receipt_and_release_on_postgres(pg_books: Any) -> None:
    client, h = pg_books.client, pg_books.headers
    admin, co = h[Role.ADMIN], h[Role.CONTRACTING_OFFICER]
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
