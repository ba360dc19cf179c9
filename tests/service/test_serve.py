"""`stockpile serve --init-demo` preparation: migrations, demo stockpile, first administrator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from stockpile.service.app import create_app
from stockpile.service.settings import ServiceSettings
from stockpile.service.setup import prepare


def _settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        secret_key="s" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )


def test_prepare_loads_demo_and_creates_admin_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = prepare(settings, demo=True, admin="admin")
    assert first.demo_loaded and first.admin_username == "admin"
    password = first.admin_password
    assert password is not None and len(password) >= 20
    lines = "\n".join(first.lines())
    assert password in lines and "shown only now" in lines
    second = prepare(settings, demo=True, admin="admin")
    assert second.admin_password is None and not second.demo_loaded
    assert password not in "\n".join(second.lines())

    with TestClient(create_app(settings)) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": password})
        assert token.status_code == 200
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        held = client.get("/api/v1/holdings", headers=h).json()
        assert len(held) >= 20 and all(x["illustrative"] for x in held if x["lots"])
        contracts = client.get("/api/v1/contracts?limit=100", headers=h).json()["items"]
        assert any(c["material"] == "antimony" and c["ceiling"] == 245_000_000 for c in contracts)
        page = client.get("/login")
        csrf = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        assert csrf
        client.post(
            "/login", data={"username": "admin", "password": password, "login_csrf": csrf.group(1)}
        )
        overview = client.get("/")
        assert overview.status_code == 200 and "illustrative" in overview.text


def test_serve_help_lists_options() -> None:
    exe = Path(sys.executable).with_name("stockpile")
    result = subprocess.run(
        [str(exe), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for option in ("--db", "--host", "--port", "--init-demo"):
        assert option in result.stdout
