"""Job limits: a per-user queue limit, and only the owner (or an administrator) cancels."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Role

from .conftest import PASSWORD, TEST_KINDS, Account, bearer, make_settings

SLOW = {"kind": "count", "params": {"n": 1000, "pause_s": 0.01}}


def _app(tmp_path: Path, template_db: Path, **overrides: Any) -> Any:
    shutil.copyfile(template_db, tmp_path / "service.sqlite3")
    return create_app(make_settings(tmp_path, **overrides), job_kinds=TEST_KINDS)


def test_queue_limit_per_user(tmp_path: Path, template_db: Path, accounts: Any) -> None:
    app = _app(tmp_path, template_db, job_queue_limit=2)
    with TestClient(app) as client:
        analyst = bearer(client, accounts[Role.ANALYST])
        admin = bearer(client, accounts[Role.ADMIN])
        ids = []
        for _ in range(2):
            r = client.post("/api/v1/jobs", json=SLOW, headers=analyst)
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        r = client.post("/api/v1/jobs", json=SLOW, headers=analyst)
        assert r.status_code == 429, r.text
        assert "Retry-After" in r.headers
        # another user has a queue of their own
        r = client.post("/api/v1/jobs", json=SLOW, headers=admin)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
        for job_id in ids:
            client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin)


def test_only_owner_or_admin_cancels(tmp_path: Path, template_db: Path, accounts: Any) -> None:
    app = _app(tmp_path, template_db)
    ctx = app.state.ctx
    with ctx.db.sessions() as session:
        create_user(
            session, hasher=ctx.hasher, username="analyst-2", password=PASSWORD, role=Role.ANALYST
        )
        sync_ledger_user(session, username="analyst-2", role=Role.ANALYST, actor="admin")
        session.commit()
    with TestClient(app) as client:
        owner = bearer(client, accounts[Role.ANALYST])
        other = bearer(client, Account("analyst-2", PASSWORD, Role.ANALYST))
        admin = bearer(client, accounts[Role.ADMIN])
        first = client.post("/api/v1/jobs", json=SLOW, headers=owner).json()["id"]
        second = client.post("/api/v1/jobs", json=SLOW, headers=owner).json()["id"]
        r = client.post(f"/api/v1/jobs/{first}/cancel", headers=other)
        assert r.status_code == 403, r.text
        assert client.get(f"/api/v1/jobs/{first}", headers=owner).json()["status"] in {
            "queued",
            "running",
        }
        assert client.post(f"/api/v1/jobs/{first}/cancel", headers=owner).status_code == 200
        assert client.post(f"/api/v1/jobs/{second}/cancel", headers=admin).status_code == 200
