"""The last active administrator cannot be deactivated; ``stockpile users`` recovers access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from stockpile.service.app import create_app
from stockpile.service.cli import app as cli_app
from stockpile.service.db import open_database
from stockpile.service.models import UserRow
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings
from stockpile.service.setup import AdminAction, prepare

runner = CliRunner()


def _settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        secret_key="s" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )


def _token(client: TestClient, username: str, password: str) -> int:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return r.status_code


def _users(url: str, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(cli_app, ["users", *args, "--db", url], input=stdin)


def test_last_active_admin_cannot_be_deactivated(client: TestClient, headers: Any) -> None:
    h = headers[Role.ADMIN]
    users = client.get("/api/v1/users?limit=100", headers=h).json()["items"]
    admin = next(u for u in users if u["role"] == "admin")
    r = client.patch(f"/api/v1/users/{admin['id']}", json={"active": False}, headers=h)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "active"
    assert "last active administrator" in r.json()["detail"]
    assert client.get("/api/v1/users", headers=h).status_code == 200  # still signed in
    created = client.post(
        "/api/v1/users",
        json={"username": "second-admin", "password": "another-long-pass-42", "role": "admin"},
        headers=h,
    )
    assert created.status_code == 201, created.text
    # with a second active administrator the first may be deactivated
    r = client.patch(f"/api/v1/users/{admin['id']}", json={"active": False}, headers=h)
    assert r.status_code == 200 and r.json()["active"] is False


def test_init_demo_counts_only_active_admins_and_hints(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = prepare(settings, demo=False, admin="admin")
    assert first.admin_action is AdminAction.CREATED and first.admin_password
    second = prepare(settings, demo=False, admin="admin")
    lines = "\n".join(second.lines())
    assert second.admin_password is None
    assert "Administrator(s): admin" in lines
    assert "stockpile users reset-password admin" in lines
    # the only administrator deactivated behind the service's back (an old database)
    db = open_database(settings.database_url)
    with db.sessions() as s:
        s.execute(update(UserRow).where(UserRow.username == "admin").values(active=False))
        s.commit()
    db.dispose()
    third = prepare(settings, demo=False, admin="admin")
    assert third.admin_action is AdminAction.REACTIVATED and third.admin_password
    assert "re-activated" in "\n".join(third.lines())
    with TestClient(create_app(settings)) as client:
        assert _token(client, "admin", third.admin_password) == 200


def test_users_cli_list_create_reset_activate(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    url = settings.database_url
    prepare(settings, demo=False, admin="admin")
    out = _users(url, "create", "ana", "--role", "analyst", "--full-name", "Ana Lyst")
    assert out.exit_code == 0, out.output
    ana_password = out.output.split("password: ")[1].split()[0]
    out = _users(url, "list")
    assert out.exit_code == 0 and "ana" in out.output and "analyst" in out.output
    out = _users(url, "list", "--json")
    assert {u["username"] for u in __import__("json").loads(out.output)} == {"admin", "ana"}
    # reset: the old password stops working, the printed one works
    out = _users(url, "reset-password", "admin")
    assert out.exit_code == 0, out.output
    admin_password = out.output.split("password: ")[1].split()[0]
    with TestClient(create_app(settings)) as client:
        assert _token(client, "admin", admin_password) == 200
        assert _token(client, "ana", ana_password) == 200
    out = _users(url, "reset-password", "ana", "--password-stdin", stdin="chosen-by-ana-2026\n")
    assert out.exit_code == 0 and "password:" not in out.output
    # deactivate / activate, and the last administrator refused
    assert _users(url, "deactivate", "ana").exit_code == 0
    with TestClient(create_app(settings)) as client:
        assert _token(client, "ana", "chosen-by-ana-2026") == 401
    assert _users(url, "activate", "ana").exit_code == 0
    with TestClient(create_app(settings)) as client:
        assert _token(client, "ana", "chosen-by-ana-2026") == 200
    out = _users(url, "deactivate", "admin")
    assert out.exit_code == 2 and "last active administrator" in out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("reset-password", "nobody"), "no user 'nobody'"),
        (("create", "Bad Name", "--role", "viewer"), "username"),
        (("create", "admin", "--role", "viewer"), "already exists"),
    ],
)
def test_users_cli_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    settings = _settings(tmp_path)
    prepare(settings, demo=False, admin="admin")
    out = _users(settings.database_url, *args)
    assert out.exit_code == 2 and message in out.output
    assert "Traceback" not in out.output
