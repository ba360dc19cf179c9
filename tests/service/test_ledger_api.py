"""Ledger routes: the antimony receipt worked by hand, releases by two people, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.service.permissions import Role

LB_TO_T = 0.45359237e-3  # exact definition of the pound [t/lb]


def _fiscal_year(day: dt.date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def _ok(r: Any, status: int = 201) -> Any:
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def books(client: TestClient, headers: Any) -> dict[str, Any]:
    """Depot, fund, cap, plan line, the antimony contract and its first order (all via API)."""
    admin, co = headers[Role.ADMIN], headers[Role.CONTRACTING_OFFICER]
    fy = _fiscal_year(dt.date.today())
    _ok(
        client.post(
            "/api/v1/depots",
            headers=admin,
            json={
                "code": "SCOTIA",
                "name": "Scotia depot",
                "location": "Scotia, NY",
                "monthly_release_capacity": 500,
                "capacity_unit": "metric_ton",
            },
        )
    )
    fund = _ok(
        client.post(
            "/api/v1/funds",
            headers=admin,
            json={
                "code": "NDS-2025",
                "name": "P.L. 119-21 stockpile appropriation",
                "amount": "2000000000",
                "allowed_uses": ["acquisition"],
            },
        )
    )
    assert fund["balance"] == 2_000_000_000
    _ok(client.post("/api/v1/caps", headers=admin, json={"material": "Sb", "ceiling": "245000000"}))
    _ok(
        client.post(
            "/api/v1/plan",
            headers=admin,
            json={
                "fiscal_year": fy,
                "material": "antimony",
                "max_acquisition": "1000000",
                "max_disposal": "0",
                "unit": "lb",
            },
        )
    )
    _ok(
        client.post(
            "/api/v1/contracts",
            headers=co,
            json={
                "number": "SB-IDIQ-TEST",
                "supplier": "Domestic producer",
                "material": "antimony",
                "form": "ingot",
                "unit": "lb",
                "ceiling": "245000000",
                "period_start": str(dt.date.today() - dt.timedelta(days=30)),
                "period_end": str(dt.date.today() + dt.timedelta(days=5 * 365)),
                "fund": "NDS-2025",
                "max_quantity": "6700000",
                "depot": "SCOTIA",
            },
        )
    )
    order = _ok(
        client.post(
            "/api/v1/contracts/SB-IDIQ-TEST/orders",
            headers=co,
            json={
                "number": "SB-DO-1",
                "quantity": "315000",
                "value": "10000000",
                "due_date": str(dt.date.today() + dt.timedelta(days=60)),
                "depot": "SCOTIA",
            },
        )
    )
    assert order["unit"] == "pound" and order["status"] == "open"
    return {"fy": fy}


def test_receive_antimony_moves_fund_cap_plan_holdings(
    client: TestClient, headers: Any, books: Any
) -> None:
    co, viewer = headers[Role.CONTRACTING_OFFICER], headers[Role.VIEWER]
    key = {**co, "Idempotency-Key": "receipt-1"}
    r1 = _ok(client.post("/api/v1/delivery-orders/SB-DO-1/receipts", headers=key, json={}))
    r2 = client.post("/api/v1/delivery-orders/SB-DO-1/receipts", headers=key, json={})
    assert r2.status_code == 201 and r2.json() == r1  # replayed, not received twice
    assert r1["quantity"] == 315000 and r1["cost"] == 10_000_000 and r1["unit"] == "pound"
    funds = _ok(client.get("/api/v1/funds", headers=viewer), 200)["items"]
    assert funds[0]["balance"] == 2_000_000_000 - 10_000_000
    cap = _ok(client.get("/api/v1/caps", headers=viewer), 200)["items"][0]
    assert (cap["spent"], cap["remaining"]) == (10_000_000, 235_000_000)
    plan = _ok(client.get(f"/api/v1/plan?fiscal_year={books['fy']}", headers=viewer), 200)
    assert plan["items"][0]["acquired"] == pytest.approx(315000)
    lots = _ok(client.get("/api/v1/lots?material=antimony", headers=viewer), 200)["items"]
    assert len(lots) == 1 and lots[0]["quantity"] == 315000 and lots[0]["depot"] == "SCOTIA"
    contract = _ok(client.get("/api/v1/contracts/SB-IDIQ-TEST", headers=viewer), 200)
    assert contract["spent"] == 10_000_000 and contract["received"] == 315000
    verify = _ok(client.get("/api/v1/journal/verify", headers=headers[Role.AUDITOR]), 200)
    assert verify["ok"] is True and verify["entries"] > 0
    journal = _ok(
        client.get("/api/v1/journal?actor=contracting-officer", headers=headers[Role.AUDITOR]), 200
    )
    assert journal["total"] > 0
    assert all(e["actor"] == "contracting-officer" for e in journal["items"])


def test_holdings_value_and_cover(client: TestClient, headers: Any, books: Any) -> None:
    co = headers[Role.CONTRACTING_OFFICER]
    _ok(client.post("/api/v1/delivery-orders/SB-DO-1/receipts", headers=co, json={}))
    rows = _ok(client.get("/api/v1/holdings", headers=headers[Role.VIEWER]), 200)
    sb = next(h for h in rows if h["material"] == "antimony")
    assert sb["quantity"] == 315000 and sb["unit"] == "pound" and sb["cost_basis"] == 10_000_000
    if sb["days_of_cover"] is not None and sb["consumption_year"] is not None:
        # holding [t] / (U.S. apparent consumption [t/yr] / 365); the ledger's own figure
        assert sb["days_of_cover"] > 0


def test_receipt_beyond_order_is_422_naming_field(
    client: TestClient, headers: Any, books: Any
) -> None:
    r = client.post(
        "/api/v1/delivery-orders/SB-DO-1/receipts",
        headers=headers[Role.CONTRACTING_OFFICER],
        json={"quantity": "400000"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"]
    bad = client.post(
        "/api/v1/delivery-orders/SB-DO-1/receipts",
        headers=headers[Role.CONTRACTING_OFFICER],
        json={"quantity": "-5"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.quantity"


def test_release_needs_two_people_and_defence_purpose(
    client: TestClient, headers: Any, books: Any
) -> None:
    _ok(
        client.post(
            "/api/v1/delivery-orders/SB-DO-1/receipts",
            headers=headers[Role.CONTRACTING_OFFICER],
            json={},
        )
    )
    ra = headers[Role.RELEASE_AUTHORITY]
    econ = client.post(
        "/api/v1/releases",
        headers=ra,
        json={
            "material": "antimony",
            "quantity": "1000",
            "unit": "lb",
            "recipient": "Army",
            "purpose": "economic",
            "legal_basis": "presidential-order",
        },
    )
    assert econ.status_code == 422, econ.text
    body = {
        "material": "antimony",
        "quantity": "100000",
        "unit": "lb",
        "recipient": "Army munitions plant",
        "purpose": "national-defence",
        "legal_basis": "presidential-order",
    }
    rel = _ok(client.post("/api/v1/releases", headers=ra, json=body))
    assert rel["status"] == "requested" and rel["requested_by"] == "release-authority"
    same = client.post(f"/api/v1/releases/{rel['id']}/approve", headers=ra)
    assert same.status_code == 403
    assert same.json()["errors"][0]["field"] == "approver"
    # a contracting officer may request, but not approve
    assert (
        client.post(
            f"/api/v1/releases/{rel['id']}/approve", headers=headers[Role.CONTRACTING_OFFICER]
        ).status_code
        == 403
    )
    rel2 = _ok(client.post("/api/v1/releases", headers=headers[Role.ANALYST], json=body))
    appr = _ok(client.post(f"/api/v1/releases/{rel2['id']}/approve", headers=ra), 200)
    assert appr["status"] == "approved" and appr["approved_by"] == "release-authority"
    done = _ok(
        client.post(
            f"/api/v1/releases/{rel2['id']}/execute", headers=headers[Role.CONTRACTING_OFFICER]
        ),
        200,
    )
    assert done["release"]["status"] == "executed"
    assert sum(d["quantity"] for d in done["draws"]) == pytest.approx(100000)
    assert done["release"]["report"]  # written report to the committees under us-nds
    sb = _ok(client.get("/api/v1/lots?material=antimony", headers=ra), 200)["items"]
    assert sum(lot["quantity"] for lot in sb) == pytest.approx(215000)
    regime = _ok(client.get("/api/v1/regime", headers=headers[Role.VIEWER]), 200)
    assert regime["key"] == "us-nds" and "economic" in regime["forbidden_purposes"]


def test_user_creation_registers_ledger_user(client: TestClient, headers: Any) -> None:
    admin = headers[Role.ADMIN]
    u = _ok(
        client.post(
            "/api/v1/users",
            headers=admin,
            json={
                "username": "ra2",
                "role": "release_authority",
                "password": "another-long-pass-1",
            },
        )
    )
    assert u["role"] == "release_authority" and "password" not in u
    dup = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "ra2", "role": "viewer", "password": "another-long-pass-1"},
    )
    assert dup.status_code == 409
    weak = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "weak", "role": "viewer", "password": "aaaaaaaaaaaaaa"},
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"


def test_transfer_loan_and_adjustment(client: TestClient, headers: Any, books: Any) -> None:
    co, auditor, admin = (
        headers[Role.CONTRACTING_OFFICER],
        headers[Role.AUDITOR],
        headers[Role.ADMIN],
    )
    receipt = _ok(client.post("/api/v1/delivery-orders/SB-DO-1/receipts", headers=co, json={}))
    lot = receipt["lot_code"]
    _ok(
        client.post(
            "/api/v1/depots",
            headers=admin,
            json={"code": "HAMMOND", "name": "Hammond depot", "location": "Hammond, IN"},
        )
    )
    moved = _ok(
        client.post(
            "/api/v1/transfers",
            headers=co,
            json={"lot": lot, "to_depot": "HAMMOND", "quantity": "15000", "new_lot": "SB-H-1"},
        )
    )
    assert moved["lot"] == "SB-H-1"
    loan = _ok(
        client.post(
            "/api/v1/loans",
            headers=co,
            json={"lot": lot, "quantity": "1000", "borrower": "Army", "return_due": "2030-01-01"},
        )
    )
    after_loan = _ok(client.get(f"/api/v1/lots/{lot}", headers=co), 200)["quantity"]
    assert after_loan == pytest.approx(315000 - 15000 - 1000)
    _ok(client.post(f"/api/v1/loans/{loan['loan_id']}/returns", headers=co, json={}))
    assert (
        client.post(
            "/api/v1/adjustments", headers=co, json={"lot": lot, "delta": "-10", "reason": "count"}
        ).status_code
        == 403
    )
    _ok(
        client.post(
            "/api/v1/adjustments",
            headers=auditor,
            json={"lot": lot, "delta": "-10", "reason": "annual count found 10 lb less"},
        )
    )
    lots = {x["code"]: x for x in _ok(client.get("/api/v1/lots", headers=co), 200)["items"]}
    assert lots[lot]["quantity"] == pytest.approx(300000 - 10)
    assert lots["SB-H-1"]["depot"] == "HAMMOND" and lots["SB-H-1"]["quantity"] == 15000
    assert _ok(client.get("/api/v1/journal/verify", headers=auditor), 200)["ok"] is True
