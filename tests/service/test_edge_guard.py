"""The edge of the service: control characters, body size and security headers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.service.app import create_app
from stockpile.service.permissions import Role

from .conftest import TEST_KINDS, make_settings


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b"])
def test_control_character_in_sign_in_form_is_422(client: TestClient, value: str) -> None:
    r = client.post("/api/v1/auth/token", data={"username": value, "password": "x"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "body.username"


@pytest.mark.parametrize("path", ["/api/v1/lots?material=a%00b", "/api/v1/journal?q=a%00b"])
def test_control_character_in_query_is_422(
    client: TestClient, headers: dict[Role, dict[str, str]], path: str
) -> None:
    r = client.get(path, headers=headers[Role.ADMIN])
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].startswith("query.")


def test_control_character_in_path_is_422(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    r = client.get("/api/v1/lots/a%00b", headers=headers[Role.ADMIN])
    assert r.status_code == 422, r.text


def test_control_character_anywhere_in_json_is_422(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    body = {"code": "D1", "name": "Depot", "location": {"nested": ["ok", "x\u0000y"]}}
    r = client.post("/api/v1/depots", json=body, headers=headers[Role.ADMIN])
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.location.nested.1"
    lone = '{"code": "D1", "name": "\\ud800", "location": "X"}'
    r = client.post(
        "/api/v1/depots",
        content=lone,
        headers={**headers[Role.ADMIN], "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text


def test_tabs_and_newlines_in_text_are_kept(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    body = {"code": "D1", "name": "Depot\tone", "location": "line 1\r\nline 2"}
    r = client.post("/api/v1/depots", json=body, headers=headers[Role.ADMIN])
    assert r.status_code == 201, r.text


def test_oversized_body_is_413_before_parsing(tmp_path: Any, template_db: Any) -> None:
    import shutil

    shutil.copyfile(template_db, tmp_path / "service.sqlite3")
    app = create_app(make_settings(tmp_path, max_body_bytes=1000), job_kinds=TEST_KINDS)
    with TestClient(app) as c:
        big = json.dumps({"code": "D1", "name": "x" * 2000, "location": "X"})
        r = c.post("/api/v1/depots", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")

        def chunks() -> Any:
            yield b'{"code": "D1", "name": "'
            for _ in range(20):
                yield b"x" * 100
            yield b'"}'

        r = c.post("/api/v1/depots", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text


@pytest.mark.parametrize("path", ["/api/v1/materials", "/login", "/api/openapi.json"])
def test_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_schema_documents_the_rule(app: Any) -> None:
    from stockpile.service.guard import NO_CONTROL_PATTERN

    spec = app.openapi()
    depot = spec["components"]["schemas"]["DepotCreate"]
    assert depot["properties"]["name"]["pattern"] == NO_CONTROL_PATTERN
    assert depot["propertyNames"] == {"pattern": NO_CONTROL_PATTERN}
    form = spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    ref = form["application/x-www-form-urlencoded"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert spec["components"]["schemas"][ref]["properties"]["password"]["pattern"] == (
        NO_CONTROL_PATTERN
    )
