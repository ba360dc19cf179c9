"""Sign-in, bearer tokens, sessions expiring, the login rate limit and password storage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from stockpile.service.models import TokenRow, UserRow
from stockpile.service.permissions import PERMISSIONS, Role


def test_token_and_me(client: TestClient, accounts: Any, login: Any) -> None:
    h = login(client, accounts[Role.ANALYST])
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "analyst"
    assert body["role"] == "analyst"
    assert set(body["permissions"]) == {p.value for p in PERMISSIONS[Role.ANALYST]}
    assert body["method"] == "bearer"


def test_wrong_password_is_401_problem(client: TestClient, accounts: Any) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "analyst", "password": "nope-nope"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Authentication required"


def test_no_token_is_401_and_garbage_token_is_401(client: TestClient, accounts: Any) -> None:
    assert client.get("/api/v1/materials").status_code == 401
    r = client.get("/api/v1/materials", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_rate_limit_after_failures_even_with_right_password(
    client: TestClient, accounts: Any
) -> None:
    # login_max_failures = 3 in the test settings
    for _ in range(3):
        r = client.post("/api/v1/auth/token", data={"username": "viewer", "password": "bad-pass"})
        assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/token",
        data={"username": "viewer", "password": accounts[Role.VIEWER].password},
    )
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) == 600
    # another user is not affected
    r = client.post(
        "/api/v1/auth/token",
        data={"username": "analyst", "password": accounts[Role.ANALYST].password},
    )
    assert r.status_code == 200


def test_password_stored_as_argon2id(app: FastAPI, accounts: Any) -> None:
    with app.state.ctx.db.sessions() as s:
        hashes = s.scalars(select(UserRow.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(accounts[Role.ADMIN].password not in h for h in hashes)


def test_expired_and_revoked_tokens_refused(
    client: TestClient, app: FastAPI, accounts: Any, login: Any
) -> None:
    h = login(client, accounts[Role.VIEWER])
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with app.state.ctx.db.sessions.begin() as s:
        s.execute(update(TokenRow).values(expires_at=past))
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    h2 = login(client, accounts[Role.VIEWER])
    assert client.post("/api/v1/auth/logout", headers=h2).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h2).status_code == 401


def test_deactivated_user_is_signed_out(client: TestClient, accounts: Any, login: Any) -> None:
    admin = login(client, accounts[Role.ADMIN])
    h = login(client, accounts[Role.ANALYST])
    users = client.get("/api/v1/users", headers=admin).json()["items"]
    uid = next(u["id"] for u in users if u["username"] == "analyst")
    r = client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    r = client.post(
        "/api/v1/auth/token",
        data={"username": "analyst", "password": accounts[Role.ANALYST].password},
    )
    assert r.status_code == 401
