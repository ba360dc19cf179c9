"""Fixtures of the service tests: an app on a temporary SQLite file, one user per role."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import create_engine, text

from stockpile.ledger.database import upgrade
from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.jobs import JobKind, JobProgress
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings

PASSWORD = "correct-horse-battery-9"


class CountParams(BaseModel):
    """Sum 1..n in n steps, pausing ``pause_s`` between steps."""

    n: int = Field(ge=1, le=10_000)
    pause_s: float = Field(default=0.0, ge=0.0, le=1.0)
    fail_at: int | None = None


class CountResult(BaseModel):
    """The sum 1..n."""

    sum: int


def run_count(params: BaseModel, progress: JobProgress) -> CountResult:
    assert isinstance(params, CountParams)
    total = 0
    for i in range(1, params.n + 1):
        if params.fail_at == i:
            raise RuntimeError(f"failed at step {i}")
        total += i
        progress.update(i / params.n, f"step {i} of {params.n}")
        if params.pause_s:
            time.sleep(params.pause_s)
    return CountResult(sum=total)


TEST_KINDS = {
    "count": JobKind(
        name="count",
        params_model=CountParams,
        result_model=CountResult,
        run=run_count,
        description="test",
    )
}


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: Role


def make_settings(tmp_path: Path, **overrides: Any) -> ServiceSettings:
    base: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'service.sqlite3'}",
        "secret_key": "k" * 48,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "login_max_failures": 3,
        "login_window_s": 600,
    }
    base.update(overrides)
    return ServiceSettings(**base)


def _account(role: Role) -> Account:
    return Account(role.value.replace("_", "-"), PASSWORD, role)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with one user per role (service and ledger), built once."""
    folder = tmp_path_factory.mktemp("template")
    app = create_app(make_settings(folder), job_kinds=TEST_KINDS)
    ctx = app.state.ctx
    upgrade(ctx.db.engine)
    for role in [Role.ADMIN] + [r for r in Role if r is not Role.ADMIN]:
        acc = _account(role)
        with ctx.db.sessions() as session:
            create_user(
                session, hasher=ctx.hasher, username=acc.username, password=PASSWORD, role=role
            )
            sync_ledger_user(session, username=acc.username, role=role, actor="admin")
    ctx.jobs.shutdown()
    ctx.db.dispose()
    return folder / "service.sqlite3"


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> ServiceSettings:
    shutil.copyfile(template_db, tmp_path / "service.sqlite3")
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: ServiceSettings) -> FastAPI:
    return create_app(settings, job_kinds=TEST_KINDS)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def accounts() -> dict[Role, Account]:
    """One user per role (already in the template database, in the service and the ledger)."""
    return {role: _account(role) for role in Role}


def bearer(client: TestClient, account: Account) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/token", data={"username": account.username, "password": account.password}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def headers(client: TestClient, accounts: dict[Role, Account]) -> dict[Role, dict[str, str]]:
    return {role: bearer(client, acc) for role, acc in accounts.items()}


@pytest.fixture
def login() -> Any:
    """A function (client, account) -> bearer headers."""
    return bearer


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server of STOCKPILE_TEST_PG_URL."""
    base = os.environ.get("STOCKPILE_TEST_PG_URL")
    if not base:
        pytest.skip("STOCKPILE_TEST_PG_URL is not set (make test sets it)")
    name = f"svc_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield urllib.parse.urlunsplit(urllib.parse.urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class ServedBooks:
    """A served app, its context and a bearer header per role."""

    client: TestClient
    ctx: Any
    headers: dict[Role, dict[str, str]]


@contextmanager
def served_books(url: str, roles: Sequence[Role]) -> Iterator[ServedBooks]:
    """An API-only app on database ``url`` (migrated here), a service and ledger user per
    role (named after it), each signed in."""
    settings = ServiceSettings(
        database_url=url,
        secret_key="b" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(settings, job_kinds={}, web=False)
    ctx = app.state.ctx
    upgrade(ctx.db.engine)
    for role in roles:
        with ctx.db.sessions() as s:
            create_user(s, hasher=ctx.hasher, username=_name(role), password=PASSWORD, role=role)
            sync_ledger_user(s, username=_name(role), role=role, actor="admin")
    with TestClient(app) as client:
        headers = {}
        for role in roles:
            r = client.post(
                "/api/v1/auth/token", data={"username": _name(role), "password": PASSWORD}
            )
            headers[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield ServedBooks(client, ctx, headers)


def _name(role: Role) -> str:
    return role.value.replace("_", "-")


def open_order(
    client: TestClient, headers: dict[Role, dict[str, str]], *, due_date: dt.date | None = None
) -> None:
    """Depot D1, fund F1 of USD 50M, this fiscal year's plan line for antimony, contract C1
    and delivery order O1 of 315,000 lb for USD 10M due on ``due_date`` (``headers`` of the
    admin and of a contracting officer)."""
    today = dt.date.today()
    admin, co = headers[Role.ADMIN], headers[Role.CONTRACTING_OFFICER]
    order: dict[str, str] = {"number": "O1", "quantity": "315000", "value": "10000000"}
    if due_date is not None:
        order["due_date"] = str(due_date)
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
        ("/api/v1/contracts/C1/orders", co, order),
    ]
    for path, who, body in steps:
        r = client.post(path, headers=who, json=body)
        assert r.status_code == 201, (path, r.text)


@pytest.fixture
def pg_books(pg_url: str) -> Iterator[ServedBooks]:
    """:func:`open_order` served on a fresh PostgreSQL database, with an admin, a contracting
    officer, a release authority and an analyst."""
    roles = [Role.ADMIN, Role.CONTRACTING_OFFICER, Role.RELEASE_AUTHORITY, Role.ANALYST]
    with served_books(pg_url, roles) as books:
        open_order(books.client, books.headers)
        yield books


@pytest.fixture
def sim_client(settings: ServiceSettings) -> Iterator[TestClient]:
    """A client of an app running the real job kinds (simulation, plan), with an analyst."""
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


def analyst_token(c: TestClient) -> dict[str, str]:
    """Bearer header of the analyst of :func:`sim_client`."""
    r = c.post("/api/v1/auth/token", data={"username": "ana", "password": "long-password-42"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_for_result(c: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll a job until it has finished; its result document (``GET /jobs/{id}/result``)."""
    deadline = time.monotonic() + 120
    while c.get(f"/api/v1/jobs/{job_id}", headers=headers).json()["status"] in {
        "queued",
        "running",
    }:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    body: dict[str, Any] = c.get(f"/api/v1/jobs/{job_id}/result", headers=headers).json()
    return body
