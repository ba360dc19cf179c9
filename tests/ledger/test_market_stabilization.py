"""The market-stabilisation regime: price-triggered auction batches and floor-priced purchases.

Sourced figures (stockpile_programs.csv): China's NFSRA 2021 copper batches were 20,000 t
(CN-NFSRA-2021-B1) and 30,000 t (-B2, -B4), sold to processors only with no resale; the 2005
copper auctions capped each bidder at 1,000 t (domain notes). The copper reference price is
the ledger's USGS MCS 2026 series: 10.8 USD/kg (2025, estimated). The release trigger
(10 USD/kg), the purchase floor (9 USD/kg), the lots and the bid prices are test figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from stockpile import ledger
from stockpile.ledger import AuctionBid as Bid
from stockpile.service.cli.ledger import register

from .conftest import seed_users, snapshot

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RULE_SOURCE = (
    "bidder cap: 2005 copper auctions (1,000 t); batch limit: largest 2021 NFSRA copper batch "
    "(CN-NFSRA-2021-B2, -B4: 30,000 t); trigger and floor: test figures"
)
BIDS = (
    Bid("Jiangxi smelter", "processor", 1000, 9800),
    Bid("Ningbo fabricator", "processor", 600, "9750.50"),
    Bid("Wuxi wire mill", "Processor", 400, "9701.25"),
)


@pytest.fixture
def books(session: Session) -> Session:
    seed_copper_reserve(session)
    return session


def seed_copper_reserve(s: Session) -> None:
    """A copper reserve of 30,000 t at one depot under market-stabilization."""
    seed_users(s)
    ledger.configure_stockpile(s, name="State reserve", regime="market-stabilization", actor="ada")
    ledger.create_depot(s, code="D1", name="Depot 1", location="", actor="ada")
    ledger.create_fund(
        s,
        code="TF",
        name="Reserve transaction fund",
        amount=0,
        actor="ada",
        kind="transaction",
        allowed_uses=("acquisition", "proceeds"),
    )
    ledger.create_fund(s, code="BUY", name="Purchase budget", amount=50_000_000, actor="ada", at=T0)
    ledger.record_opening_lot(
        s,
        code="CU-1",
        material="copper",
        quantity=30_000,
        unit="t",
        depot="D1",
        acquired_on=date(2019, 1, 1),
        actor="ada",
        form="cathode",
    )
    ledger.set_stabilization_rule(
        s,
        material="copper",
        unit="t",
        release_trigger=10,
        purchase_floor=9,
        eligible_classes=("processor",),
        bidder_cap=1000,
        batch_limit=30_000,
        source=RULE_SOURCE,
        actor="ada",
    )


def _request(s: Session, **changes: Any) -> int:
    kwargs: dict[str, Any] = {
        "material": "copper",
        "quantity": 2000,
        "unit": "t",
        "recipient": "auction batch 1",
        "purpose": "price-stabilisation",
        "legal_basis": "price-trigger",
        "actor": "ann",
        "batch": "2026-B1",
        "awards": BIDS,
        "at": T0,
    }
    kwargs.update(changes)
    return ledger.request_release(s, **kwargs)


def _fund(s: Session, code: str) -> Decimal:
    return next(f.balance for f in ledger.list_funds(s) if f.code == code)


def test_hand_worked_auction_batch(books: Session) -> None:
    s = books
    rid = _request(s)
    ledger.approve_release(s, release_id=rid, actor="rita", at=T0)
    out = ledger.execute_release(s, release_id=rid, actor="carl", at=T0)
    # 1,000 x 9,800 + 600 x 9,750.50 + 400 x 9,701.25 = 9,800,000 + 5,850,300 + 3,880,500
    assert out.proceeds == Decimal("19530800.00")
    assert out.draws == (ledger.Draw("CU-1", "D1", Decimal("2000.000000"), "metric_ton"),)
    assert _fund(s, "TF") == Decimal("19530800.00")
    assert _fund(s, "BUY") == Decimal("50000000.00")
    (lot,) = ledger.list_lots(s)
    assert lot.quantity == Decimal("28000")
    awards = ledger.list_auction_awards(s, release_id=rid)
    assert [(a.bidder, a.bidder_class, a.quantity, a.price, a.proceeds) for a in awards] == [
        ("Jiangxi smelter", "processor", 1000, Decimal("9800"), Decimal("9800000")),
        ("Ningbo fabricator", "processor", 600, Decimal("9750.5"), Decimal("5850300")),
        ("Wuxi wire mill", "processor", 400, Decimal("9701.25"), Decimal("3880500")),
    ]
    assert all(a.no_resale and a.batch == "2026-B1" for a in awards)
    # The price that allowed the batch is the ledger's reference price, with its source.
    assert {a.reference_price for a in awards} == {Decimal("10.8")}
    assert "USGS_MCS2026_DR 2025" in awards[0].price_source
    entries = [e for e in ledger.list_journal(s) if e.operation_id == out.operation_id]
    assert sorted((e.account_type, e.amount, e.unit) for e in entries) == [
        ("fund", Decimal("19530800.00"), "USD"),
        ("lot", Decimal("-2000"), "metric_ton"),
    ]
    assert ledger.verify_journal(s).status is ledger.VerifyStatus.OK


def test_explicit_price_is_recorded(books: Session) -> None:
    rid = _request(books, price_usd_per_kg="10.05")
    (award, *_) = ledger.list_auction_awards(books, release_id=rid)
    assert award.reference_price == Decimal("10.05")
    assert award.price_source == "given by the caller"


def _many(n: int) -> tuple[Bid, ...]:
    return tuple(Bid(f"processor {i}", "processor", 1000, 9800) for i in range(n))


REFUSALS: dict[str, tuple[dict[str, Any], type[ledger.LedgerError], str]] = {
    "price equal to the trigger": (
        {"price_usd_per_kg": 10},
        ledger.GovernanceError,
        "price_usd_per_kg",
    ),
    "price below the trigger": (
        {"price_usd_per_kg": "9.99"},
        ledger.GovernanceError,
        "price_usd_per_kg",
    ),
    "ineligible bidder class": (
        {"awards": (BIDS[0], replace(BIDS[1], bidder_class="trader"), BIDS[2])},
        ledger.GovernanceError,
        "awards[1].bidder_class",
    ),
    "bidder above the cap (same bidder twice)": (
        {
            "awards": (
                Bid("Jiangxi smelter", "processor", 600, 9800),
                Bid("JIANGXI SMELTER ", "processor", 401, 9800),
                Bid("Wuxi wire mill", "processor", 999, 9800),
            )
        },
        ledger.LimitExceededError,
        "awards[1].quantity",
    ),
    "batch above the limit": (
        {"awards": _many(31), "quantity": 31_000},
        ledger.LimitExceededError,
        "quantity",
    ),
    "awards do not add up": ({"quantity": 2500}, ledger.InvalidInputError, "awards"),
    "no awards": ({"awards": ()}, ledger.InvalidInputError, "awards"),
    "no batch name": ({"batch": None}, ledger.InvalidInputError, "batch"),
    "zero award": (
        {"awards": (*BIDS, Bid("x", "processor", 0, 1))},
        ledger.InvalidInputError,
        "awards[3].quantity",
    ),
    "zero price": (
        {"awards": (*BIDS, Bid("x", "processor", 1, 0))},
        ledger.InvalidInputError,
        "awards[3].price",
    ),
    "no rule for the material": (
        {"material": "cobalt"},
        ledger.GovernanceError,
        "stabilization_rule",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_writes_nothing(books: Session, case: str) -> None:
    changes, error, field = REFUSALS[case]
    before = snapshot(books)
    with pytest.raises(error) as info:
        _request(books, **changes)
    assert info.value.field == field
    assert snapshot(books) == before


def test_reference_price_not_above_the_trigger(books: Session) -> None:
    ledger.set_stabilization_rule(
        books, material="copper", unit="t", release_trigger=11, actor="ada"
    )
    before = snapshot(books)
    with pytest.raises(ledger.GovernanceError, match=r"10\.8 USD/kg .*USGS_MCS2026_DR"):
        _request(books)
    assert snapshot(books) == before


def test_a_batch_is_auctioned_once(books: Session) -> None:
    _request(books)
    before = snapshot(books)
    with pytest.raises(ledger.InvalidInputError) as info:
        _request(books)
    assert info.value.field == "batch"
    assert snapshot(books) == before


def test_stockpile_wide_rule_and_real_batch_size(books: Session) -> None:
    """A stockpile-wide rule covers aluminium; the first 2021 batch (50,000 t of aluminium,
    CN-NFSRA-2021-B1) fits a 90,000 t limit (the largest 2021 aluminium batch, -B2)."""
    s = books
    ledger.set_stabilization_rule(
        s,
        unit="t",
        release_trigger=3,
        eligible_classes=("processor",),
        batch_limit=90_000,
        actor="ada",
    )
    ledger.record_opening_lot(
        s,
        code="AL-1",
        material="aluminium",
        quantity=100_000,
        unit="t",
        depot="D1",
        acquired_on=date(2019, 1, 1),
        actor="ada",
    )
    rid = _request(
        s,
        material="aluminium",
        quantity=50_000,
        batch="AL-B1",
        awards=tuple(Bid(f"rolling mill {i}", "processor", 5000, 2600) for i in range(10)),
    )
    ledger.approve_release(s, release_id=rid, actor="rita", at=T0)
    assert ledger.execute_release(s, release_id=rid, actor="carl", at=T0).proceeds == Decimal(
        130_000_000
    )
    assert [r.material for r in ledger.list_stabilization_rules(s)] == ["", "copper"]


@pytest.fixture
def order(books: Session) -> Callable[..., ledger.ReceiptResult]:
    s = books
    ledger.create_contract(
        s,
        number="CU-BUY",
        supplier="Test supplier",
        material="copper",
        form="cathode",
        unit="t",
        ceiling=50_000_000,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        fund="BUY",
        actor="carl",
        depot="D1",
    )
    ledger.create_delivery_order(
        s, contract="CU-BUY", number="CU-DO-1", quantity=1000, value=8_500_000, actor="carl"
    )

    def receive(**kw: Any) -> ledger.ReceiptResult:
        return ledger.receive_delivery(s, order="CU-DO-1", actor="carl", at=T0, **kw)

    return receive


def test_purchase_refused_unless_below_the_floor(
    books: Session, order: Callable[..., ledger.ReceiptResult]
) -> None:
    for price in (None, 9, "9.5"):  # reference 10.8, then at and above the floor of 9 USD/kg
        before = snapshot(books)
        with pytest.raises(ledger.GovernanceError) as info:
            order(price_usd_per_kg=price)
        assert info.value.field == "price_usd_per_kg"
        assert snapshot(books) == before
    out = order(price_usd_per_kg="8.5")
    assert (out.quantity, out.cost) == (Decimal(1000), Decimal("8500000.00"))
    assert _fund(books, "BUY") == Decimal("41500000.00")
    memos = {e.memo for e in ledger.list_journal(books) if e.operation_id == out.operation_id}
    assert memos == {
        "order CU-DO-1; price 8.500000 USD/kg below floor 9.000000 (given by the caller)"
    }


def test_other_regimes_refuse_auction_fields(session: Session) -> None:
    seed_users(session)
    before = snapshot(session)
    with pytest.raises(ledger.InvalidInputError) as info:
        _request(session, purpose="national-defence", legal_basis="presidential-order")
    assert info.value.field == "awards"
    assert snapshot(session) == before


def test_rule_validation(books: Session) -> None:
    with pytest.raises(ledger.InvalidInputError) as info:
        ledger.set_stabilization_rule(
            books, unit="t", release_trigger=9, purchase_floor=10, actor="ada"
        )
    assert info.value.field == "purchase_floor"
    with pytest.raises(ledger.InvalidInputError) as info:
        ledger.set_stabilization_rule(books, unit="t", release_trigger=-1, actor="ada")
    assert info.value.field == "release_trigger"
    with pytest.raises(ledger.AuthorisationError):
        ledger.set_stabilization_rule(books, unit="t", release_trigger=1, actor="ann")


def test_cli_auction_batch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = ledger.make_engine(url)
    ledger.upgrade(engine)
    with ledger.make_sessionmaker(engine)() as s:
        seed_copper_reserve(s)
    engine.dispose()
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["ledger", *args], env={"STOCKPILE_DATABASE_URL": url})
        assert result.exit_code == code, result.output
        return result.output

    (rule,) = json.loads(run("price-rules", "--json"))
    assert (rule["release_trigger"], rule["eligible_classes"]) == ("10.000000", ["processor"])
    request = ("release", "request", "copper", "1500", "t", "--recipient", "auction")
    request += ("--purpose", "price-stabilisation", "--basis", "price-trigger", "--user", "ann")
    awards = ("--award", "Jiangxi smelter:processor:1000:9800", "--award", "Hub:trader:500:9800")
    assert "awards[1].bidder_class" in run(*request, "--batch", "B1", *awards, code=2)
    assert "BIDDER:CLASS:QUANTITY:PRICE" in run(*request, "--batch", "B1", "--award", "x", code=2)
    awards = (*awards[:3], "Wuxi: mill:processor:500:9700")
    assert "release 1 requested" in run(*request, "--batch", "B1", *awards)
    run("release", "approve", "1", "--user", "rita")
    assert "proceeds 14650000.00 USD" in run("release", "execute", "1", "--user", "carl")
    rows = json.loads(run("auctions", "--json"))
    assert [(r["bidder"], r["proceeds"], r["no_resale"]) for r in rows] == [
        ("Jiangxi smelter", "9800000.00", True),
        ("Wuxi: mill", "4850000.00", True),
    ]
    run("configure", "Company reserve", "--regime", "company", "--user", "ada")
    company = (*request[:7], "--purpose", "commercial", "--basis", "board-decision")
    out = run(*company, "--user", "ann", "--batch", "B2", *awards, code=2)
    assert "only to price rules, not company" in out
