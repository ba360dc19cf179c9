"""``stockpile ledger`` governance commands: regimes, releases, market-stabilisation rules.

Attached to the ``ledger`` group by :mod:`stockpile.service.cli.ledger`; the same database and
user options apply.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from stockpile import ledger
from stockpile.service.cli.db import AT, DB, JSON, USER, emit, session_for, when

if TYPE_CHECKING:
    from stockpile.ledger import AuctionBid

app = typer.Typer(rich_markup_mode="markdown")
release_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Releases: request, approve (a second person), execute.",
    no_args_is_help=True,
)


@app.command("regimes")
def regimes(as_json: bool = JSON) -> None:
    """Governance regimes: purposes, legal bases, notices, reports, lead times."""
    rows: list[dict[str, Any]] = [
        {
            "key": r.key,
            "name": r.name,
            "purposes": sorted(p.value for p in r.purposes),
            "bases": {b.value: sorted(p.value for p in ps) for b, ps in r.bases.items()},
            "emergency_only_bases": sorted(b.value for b in r.emergency_only_bases),
            "forbidden_purposes": sorted(p.value for p in r.forbidden_purposes),
            "report_to": r.report_to,
            "disposal_needs_law": r.disposal_needs_law,
            "notice_days": {"disposal": r.disposal_notice_days, "goal": r.goal_notice_days},
            "lead_time_days": r.lead_time_days,
            "emergency_lead_time_days": r.emergency_lead_time_days,
            "target_days": r.target_days,
            "price_rules": r.price_rules,
            "source": r.source,
        }
        for r in ledger.regimes()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in ledger.regimes():
        bases = "; ".join(
            f"{b.value} -> {', '.join(sorted(p.value for p in ps))}" for b, ps in r.bases.items()
        )
        typer.echo(f"{r.key}: {bases}")


@release_app.command("request")
def release_request(
    material: str = typer.Argument(...),
    quantity: str = typer.Argument(...),
    unit: str = typer.Argument(...),
    recipient: str = typer.Option(..., "--recipient"),
    purpose: str = typer.Option(
        ..., "--purpose", help="e.g. national-defence, defence-production, supply-disruption."
    ),
    basis: str = typer.Option(
        ...,
        "--basis",
        help="Legal basis, e.g. presidential-order, usd-as-determination, ministerial-request.",
    ),
    emergency: bool = typer.Option(False, "--emergency", help="Declared war/emergency."),
    lot: list[str] = typer.Option([], "--lot", help="Draw these lots, in order (default FIFO)."),
    batch: str | None = typer.Option(None, "--batch", help="Auction batch (price rules)."),
    award: list[str] = typer.Option(
        [],
        "--award",
        help="Auction award BIDDER:CLASS:QUANTITY:PRICE [release unit; USD per unit] (repeat).",
    ),
    price: str | None = typer.Option(
        None, "--price", help="Market price [USD/kg] (default: the reference price)."
    ),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Request a release (the regime must accept the basis and purpose; under price rules,
    an auction batch with its awards)."""
    with session_for(db) as s:
        bids = tuple(_bid(a) for a in award)
        rid = ledger.request_release(
            s,
            material=material,
            quantity=quantity,
            unit=unit,
            recipient=recipient,
            purpose=purpose,
            legal_basis=basis,
            emergency=emergency,
            lots=tuple(lot),
            batch=batch,
            awards=bids,
            price_usd_per_kg=price,
            actor=user,
        )
    typer.echo(f"release {rid} requested")


def _bid(text: str) -> AuctionBid:
    """``BIDDER:CLASS:QUANTITY:PRICE`` (the bidder's name may itself hold colons)."""
    parts = text.rsplit(":", 3)
    if len(parts) != 4:
        raise ledger.InvalidInputError("award", f"{text!r}: expected BIDDER:CLASS:QUANTITY:PRICE")
    return ledger.AuctionBid(*parts)


@release_app.command("approve")
def release_approve(
    release_id: int = typer.Argument(...), user: str = USER, db: str | None = DB
) -> None:
    """Approve a release (release authority, not the requester)."""
    with session_for(db) as s:
        ledger.approve_release(s, release_id=release_id, actor=user)
    typer.echo(f"release {release_id} approved by {user}")


@release_app.command("execute")
def release_execute(
    release_id: int = typer.Argument(...),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Execute an approved release (FIFO or chosen lots, within depot capacity)."""
    with session_for(db) as s:
        out = ledger.execute_release(s, release_id=release_id, actor=user, at=when(at))
    for d in out.draws:
        typer.echo(f"  {d.quantity} {d.unit} from lot {d.lot_code} at {d.depot}")
    report = f"; report {out.report_id} written" if out.report_id else ""
    proceeds = f"; proceeds {out.proceeds} USD" if out.proceeds is not None else ""
    typer.echo(f"release {release_id} executed{report}{proceeds}")


@app.command("configure")
def configure(
    name: str = typer.Argument(..., help="Name of the stockpile."),
    regime: str = typer.Option(..., "--regime", help="Governance regime (see `regimes`)."),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Name the stockpile and choose its governance regime (admin)."""
    with session_for(db) as s:
        ledger.configure_stockpile(s, name=name, regime=regime, actor=user)
    typer.echo(f"{name}: regime {regime}")


@app.command("set-price-rule")
def set_price_rule(
    unit: str = typer.Argument(..., help="Unit of the caps, e.g. t."),
    material: str | None = typer.Option(None, "--material", help="Default: whole stockpile."),
    trigger: str | None = typer.Option(None, "--trigger", help="Release trigger [USD/kg]."),
    floor: str | None = typer.Option(None, "--floor", help="Purchase floor [USD/kg]."),
    eligible: list[str] = typer.Option([], "--eligible", help="Bidder class (repeat)."),
    bidder_cap: str | None = typer.Option(None, "--bidder-cap", help="Per bidder [unit]."),
    batch_limit: str | None = typer.Option(None, "--batch-limit", help="Per batch [unit]."),
    source: str = typer.Option("", "--source"),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Set a market-stabilisation price rule (admin)."""
    with session_for(db) as s:
        ledger.set_stabilization_rule(
            s,
            unit=unit,
            material=material,
            release_trigger=trigger,
            purchase_floor=floor,
            eligible_classes=eligible,
            bidder_cap=bidder_cap,
            batch_limit=batch_limit,
            source=source,
            actor=user,
        )
    typer.echo(f"price rule set for {material or 'the whole stockpile'}")


@app.command("price-rules")
def price_rules(db: str | None = DB, as_json: bool = JSON) -> None:
    """Market-stabilisation price rules (material '': the whole stockpile)."""
    with session_for(db) as s:
        rows = ledger.list_stabilization_rules(s)
    emit(
        rows,
        as_json=as_json,
        title="Price rules [USD/kg; unit]",
        columns=(
            "material",
            "release_trigger",
            "purchase_floor",
            "eligible_classes",
            "bidder_cap",
            "batch_limit",
            "unit",
        ),
    )


@app.command("auctions")
def auctions(db: str | None = DB, as_json: bool = JSON) -> None:
    """Auction batches and their awards (each sold with no resale)."""
    with session_for(db) as s:
        rows = ledger.list_auction_awards(s)
    emit(
        rows,
        as_json=as_json,
        title="Auction awards [unit; USD/unit; USD]",
        columns=(
            "batch",
            "release_id",
            "bidder",
            "bidder_class",
            "quantity",
            "unit",
            "price",
            "proceeds",
            "no_resale",
        ),
    )
