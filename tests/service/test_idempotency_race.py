"""Concurrent retries with one Idempotency-Key act once (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from stockpile.ledger.database import upgrade
from stockpile.ledger.journal import verify_journal
from stockpile.ledger.models import JournalEntry, Loan
from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings

PASSWORD = "race-test-password-7"
PARALLEL = 8
ROLES = (Role.ADMIN, Role.CONTRACTING_OFFICER)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[TestClient, Any]]:
    """A served app on a fresh database with books ready for a receipt and a loan."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    settings = ServiceSettings(
        database_url=url,
        secret_key="r" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(settings, job_kinds={}, web=False)
    ctx = app.state.ctx
    upgrade(ctx.db.engine)
    for role in ROLES:
        name = role.value.replace("_", "-")
        with ctx.db.sessions() as s:
            create_user(s, hasher=ctx.hasher, username=name, password=PASSWORD, role=role)
            sync_ledger_user(s, username=name, role=role, actor="admin")
    with TestClient(app) as client:
        h = {}
        for role in ROLES:
            r = client.post(
                "/api/v1/auth/token",
                data={"username": role.value.replace("_", "-"), "password": PASSWORD},
            )
            h[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        today = dt.date.today()
        admin, co = h[Role.ADMIN], h[Role.CONTRACTING_OFFICER]
        steps = [
            ("/api/v1/depots", admin, {"code": "D1", "name": "Depot", "location": "X"}),
            ("/api/v1/funds", admin, {"code": "F1", "name": "Fund", "amount": "50000000"}),
            (
                "/api/v1/plan",
                admin,
                {
                    "fiscal_year": today.year + 1 if today.month >= 10 else today.year,
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
        yield client, (ctx, h)


def _parallel(client: TestClient, path: str, headers: dict[str, str], body: Any) -> list[Any]:
    barrier = threading.Barrier(PARALLEL)

    def send(_: int) -> Any:
        barrier.wait()
        return client.post(path, headers=headers, json=body)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(send, range(PARALLEL)))


def _entries(ctx: Any) -> int:
    with ctx.db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_same_key_receipts_and_loans_act_once(race: Any) -> None:
    client, (ctx, h) = race
    co = h[Role.CONTRACTING_OFFICER]
    before = _entries(ctx)
    key = {**co, "Idempotency-Key": "k1"}
    answers = _parallel(client, "/api/v1/delivery-orders/O1/receipts", key, {"quantity": 1000})
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert len({a.text for a in answers}) == 1  # every retry got the first response
    single = _entries(ctx) - before
    # Exactly the entries of one receipt: a second, un-keyed receipt adds as many again.
    after_one = _entries(ctx)
    r = client.post("/api/v1/delivery-orders/O1/receipts", headers=co, json={"quantity": 1000})
    assert r.status_code == 201, r.text
    assert _entries(ctx) - after_one == single > 0
    fund = client.get("/api/v1/funds", headers=co).json()["items"][0]
    assert fund["balance"] == pytest.approx(50_000_000 - 2 * 1000 * 10_000_000 / 315000)

    lot = answers[0].json()["lot_code"]
    loan = {
        "lot": lot,
        "quantity": "10",
        "borrower": "Producer",
        "return_due": str(dt.date.today() + dt.timedelta(days=30)),
    }
    rel = {**co, "Idempotency-Key": "loan-1"}
    answers = _parallel(client, "/api/v1/loans", rel, loan)
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    with ctx.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Loan)) == 1
        assert verify_journal(s).ok
