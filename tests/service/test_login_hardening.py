"""Sign-in under attack: parallel guessing, user enumeration, forged addresses, weak passwords."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from stockpile.service.accounts import authenticate, create_user
from stockpile.service.app import create_app
from stockpile.service.errors import AuthenticationRequiredError, InvalidFieldError
from stockpile.service.models import LoginAttempt
from stockpile.service.permissions import Role
from stockpile.service.security import PasswordPolicyError, check_password_policy
from stockpile.service.settings import ServiceSettings

from .conftest import TEST_KINDS, make_settings


def _app(tmp_path: Path, template_db: Path, **overrides: Any) -> Any:
    shutil.copyfile(template_db, tmp_path / "service.sqlite3")
    return create_app(make_settings(tmp_path, **overrides), job_kinds=TEST_KINDS)


def _parallel_wrong_passwords(client: TestClient, n: int) -> Counter[int]:
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def attempt() -> None:
        barrier.wait()
        r = client.post("/api/v1/auth/token", data={"username": "viewer", "password": "bad-1"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(codes)


def test_parallel_wrong_passwords_respect_the_limit(tmp_path: Path, template_db: Path) -> None:
    # a slower hash widens the window in which parallel attempts overlap
    app = _app(tmp_path, template_db, argon2_time_cost=2, argon2_memory_kib=16384)
    with TestClient(app) as client:
        codes = _parallel_wrong_passwords(client, 20)
    assert codes[401] <= 3, codes  # login_max_failures = 3
    assert codes[401] + codes[429] == 20, codes


@pytest.mark.postgres
def test_parallel_wrong_passwords_respect_the_limit_on_postgres(pg_url: str) -> None:
    from stockpile.ledger.database import upgrade

    s = ServiceSettings(
        database_url=pg_url,
        secret_key="p" * 48,
        argon2_time_cost=2,
        argon2_memory_kib=16384,
        argon2_parallelism=1,
        login_max_failures=3,
    )
    app = create_app(s, job_kinds={})
    upgrade(app.state.ctx.db.engine)
    with app.state.ctx.db.sessions() as session:
        create_user(
            session,
            hasher=app.state.ctx.hasher,
            username="viewer",
            password="correct-horse-battery-9",
            role=Role.VIEWER,
        )
        session.commit()
    with TestClient(app) as client:
        codes = _parallel_wrong_passwords(client, 20)
    assert codes[401] <= 3, codes
    assert codes[401] + codes[429] == 20, codes


class _CountingHasher(PasswordHasher):
    calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        type(self).calls += 1
        return super().verify(hash, password)


def test_unknown_user_costs_one_hash_verification(app: Any) -> None:
    hasher = _CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with app.state.ctx.db.sessions() as session:
        for name in ("no-such-user", "viewer"):
            before = _CountingHasher.calls
            with pytest.raises(AuthenticationRequiredError):
                authenticate(
                    session,
                    hasher=hasher,
                    username=name,
                    password="wrong-guess-1",
                    client="10.0.0.1",
                    max_failures=100,
                    max_client_failures=100,
                    window_s=60,
                )
            assert _CountingHasher.calls == before + 1, name


def test_per_client_limit_is_a_setting(tmp_path: Path, template_db: Path) -> None:
    app = _app(tmp_path, template_db, login_max_failures_per_client=2)
    with TestClient(app) as client:
        for name in ("viewer", "analyst"):
            r = client.post("/api/v1/auth/token", data={"username": name, "password": "bad-1"})
            assert r.status_code == 401
        r = client.post("/api/v1/auth/token", data={"username": "admin", "password": "bad-1"})
        assert r.status_code == 429


def test_settings_from_env_read_the_new_limits() -> None:
    s = ServiceSettings.from_env(
        {
            "STOCKPILE_DATABASE_URL": "sqlite:///x.db",
            "STOCKPILE_LOGIN_MAX_FAILURES_PER_CLIENT": "500",
            "STOCKPILE_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
            "STOCKPILE_MAX_BODY_BYTES": "2048",
            "STOCKPILE_JOB_QUEUE_LIMIT": "2",
        }
    )
    assert s.login_max_failures_per_client == 500
    assert s.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert s.max_body_bytes == 2048
    assert s.job_queue_limit == 2


def _client_recorded(app: Any, trusted: tuple[str, ...], peer: str) -> str:
    from stockpile.service.cli.serve import server_config

    config = server_config(app, app.state.ctx.settings, host="127.0.0.1", port=8000)
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 50000))

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            await c.post(
                "/api/v1/auth/token",
                data={"username": "viewer", "password": "bad-1"},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )

    import anyio

    anyio.run(go)
    with app.state.ctx.db.sessions() as session:
        return session.scalars(select(LoginAttempt.client).order_by(LoginAttempt.id.desc())).first()


def test_forwarded_for_ignored_from_untrusted_peer(tmp_path: Path, template_db: Path) -> None:
    app = _app(tmp_path, template_db)
    assert _client_recorded(app, (), "127.0.0.1") == "127.0.0.1"


def test_forwarded_for_believed_from_a_trusted_proxy(tmp_path: Path, template_db: Path) -> None:
    app = _app(tmp_path, template_db, trusted_proxies=("10.1.2.3",))
    assert _client_recorded(app, ("10.1.2.3",), "10.1.2.3") == "203.0.113.9"
    assert _client_recorded(app, ("10.1.2.3",), "127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize(
    "password", ["password1234", "123456789012", "qwertyuiop123", "iloveyou2024!", "aaaaaaaaaaaaaa"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordPolicyError, match="password"):
        check_password_policy(password)


def test_password_containing_the_user_name_is_refused() -> None:
    with pytest.raises(PasswordPolicyError, match="password"):
        check_password_policy("kowalczyk-1990", user_inputs=("kowalczyk",))


@pytest.mark.parametrize("password", ["correct-horse-battery-9", "w7#Qz!p2Lr9x"])
def test_strong_passwords_pass(password: str) -> None:
    check_password_policy(password)


def test_weak_password_refused_by_the_api(
    client: TestClient, headers: dict[Role, dict[str, str]], app: Any
) -> None:
    r = client.post(
        "/api/v1/users",
        json={"username": "newbie", "password": "password1234", "role": "viewer"},
        headers=headers[Role.ADMIN],
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].endswith("password")
    with app.state.ctx.db.sessions() as session, pytest.raises(InvalidFieldError):
        create_user(
            session,
            hasher=app.state.ctx.hasher,
            username="newbie",
            password="123456789012",
            role=Role.VIEWER,
        )
