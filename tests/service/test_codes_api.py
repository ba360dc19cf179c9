"""Codes: the API reads back every code the ledger makes; chart JSON embedded in pages is inert."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from stockpile.ledger import CODE_PATTERN
from stockpile.service.permissions import Role
from stockpile.service.web.charts import bar_figure

from .test_web_ledger import _login, stocked  # noqa: F401

XSS = "</script><script>alert(4)</script>"


def test_api_schema_uses_the_ledger_grammar(app: Any) -> None:
    spec = app.openapi()
    transfer = spec["components"]["schemas"]["TransferCreate"]["properties"]["lot"]
    assert transfer["pattern"] == CODE_PATTERN
    lot_path = next(
        p for p in spec["paths"]["/api/v1/lots/{code}"]["get"]["parameters"] if p["name"] == "code"
    )
    assert lot_path["schema"]["pattern"] == CODE_PATTERN


def test_generated_lot_codes_are_accepted_back(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    stocked: None,  # noqa: F811
) -> None:
    admin, co = headers[Role.ADMIN], headers[Role.CONTRACTING_OFFICER]
    r = client.post(
        "/api/v1/depots", headers=admin, json={"code": "D2", "name": "Two", "location": "Y"}
    )
    assert r.status_code == 201, r.text
    lot = client.get("/api/v1/lots", headers=co).json()["items"][0]["code"]
    r = client.post(
        "/api/v1/transfers", headers=co, json={"lot": lot, "to_depot": "D2", "quantity": "10"}
    )
    assert r.status_code == 201, r.text
    moved = r.json()["lot"]
    assert "@" in moved
    assert client.get(f"/api/v1/lots/{moved}", headers=co).status_code == 200
    r = client.post(
        "/api/v1/transfers",
        headers=co,
        json={"lot": moved, "to_depot": "D1", "quantity": "5"},
    )
    assert r.status_code == 201, r.text


def test_chart_json_cannot_close_its_script_element() -> None:
    chart = bar_figure([XSS, "a & b"], [1.0, 2.0], title="t", y_title="y")
    assert "<" not in chart and ">" not in chart and "&" not in chart
    assert json.loads(chart)["data"][0]["x"] == [XSS, "a & b"]


def test_contracts_page_escapes_a_stored_hostile_number(
    client: TestClient,
    app: Any,
    accounts: Any,
    stocked: None,  # noqa: F811
) -> None:
    # a number stored before codes were checked by the ledger
    with app.state.ctx.db.sessions() as session:
        session.execute(text("UPDATE contracts SET number = :n"), {"n": XSS})
        session.commit()
    _login(client, accounts[Role.AUDITOR])
    page = client.get("/contracts").text
    assert "<script>alert(4)" not in page
    scripts = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert scripts
    assert any(
        XSS in json.dumps(json.loads(s)["data"]) or XSS in str(json.loads(s)) for s in scripts
    )
