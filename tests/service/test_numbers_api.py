"""Numbers in the API: one plain grammar, canonical values (a retry with 1.0 for 1 is the same)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.ledger import NUMBER_PATTERN
from stockpile.service.permissions import Role


@pytest.mark.parametrize(
    "amount",
    ["1_000", "1e", "0x10", "١٢", " 1", "Infinity", "NaN", "1e50", 1e50, "-1e99", ".458E690462600"],
)
def test_non_plain_numbers_are_422(
    client: TestClient, headers: dict[Role, dict[str, str]], amount: str
) -> None:
    r = client.post(
        "/api/v1/funds",
        headers=headers[Role.ADMIN],
        json={"code": "F9", "name": "Fund", "amount": amount},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.amount"


def test_retry_with_an_equal_number_is_the_same_request(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    h = {**headers[Role.ADMIN], "Idempotency-Key": "fund-9"}
    first = client.post("/api/v1/funds", headers=h, json={"code": "F9", "name": "F", "amount": 100})
    assert first.status_code == 201, first.text
    for amount in ["100.00", "1e2", 100.0, "100"]:
        again = client.post(
            "/api/v1/funds", headers=h, json={"code": "F9", "name": "F", "amount": amount}
        )
        assert again.status_code == 201, (amount, again.text)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()


def test_schema_gives_the_number_grammar(app: Any) -> None:
    amount = app.openapi()["components"]["schemas"]["FundCreate"]["properties"]["amount"]
    strings = [b for b in amount["anyOf"] if b.get("type") == "string"]
    assert strings and all(b["pattern"] == NUMBER_PATTERN for b in strings)


@pytest.mark.parametrize("quantity", ["1e309", "1E+999999", "1_000"])
def test_release_form_refuses_huge_or_odd_numbers(
    client: TestClient, app: Any, accounts: Any, quantity: str
) -> None:
    from .test_web_ledger import _csrf, _login

    _login(client, accounts[Role.ANALYST])
    form = client.get("/releases").text
    r = client.post(
        "/releases/request",
        data={
            "csrf_token": _csrf(form),
            "material": "antimony",
            "quantity": quantity,
            "unit": "lb",
            "recipient": "Army",
            "purpose": "national-defence",
            "legal_basis": "presidential-order",
        },
    )
    assert r.status_code == 422, r.text[:300]
    assert "quantity" in r.text
