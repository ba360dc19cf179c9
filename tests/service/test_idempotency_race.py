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

from stockpile.ledger.journal import verify_journal
from stockpile.ledger.models import JournalEntry, Loan
from stockpile.service.permissions import Role

from .conftest import open_order, served_books

PARALLEL = 8


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[TestClient, Any]]:
    """A served app on a fresh database with books ready for a receipt and a loan."""
    if request.param == "postgres":
        books = request.getfixturevalue("pg_books")
        yield books.client, (books.ctx, books.headers)
        return
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    with served_books(url, [Role.ADMIN, Role.CONTRACTING_OFFICER]) as books:
        open_order(books.client, books.headers)
        yield books.client, (books.ctx, books.headers)


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
