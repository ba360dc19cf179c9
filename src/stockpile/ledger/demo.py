"""The demo stockpile: illustrative holdings plus the real 2025 U.S. money, caps and contracts.

Every lot and depot capacity comes from ``data/demo_lots.csv`` and ``data/demo_depots.csv``
and is **illustrative** (flagged on every row and in every listing). The illustrative cost
of a lot is its quantity valued at the material's 2021 USGS reference price.

The real items are taken from ``stockpile_programs.csv`` (their ``source_urls`` are stored
with each row): the $2B of P.L. 119-21 for the stockpile (US-NDS-OBBBA), the caps of the
2025 plans (cobalt $500M, antimony $245M, tantalum $100M, scandium $40M per USGS), the
antimony IDIQ contract with its first delivery order (315,000 lb for $10M), the tantalum and
scandium contracts, and the cancelled cobalt solicitation. Where a source gives only a month,
the first of that month is used as the date; quantities the sources do not give are left
empty. No Annual Materials Plan quantities are published in the bundled data, so the demo
has no plan lines (receipts under ``us-nds`` are refused until one is set).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger import setup
from stockpile.ledger.errors import StateError
from stockpile.ledger.models import Depot, Fund, Lot, User
from stockpile.ledger.valuation import basis_factor

__all__ = ["DEMO_USERS", "DemoSummary", "load_demo"]

DEMO_USERS: dict[str, tuple[str, ...]] = {
    "demo-analyst": ("analyst",),
    "demo-contracting": ("contracting-officer",),
    "demo-release-1": ("release-authority",),
    "demo-release-2": ("release-authority",),
    "demo-auditor": ("auditor",),
}


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo` created."""

    depots: int
    lots: int
    materials: int
    funds: int
    caps: int
    contracts: int
    delivery_orders: int


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("stockpile.ledger").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _sources() -> dict[str, str]:
    from stockpile.reference import load_stockpile_programs

    frame = load_stockpile_programs()
    return {
        str(r["program_id"]): f"stockpile_programs.csv {r['program_id']}: {r['source_urls']}"
        for r in frame.to_dict("records")
    }


def _price_2021() -> dict[str, tuple[Decimal, str]]:
    from stockpile.reference import catalogue, load_prices

    prices = load_prices()
    out = {}
    for m in catalogue():
        rows = prices[
            prices["price_basis"].str.startswith(m.reference_price)
            & prices["material"].isin(list(m.price_materials))
            & (prices["year"] == 2021)
        ]
        for value in rows["usd_per_kg_derived"]:
            if value == value:
                out[m.key] = (Decimal(repr(float(value))), m.reference_price_substance)
                break
    return out


def _check_demo_storage(depots: list[dict[str, str]], lots: list[dict[str, str]]) -> None:
    """Check the demo files before writing anything (so a load never stops half-way)."""
    for d in depots:
        if not d["storage_capacity"]:
            continue
        held = sum(
            (
                num.convert(Decimal(r["quantity"]), num.check_unit(r["unit"]), d["capacity_unit"])
                for r in lots
                if r["depot"] == d["code"]
            ),
            Decimal(0),
        )
        if held > Decimal(d["storage_capacity"]):
            raise StateError("demo_depots.csv", f"{d['code']} storage capacity below its lots")
    codes = {d["code"] for d in depots}
    for r in lots:
        if r["depot"] not in codes:
            raise StateError("demo_lots.csv", f"{r['code']}: unknown depot {r['depot']!r}")
        if r["illustrative"] != "yes":
            raise StateError("demo_lots.csv", f"{r['code']}: every demo lot must be illustrative")


def load_demo(session: Session, *, actor: str) -> DemoSummary:
    """Load the demo stockpile into an empty ledger (each step is its own transaction).

    Raises
    ------
    StateError
        The ledger already holds depots, lots or funds.
    """
    if (
        session.scalars(select(Depot).limit(1)).first()
        or session.scalars(select(Lot).limit(1)).first()
        or session.scalars(select(Fund).limit(1)).first()
    ):
        raise StateError("database", "the ledger is not empty; demo load needs a fresh one")
    session.rollback()
    depots = _rows("demo_depots.csv")
    lots = _rows("demo_lots.csv")
    _check_demo_storage(depots, lots)
    src = _sources()
    if session.get(User, actor) is None:
        setup.add_user(session, name=actor, roles=["admin"], actor=actor)
    for name, roles in DEMO_USERS.items():
        if session.get(User, name) is None:
            setup.add_user(session, name=name, roles=list(roles), actor=actor)
    setup.configure_stockpile(
        session,
        name="Demo national defence stockpile (illustrative holdings)",
        regime="us-nds",
        actor=actor,
    )
    for d in depots:
        setup.create_depot(
            session,
            code=d["code"],
            name=d["name"],
            location=d["location"],
            actor=actor,
            storage_capacity=d["storage_capacity"] or None,
            monthly_release_capacity=d["monthly_release_capacity"] or None,
            capacity_unit=d["capacity_unit"],
            illustrative=d["illustrative"] == "yes",
            source=d["source"],
        )
    prices = _price_2021()
    for row in lots:
        qty = num.quantity(row["quantity"], f"demo_lots.csv {row['code']} quantity")
        cost = Decimal(0)
        if row["material"] in prices:
            price, substance = prices[row["material"]]
            factor = basis_factor(row["basis"], substance)
            if factor is not None:
                cost = num.round_money(num.convert(qty, row["unit"], "kilogram") * factor * price)
        setup.record_opening_lot(
            session,
            code=row["code"],
            material=row["material"],
            quantity=qty,
            unit=row["unit"],
            depot=row["depot"],
            actor=actor,
            form=row["form"],
            grade=row["grade"],
            basis=row["basis"],
            acquired_on=date.fromisoformat(row["acquired_on"]),
            cost=cost,
            condition="illustrative (cost = quantity at the 2021 USGS reference price)",
            illustrative=row["illustrative"] == "yes",
        )
    setup.create_fund(
        session,
        code="NDTF",
        name="NDS Transaction Fund: P.L. 119-21 stockpile money",
        amount=2_000_000_000,
        actor=actor,
        kind="transaction",
        allowed_uses=(
            "acquisition",
            "maintenance",
            "storage",
            "transport",
            "upgrading",
            "disposal",
            "proceeds",
        ),
        source=src["US-NDS-OBBBA"] + " (secondary source; P.L. 119-21 of 4 Jul 2025)",
    )
    caps = [
        ("cobalt", 500_000_000, "US-DLA-CO-2025"),
        ("antimony", 245_000_000, "US-DLA-SB-2025"),
        ("tantalum", 100_000_000, "US-DLA-TA-2025"),
        ("scandium", 40_000_000, "US-DLA-SC-2025"),
    ]
    for material, ceiling, pid in caps:
        note = (
            " (USGS maximum; a press summary cites ~$45M with a second supplier)"
            if (material == "scandium")
            else ""
        )
        setup.create_cap(
            session, material=material, ceiling=ceiling, actor=actor, source=src[pid] + note
        )
    contracts = [
        dict(
            number="DLA-SB-IDIQ-2025",
            supplier="United States Antimony Corp.",
            material="antimony",
            form="ingot",
            unit="pound",
            ceiling=245_000_000,
            max_quantity=6_700_000,
            period_start=date(2025, 9, 23),
            period_end=date(2030, 9, 22),
            depot="SCOTIA",
            status="active",
            price_terms="fixed price; sole source; 5-year IDIQ",
            source=src["US-DLA-SB-2025"] + " (max quantity: 'nearly 6.7 million lb')",
        ),
        dict(
            number="DLA-TA-2025",
            supplier="tantalum processor, Boyertown, PA",
            material="tantalum",
            form="ingot",
            unit="pound",
            ceiling=100_000_000,
            max_quantity=None,
            period_start=date(2025, 9, 1),
            period_end=date(2030, 8, 31),
            depot=None,
            status="active",
            price_terms="5-year contract; an $8.6M delivery order reported, quantity not "
            "published (not entered)",
            source=src["US-DLA-TA-2025"] + " (start: Sept 2025, first of month used)",
        ),
        dict(
            number="DLA-SC-2025",
            supplier="scandium oxide producer, Sorel-Tracy, Quebec",
            material="scandium",
            form="oxide",
            unit="kilogram",
            ceiling=40_000_000,
            minimum_guarantee=2_000_000,
            max_quantity=None,
            period_start=date(2025, 9, 1),
            period_end=date(2030, 8, 31),
            depot=None,
            status="active",
            price_terms="planned 5-year procurement of more than 6,000 kg (upper quantity "
            "not published)",
            source=src["US-DLA-SC-2025"] + " (start: Sept 2025, first of month used)",
        ),
        dict(
            number="DLA-CO-SOLICITATION-2025",
            supplier="(solicitation; no award)",
            material="cobalt",
            form="alloy-grade cut cathode or rounds",
            unit="metric_ton",
            ceiling=500_000_000,
            minimum_guarantee=2_000_000,
            max_quantity=7_480,
            period_start=date(2025, 8, 1),
            period_end=date(2030, 7, 31),
            depot=None,
            status="cancelled",
            price_terms="firm-fixed-price IDIQ; qualified brands only; cancelled Oct 2025",
            source=src["US-DLA-CO-2025"] + " (published Aug 2025, first of month used)",
        ),
    ]
    for c in contracts:
        setup.create_contract(session, fund="NDTF", actor=actor, **c)  # type: ignore[arg-type]
    setup.create_delivery_order(
        session,
        contract="DLA-SB-IDIQ-2025",
        number="DLA-SB-DO-0001",
        quantity=315_000,
        value=10_000_000,
        actor=actor,
        depot="SCOTIA",
    )
    return DemoSummary(
        depots=len(depots),
        lots=len(lots),
        materials=len({r["material"] for r in lots}),
        funds=1,
        caps=len(caps),
        contracts=len(contracts),
        delivery_orders=1,
    )
