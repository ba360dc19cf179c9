"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis).

Every operation is called with generated inputs by an authenticated administrator and by an
anonymous client: no 5xx, and every response matches the documented status codes, content
types and schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from stockpile.ledger.database import upgrade
from stockpile.service.accounts import TokenKind, create_user, issue_token
from stockpile.service.app import create_app
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings

from .conftest import TEST_KINDS


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = tmp_path_factory.mktemp("schemathesis") / "api.sqlite3"
    s = ServiceSettings(
        database_url=f"sqlite:///{db}",
        secret_key="z" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(s, job_kinds=TEST_KINDS)
    upgrade(app.state.ctx.db.engine)
    with app.state.ctx.db.sessions() as session:
        create_user(
            session,
            hasher=app.state.ctx.hasher,
            username="admin",
            password="schemathesis-pass-1",
            role=Role.ADMIN,
        )
        sync_ledger_user(session, username="admin", role=Role.ADMIN, actor="admin")
    yield app
    app.state.ctx.jobs.shutdown()


@pytest.fixture(scope="module")
def admin_headers(api_app: FastAPI) -> dict[str, str]:
    ctx = api_app.state.ctx
    from sqlalchemy import select

    from stockpile.service.models import UserRow

    with ctx.db.sessions() as session:
        user = session.scalars(select(UserRow).where(UserRow.username == "admin")).one()
        issued = issue_token(session, user=user, kind=TokenKind.API, ttl_s=3600)
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", api_app)


def _operations(api_schema: Any) -> list[Any]:
    ops = [r.ok() for r in api_schema.get_all_operations()]
    assert len(ops) >= 40
    return ops


def test_api_conforms(api_schema: Any, admin_headers: dict[str, str]) -> None:
    """Generated inputs by an administrator: no 5xx; responses match the documented schema."""
    for op in _operations(api_schema):

        @given(case=op.as_strategy())
        @settings(
            max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=admin_headers)

        check()


def test_api_anonymous(api_schema: Any) -> None:
    """Without credentials every operation but sign-in answers 401 (or 422 on bad input)."""
    for op in _operations(api_schema):

        @given(case=op.as_strategy())
        @settings(
            max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500
            if case.path != "/api/v1/auth/token":
                assert response.status_code in {401, 422}, (case.path, response.status_code)

        check()


def test_schema_lists_problem_json(api_app: FastAPI) -> None:
    spec = api_app.openapi()
    op = spec["paths"]["/api/v1/materials"]["get"]
    assert "application/problem+json" in op["responses"]["401"]["content"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_and_run_all_phases(database_url: str, tmp_path: Any) -> int:
    """Serve the API on a free port and run every schemathesis phase against it.

    Returns the number of generated cases; fails on any server error or schema violation.
    """
    import re
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    import uvicorn
    from sqlalchemy import select

    from stockpile.service.models import UserRow

    s = ServiceSettings(
        database_url=database_url,
        secret_key="z" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(s, job_kinds=TEST_KINDS)
    ctx = app.state.ctx
    upgrade(ctx.db.engine)
    with ctx.db.sessions() as session:
        create_user(
            session,
            hasher=ctx.hasher,
            username="admin",
            password="schemathesis-pass-1",
            role=Role.ADMIN,
        )
        sync_ledger_user(session, username="admin", role=Role.ADMIN, actor="admin")
        user = session.scalars(select(UserRow).where(UserRow.username == "admin")).one()
        token = issue_token(session, user=user, kind=TokenKind.API, ttl_s=3600).token
        session.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        exe = Path(sys.executable).with_name("schemathesis")
        run = subprocess.run(
            [
                str(exe),
                "run",
                f"http://127.0.0.1:{port}/api/openapi.json",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                "5",
                "--seed",
                "1",
                "--request-timeout",
                "120",  # a risk table on a busy CI machine can take more than 10 s
                # 5xx and schema violations; business refusals (422 for an unknown fund) of
                # schema-valid data are the ledger's rules, not contract breaches
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,"
                "response_headers_conformance,response_schema_conformance",
                # signing out or deactivating the administrator would end the run's token
                "--exclude-name",
                "POST /api/v1/auth/logout",
                "--exclude-name",
                "PATCH /api/v1/users/{user_id}",
                "-H",
                f"Authorization: Bearer {token}",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    (Path(tmp_path) / "schemathesis.out").write_text(run.stdout)
    import os

    if os.environ.get("ST_KEEP"):
        Path(os.environ["ST_KEEP"]).write_text(run.stdout)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    # the token must last the whole run: only the operations of roles an administrator
    # does not hold (approve a release, adjust inventory) may answer nothing but 401/403
    denied = re.search(r"Authentication failed: (\d+) operations", run.stdout)
    assert denied is None or int(denied.group(1)) <= 4, run.stdout[-3000:]
    m = re.search(r"(\d+) generated", run.stdout)
    assert m, run.stdout[-2000:]
    return int(m.group(1))


def test_all_phases_on_sqlite(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Examples, coverage, fuzzing and stateful phases on SQLite: no 5xx, no schema violation."""
    cases = _serve_and_run_all_phases(f"sqlite:///{tmp_path / 'all.sqlite3'}", tmp_path)
    assert cases >= 1000
    with capsys.disabled():
        print(f"\nschemathesis, all phases, SQLite: {cases} generated cases passed")


@pytest.mark.postgres
def test_all_phases_on_postgres(
    pg_url: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same on PostgreSQL (the throwaway server of scripts/test.sh)."""
    cases = _serve_and_run_all_phases(pg_url, tmp_path)
    assert cases >= 1000
    with capsys.disabled():
        print(f"\nschemathesis, all phases, PostgreSQL: {cases} generated cases passed")
