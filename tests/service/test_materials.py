"""Materials and reference-data routes against the bundled USGS tables."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.reference import catalogue
from stockpile.service.permissions import Role


def test_list_materials_paginated(client: TestClient, headers: Any) -> None:
    h = headers[Role.VIEWER]
    first = client.get("/api/v1/materials?limit=5", headers=h).json()
    assert first["total"] == len(catalogue())
    assert [m["key"] for m in first["items"]] == [m.key for m in catalogue()[:5]]
    second = client.get("/api/v1/materials?limit=5&offset=5", headers=h).json()
    assert [m["key"] for m in second["items"]] == [m.key for m in catalogue()[5:10]]
    bad = client.get("/api/v1/materials?limit=0", headers=h)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.limit"


def test_material_by_symbol_and_unknown(client: TestClient, headers: Any) -> None:
    h = headers[Role.VIEWER]
    r = client.get("/api/v1/materials/Sb", headers=h)
    assert r.status_code == 200 and r.json()["key"] == "antimony"
    r = client.get("/api/v1/materials/antimonyy", headers=h)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "antimony" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "path.material"


def test_antimony_production_2024_matches_usgs(client: TestClient, headers: Any) -> None:
    # USGS MCS 2026, antimony mine production 2024: Australia 1,270 t (Sb content)
    rows = client.get(
        "/api/v1/materials/antimony/production?year=2024", headers=headers[Role.VIEWER]
    ).json()
    aus = [r for r in rows if r["iso3"] == "AUS" and r["stage"] == "mine"]
    assert len(aus) == 1 and aus[0]["value"] == 1270.0
    assert aus[0]["basis"] == "Sb content"
    assert {r["year"] for r in rows} == {2024}


def test_antimony_prices_and_us_market(client: TestClient, headers: Any) -> None:
    h = headers[Role.VIEWER]
    prices = client.get("/api/v1/materials/antimony/prices?year=2021", headers=h).json()
    assert any(p["price"] == 5.31 and p["usd_per_kg_derived"] == 11.71 for p in prices)
    us = client.get("/api/v1/materials/antimony/us-market", headers=h).json()
    by_year = {r["year"]: r for r in us}
    assert by_year[2021]["us_consumption"] == 27800.0
    assert by_year[2021]["net_import_reliance_pct"] == 85.0


def test_export_controls(client: TestClient, headers: Any) -> None:
    h = headers[Role.VIEWER]
    sb = client.get("/api/v1/materials/antimony/export-controls", headers=h).json()
    ids = {c["measure_id"] for c in sb}
    assert {"CN-2024-SB", "CN-2024-US-BAN"} <= ids
    ban = next(c for c in sb if c["measure_id"] == "CN-2024-US-BAN")
    assert ban["effective"] == "2024-12-03" and ban["suspended_until"] == "2026-11-27"
    allc = client.get("/api/v1/export-controls?limit=500", headers=h).json()
    assert allc["total"] == len(allc["items"]) >= len(ids)


def test_import_sources(client: TestClient, headers: Any) -> None:
    rows = client.get(
        "/api/v1/materials/antimony/import-sources", headers=headers[Role.VIEWER]
    ).json()
    assert rows and all(r["period"] == "2021-24" for r in rows)


def test_risk_table_and_profile(client: TestClient, headers: Any) -> None:
    h = headers[Role.VIEWER]
    rows = client.get("/api/v1/risk", headers=h).json()["materials"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert len(rows) == len(catalogue())
    sb = client.get("/api/v1/risk/Sb", headers=h).json()
    row = next(r for r in rows if r["material"] == "antimony")
    assert sb["hhi"] == pytest.approx(row["hhi"]) and sb["risk_score"] == pytest.approx(
        row["risk_score"]
    )
    # USGS MCS 2026: antimony NIR 2024 printed as 86 %
    assert sb["nir_published_raw"] == "86"
    assert "CN-2024-SB" in sb["export_control_measures"]
    assert client.get("/api/v1/risk?year=2019", headers=h).status_code == 422
    refined = client.get("/api/v1/risk?stage=refined", headers=h).json()["materials"]
    co = next(r for r in refined if r["material"] == "cobalt")
    assert co["top_producer"] == "China" and co["refined_source"] == "IEA CMDE 2025, 2024 observed"
    ree = client.get("/api/v1/risk/rare%20earths", headers=h).json()
    stages = ree["profile"]["stages"]
    assert [s["link"]["stage"] for s in stages] == ["mine", "refined", "metal", "magnet"]
    assert [s["known"] for s in stages] == [True, True, False, False]
    assert ree["bottleneck_stage"] == "refined" and ree["geopolrisk_us"] > 0
