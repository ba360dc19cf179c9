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
