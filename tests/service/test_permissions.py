"""The role x endpoint permission matrix: each role gets exactly the documented access."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from stockpile.service.app import API_PREFIX
from stockpile.service.deps import Authorize
from stockpile.service.permissions import PERMISSIONS, Permission, Role, parse_role
from stockpile.service.routes import ROUTERS
from stockpile.service.routes.jobs import result_router

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"
UNGUARDED = {"/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/auth/logout"}
SAMPLE = {
    "material": "antimony",
    "code": "NO-SUCH-LOT",
    "number": "NO-SUCH-CONTRACT",
    "job_id": "00000000-0000-0000-0000-000000000000",
    "user_id": "999999",
    "release_id": "999999",
    "loan_id": "999999",
}


def _authorizers(dep: Dependant) -> list[Permission]:
    found = [dep.call.permission] if isinstance(dep.call, Authorize) else []
    for sub in dep.dependencies:
        found.extend(_authorizers(sub))
    return found


def api_routes(app: FastAPI) -> list[tuple[str, str, Permission | None]]:
    """(method, path, permission) of every API route, checked against the OpenAPI paths."""
    out = []
    for router in (*ROUTERS, result_router(app.state.ctx.jobs.kinds)):
        for r in router.routes:
            assert isinstance(r, APIRoute)
            perms = set(_authorizers(r.dependant))
            assert len(perms) <= 1, f"{r.path} has several permissions {perms}"
            for method in sorted(r.methods):
                out.append((method, API_PREFIX + r.path, next(iter(perms), None)))
    spec = app.openapi()["paths"]
    in_spec = {(m.upper(), p) for p, ops in spec.items() if p.startswith(API_PREFIX) for m in ops}
    assert in_spec == {(m, p) for m, p, _ in out}
    return out


def documented_table() -> dict[Role, set[Permission]]:
    text = DOC.read_text()
    section = text.split("## Permission table", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    roles = [parse_role(h) for h in header[1:]]
    table: dict[Role, set[Permission]] = {r: set() for r in roles}
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        perm = Permission(cells[0].strip("`"))
        for role, cell in zip(roles, cells[1:], strict=True):
            assert cell in {"yes", "-"}, f"cell {cell!r} for {perm} / {role}"
            if cell == "yes":
                table[role].add(perm)
    return table


def test_documented_table_is_the_code_table() -> None:
    assert documented_table() == {r: set(p) for r, p in PERMISSIONS.items()}


def _doc_name(path: str, perm: Permission | None) -> str:
    if perm is not None:
        return perm.value
    return "none" if path == "/api/v1/auth/token" else "signed_in"


def test_documented_routes_are_the_app_routes(app: FastAPI) -> None:
    section = DOC.read_text().split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    pattern = re.compile(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/api/v1\S*)` \| `(\w+)` \|", re.M)
    documented = {m.groups() for m in pattern.finditer(section)}
    actual = {(m, p, _doc_name(p, perm)) for m, p, perm in api_routes(app)}
    assert documented == actual


def test_every_api_route_is_guarded(app: FastAPI) -> None:
    for method, path, perm in api_routes(app):
        if path in UNGUARDED:
            continue
        assert perm is not None, f"{method} {path} has no Authorize dependency"


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


def test_matrix(client: TestClient, app: FastAPI, headers: Any) -> None:
    checked = 0
    for method, path, perm in api_routes(app):
        if perm is None:
            continue
        url = _fill(path)
        for role in Role:
            kwargs: dict[str, Any] = {"headers": headers[role]}
            if method in {"POST", "PATCH", "PUT"}:
                kwargs["json"] = {}
            r = client.request(method, url, **kwargs)
            if perm in PERMISSIONS[role]:
                assert r.status_code not in {401, 403}, (role, method, path, r.text)
                assert r.status_code < 500, (role, method, path, r.text)
            else:
                assert r.status_code == 403, (role, method, path, r.status_code, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
            checked += 1
        anon = client.request(method, url, json={} if method != "GET" else None)
        assert anon.status_code == 401, (method, path)
    assert checked >= 6 * 25
