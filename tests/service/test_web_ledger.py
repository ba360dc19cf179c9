"""Ledger pages with real books: every page renders, releases by two users, verify, reports."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.service.permissions import Role

from .conftest import open_order


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def _login(client: TestClient, account: Any) -> None:
    page = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={
            "username": account.username,
            "password": account.password,
            "login_csrf": token.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303


@pytest.fixture
def stocked(client: TestClient, headers: Any) -> None:
    """Depot D1, fund F1 and 315,000 lb of antimony received through the API."""
    open_order(client, headers, due_date=dt.date.today() + dt.timedelta(days=30))
    co = headers[Role.CONTRACTING_OFFICER]
    r = client.post("/api/v1/delivery-orders/O1/receipts", headers=co, json={})
    assert r.status_code == 201, r.text


def test_every_page_renders(client: TestClient, accounts: Any, stocked: None) -> None:
    _login(client, accounts[Role.AUDITOR])
    for path in [
        "/",
        "/inventory",
        "/materials",
        "/materials/antimony",
        "/contracts",
        "/releases",
        "/scenarios",
        "/journal",
        "/reports",
        "/reports/operations",
    ]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
    overview = client.get("/").text
    assert "$10.0M" not in overview or "value" in overview
    assert "315,000.0 lb" in client.get("/inventory").text
    lot = re.search(r'href="/inventory/lots/([^"]+)"', client.get("/materials/antimony").text)
    assert lot and client.get(f"/inventory/lots/{lot.group(1)}").status_code == 200
    v = client.get("/journal/verify", headers={"HX-Request": "true"})
    assert 'id="verify-status"' in v.text and "OK:" in v.text
    rows = client.get("/journal", params={"q": "receive"}, headers={"HX-Request": "true"})
    assert "<table>" in rows.text and "<html" not in rows.text
    pdf = client.get("/reports/operations.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_viewer_cannot_see_journal(client: TestClient, accounts: Any) -> None:
    _login(client, accounts[Role.VIEWER])
    r = client.get("/journal")
    assert r.status_code == 403 and "Forbidden" in r.text


def test_release_request_and_approval_by_two_users(
    client: TestClient, app: Any, accounts: Any, stocked: None
) -> None:
    analyst = TestClient(app)
    _login(analyst, accounts[Role.ANALYST])
    form = analyst.get("/releases").text
    assert "presidential-order" in form  # the regime's rules are shown
    r = analyst.post(
        "/releases/request",
        data={
            "csrf_token": _csrf(form),
            "material": "antimony",
            "quantity": "1000",
            "unit": "lb",
            "recipient": "Army",
            "purpose": "economic",
            "legal_basis": "presidential-order",
        },
    )
    assert r.status_code == 422 and "economic" in r.text
    r = analyst.post(
        "/releases/request",
        data={
            "csrf_token": _csrf(form),
            "material": "antimony",
            "quantity": "1000",
            "unit": "lb",
            "recipient": "Army",
            "purpose": "national-defence",
            "legal_basis": "presidential-order",
        },
    )
    assert r.status_code == 200 and "requested" in r.text
    rid = re.search(r'id="release-(\d+)"', r.text)
    assert rid
    ra = TestClient(app)
    _login(ra, accounts[Role.RELEASE_AUTHORITY])
    page = ra.get("/releases").text
    assert 'class="approve"' in page
    r = ra.post(f"/releases/{rid.group(1)}/approve", data={"csrf_token": _csrf(page)})
    assert r.status_code == 200 and "approved" in r.text
    r = ra.post(f"/releases/{rid.group(1)}/execute", data={"csrf_token": _csrf(page)})
    assert r.status_code == 200 and "executed" in r.text
    assert "Armed Services" in r.text


def test_admin_creates_user_from_page(client: TestClient, app: Any, accounts: Any) -> None:
    _login(client, accounts[Role.ADMIN])
    page = client.get("/users")
    assert page.status_code == 200 and "release-authority" in page.text
    r = client.post(
        "/users/create",
        data={"csrf_token": _csrf(page.text), "username": "ra2", "role": "release_authority"},
    )
    assert r.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', r.text)
    assert password
    other = TestClient(app)
    token = other.post(
        "/api/v1/auth/token", data={"username": "ra2", "password": password.group(1)}
    )
    assert token.status_code == 200
    dup = client.post(
        "/users/create", data={"csrf_token": _csrf(page.text), "username": "ra2", "role": "viewer"}
    )
    assert dup.status_code == 422
    viewer = TestClient(app)
    _login(viewer, accounts[Role.VIEWER])
    assert viewer.get("/users").status_code == 403
