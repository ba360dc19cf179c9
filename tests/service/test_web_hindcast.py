"""The hindcast page: chart of observed points against simulated intervals, and its table."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from stockpile.service.permissions import Role


def _login(client: TestClient, account: Any) -> None:
    page = client.get("/login", params={"next": "/"})
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token
    client.post(
        "/login",
        data={
            "username": account.username,
            "password": account.password,
            "next": "/",
            "preserved": "{}",
            "login_csrf": token.group(1),
        },
        follow_redirects=False,
    )


def test_hindcast_page_charts_observed_points_and_intervals(
    client: TestClient, accounts: Any
) -> None:
    _login(client, accounts[Role.VIEWER])
    page = client.get("/hindcast")
    assert page.status_code == 200
    spec = re.search(
        r'<script type="application/json" data-plot="hindcast">(.*?)</script>', page.text, re.S
    )
    assert spec
    figure = json.loads(spec.group(1))
    names = [trace["name"] for trace in figure["data"]]
    assert any(n.startswith("model, in-sample") for n in names)
    assert any(n.startswith("model, leave-one-out") for n in names)
    assert any(n.startswith("observed") for n in names)
    # every target is on the axis, including those not simulated and the misses
    assert "E03-NI-2019" in figure["layout"]["xaxis"]["ticktext"]
    assert "not simulated" in page.text and "E06-SB-2025" in page.text


def test_api_hindcast_is_the_cli_document(client: TestClient, headers: Any) -> None:
    r = client.get("/api/v1/market/hindcast", headers=headers[Role.VIEWER])
    assert r.status_code == 200
    doc = r.json()
    rows = {row["target_id"]: row for row in doc["rows"]}
    assert rows["E06-SB-2025"]["in_sample_status"] == "inside"
    assert rows["E03-NI-2019"]["in_sample"] is None
    assert {p["parameter"] for p in doc["parameters"]} >= {"eta_minor_metals", "max_price_ratio"}
