"""``stockpile ledger ...``: the book of record from the shell.

Database: ``--db URL`` or ``$STOCKPILE_DATABASE_URL`` (default: a SQLite file in the user's
data directory). Acting user: ``--user`` or ``$STOCKPILE_USER``. Every listing takes
``--json``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer

from stockpile import ledger
from stockpile.ledger.imports import import_rows, parse_csv
from stockpile.service.cli.db import AT, DB, JSON, USER, emit, fail, plain, session_for, when
from stockpile.service.cli.db import app as db_app
from stockpile.service.cli.demo import app as demo_app
from stockpile.service.cli.ledger_governance import app as governance_app
from stockpile.service.cli.ledger_governance import release_app

app = typer.Typer(
    rich_markup_mode="markdown",
    help="The book of record: holdings, funds, contracts, movements, releases, journal.",
    no_args_is_help=True,
)


def _attach_governance() -> None:
    app.add_typer(governance_app)
    app.add_typer(release_app, name="release")


def register(root: typer.Typer) -> None:
    """Attach ``ledger``, ``db`` and ``demo`` to the root command."""
    root.add_typer(app, name="ledger")
    root.add_typer(db_app, name="db")
    root.add_typer(demo_app, name="demo")


@app.command("add-user")
def add_user(
    name: str = typer.Argument(..., help="User name."),
    role: list[str] = typer.Option(
        ...,
        "--role",
        help="Role (repeat): viewer, analyst, "
        "contracting-officer, release-authority, auditor, admin.",
    ),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Add a user (admin; the first user may add itself as admin)."""
    with session_for(db) as s:
        ledger.add_user(s, name=name, roles=role, actor=user)
    typer.echo(f"user {name} added: {', '.join(role)}")


@app.command("depots")
def depots(db: str | None = DB, as_json: bool = JSON) -> None:
    """List depots."""
    with session_for(db) as s:
        rows = ledger.list_depots(s)
    emit(
        rows,
        as_json=as_json,
        title="Depots",
        columns=[
            "code",
            "name",
            "location",
            "storage_capacity",
            "monthly_release_capacity",
            "capacity_unit",
            "illustrative",
        ],
    )


@app.command("lots")
def lots(
    material: str | None = typer.Option(None, "--material"),
    db: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """List lots with remaining quantity and cost basis."""
    with session_for(db) as s:
        rows = ledger.list_lots(s, material=material)
    emit(
        rows,
        as_json=as_json,
        title="Lots",
        columns=[
            "code",
            "material",
            "form",
            "quantity",
            "unit",
            "depot",
            "acquired_on",
            "cost_basis",
            "contract",
            "illustrative",
        ],
        caption=_illustrative_caption(any(r.illustrative for r in rows)),
    )


def _illustrative_caption(flag: bool) -> str:
    return "illustrative = True: quantities are illustrative, not real holdings" if flag else ""


@app.command("holdings")
def holdings(db: str | None = DB, as_json: bool = JSON) -> None:
    """Holdings per material, valued at reference prices, with days of U.S. consumption."""
    with session_for(db) as s:
        rows = ledger.holdings(s)
    emit(
        rows,
        as_json=as_json,
        title="Holdings",
        columns=[
            "material",
            "quantity",
            "unit",
            "lots",
            "cost_basis",
            "market_value",
            "unrealised_gain",
            "price_year",
            "days_of_cover",
            "illustrative",
        ],
        caption=_illustrative_caption(any(r.illustrative for r in rows))
        + " | prices and consumption: USGS MCS 2026",
    )


@app.command("funds")
def funds(db: str | None = DB, as_json: bool = JSON) -> None:
    """Funds with balances, then caps and Annual Materials Plan lines."""
    with session_for(db) as s:
        f, c, p = ledger.list_funds(s), ledger.list_caps(s), ledger.list_plan(s)
    if as_json:
        typer.echo(
            json.dumps(
                plain(
                    {
                        "funds": [dataclasses.asdict(x) for x in f],
                        "caps": [dataclasses.asdict(x) for x in c],
                        "plan": [dataclasses.asdict(x) for x in p],
                    }
                ),
                indent=2,
            )
        )
        return
    emit(
        f,
        as_json=False,
        title="Funds [USD]",
        columns=["code", "name", "kind", "balance", "allowed_uses", "source"],
    )
    emit(
        c,
        as_json=False,
        title="Caps [USD]",
        columns=["material", "ceiling", "spent", "remaining", "source"],
    )
    emit(
        p,
        as_json=False,
        title="Annual Materials Plan",
        columns=[
            "fiscal_year",
            "material",
            "unit",
            "max_acquisition",
            "acquired",
            "max_disposal",
            "disposed",
        ],
    )


@app.command("contracts")
def contracts(db: str | None = DB, as_json: bool = JSON) -> None:
    """Contracts and their delivery orders."""
    with session_for(db) as s:
        rows = ledger.list_contracts(s)
    emit(
        rows,
        as_json=as_json,
        title="Contracts",
        columns=[
            "number",
            "supplier",
            "material",
            "form",
            "unit",
            "ceiling",
            "spent",
            "received",
            "max_quantity",
            "period_start",
            "period_end",
            "status",
        ],
    )


@app.command("goals")
def goals(db: str | None = DB, as_json: bool = JSON) -> None:
    """Stockpile goals, with the date each takes effect (after the regime's notice period)."""
    with session_for(db) as s:
        rows = ledger.list_goals(s)
    emit(
        rows,
        as_json=as_json,
        title="Goals",
        columns=[
            "material",
            "quantity",
            "unit",
            "notified_on",
            "effective_on",
            "in_force",
            "set_by",
        ],
    )


@app.command("set-goal")
def set_goal(
    material: str = typer.Argument(...),
    quantity: str = typer.Argument(...),
    unit: str = typer.Argument(...),
    notified_on: str = typer.Option(..., "--notified-on", help="Date of the notice, YYYY-MM-DD."),
    reason: str = typer.Option(..., "--reason"),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Set a stockpile goal (us-nds: effective 45 days after the notice to Congress)."""
    notice = when(notified_on)
    if notice is None:
        raise fail("--notified-on: required, YYYY-MM-DD")
    with session_for(db) as s:
        effective = ledger.set_goal(
            s,
            material=material,
            quantity=quantity,
            unit=unit,
            notified_on=notice.date(),
            reason=reason,
            actor=user,
        )
    typer.echo(f"goal for {material} set: {quantity} {unit}, effective {effective.isoformat()}")


@app.command("releases")
def releases(db: str | None = DB, as_json: bool = JSON) -> None:
    """Release requests and their state."""
    with session_for(db) as s:
        rows = ledger.list_releases(s)
    emit(
        rows,
        as_json=as_json,
        title="Releases",
        columns=[
            "id",
            "material",
            "quantity",
            "unit",
            "recipient",
            "purpose",
            "legal_basis",
            "status",
            "requested_by",
            "approved_by",
            "executed_by",
            "due_by",
        ],
    )


@app.command("journal")
def journal(
    limit: int = typer.Option(50, "--limit", min=1),
    after: int = typer.Option(0, "--after", help="Show entries after this sequence number."),
    db: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Journal entries (append-only, hash-chained)."""
    with session_for(db) as s:
        rows = ledger.list_journal(s, limit=limit, after_seq=after)
    emit(
        rows,
        as_json=as_json,
        title="Journal",
        columns=[
            "seq",
            "at",
            "actor",
            "op_kind",
            "account_type",
            "account_id",
            "material",
            "amount",
            "unit",
            "memo",
        ],
    )


@app.command("verify")
def verify(db: str | None = DB, as_json: bool = JSON) -> None:
    """Recompute the hash chain and every balance, and run the database's integrity check;
    exit 1 if either fails (the output says which)."""
    with session_for(db) as s:
        report = ledger.verify_journal(s)
        integrity = ledger.integrity_problems(s)
    sound = not integrity
    if as_json:
        extra = {"ok": report.ok and sound, "journal_ok": report.ok, "integrity": integrity}
        typer.echo(json.dumps(plain(dataclasses.asdict(report) | extra), indent=2))
    else:
        if report.ok:
            typer.echo(f"journal OK: {report.entries} entries, chain and balances check")
        else:
            typer.echo(f"journal BROKEN ({report.status.value}): {report.problems[0]}")
            for p in report.problems[1:10]:
                typer.echo(f"  also: {p}")
        if integrity is None:
            typer.echo("database integrity check: none built into this database")
        elif sound:
            typer.echo("database integrity check OK (PRAGMA integrity_check)")
        else:
            typer.echo(f"database integrity check FAILED: {integrity[0]}")
            for p in integrity[1:10]:
                typer.echo(f"  also: {p}")
    if not (report.ok and sound):
        raise typer.Exit(code=1)


@app.command("import")
def import_file(
    file: str = typer.Argument(..., help="CSV file of transactions (columns: see docs/ledger.md)."),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Post a file of transactions (CSV) in one batch: every row is checked first, and a
    refused row rolls the whole file back (nothing is written)."""
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: cannot read ({exc})") from None
    with session_for(db) as s:
        rows = parse_csv(text)
        report = import_rows(s, rows, actor=user)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items())) or "nothing"
    typer.echo(f"imported {report.rows} transactions ({kinds}); {report.entries} journal entries")


@app.command("receive")
def receive(
    order: str = typer.Argument(..., help="Delivery order number."),
    quantity: str | None = typer.Option(None, "--quantity", help="Default: what remains."),
    lot_code: str | None = typer.Option(None, "--lot"),
    grade: str = typer.Option("", "--grade"),
    origin: str = typer.Option("", "--origin", help="Origin country."),
    price: str | None = typer.Option(
        None, "--price", help="Market price [USD/kg] checked against a purchase floor."
    ),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Receive a delivery: new lot, fund draw, cap, plan and contract use (one transaction)."""
    with session_for(db) as s:
        r = ledger.receive_delivery(
            s,
            order=order,
            actor=user,
            quantity=quantity,
            lot_code=lot_code,
            grade=grade,
            origin_country=origin,
            price_usd_per_kg=price,
            at=when(at),
        )
    typer.echo(
        f"received {r.quantity} {r.unit} {r.material} as lot {r.lot_code}; "
        f"cost {r.cost} USD (FY{r.fiscal_year})"
    )


@app.command("transfer")
def transfer(
    lot: str = typer.Argument(...),
    to_depot: str = typer.Argument(...),
    quantity: str | None = typer.Option(None, "--quantity", help="Default: the whole lot."),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Move (part of) a lot to another depot."""
    with session_for(db) as s:
        code = ledger.transfer(
            s, lot=lot, to_depot=to_depot, quantity=quantity, actor=user, at=when(at)
        )
    typer.echo(f"transferred to {to_depot} as lot {code}")


@app.command("dispose")
def dispose(
    lot: str = typer.Argument(...),
    quantity: str = typer.Argument(..., help="Quantity [lot unit]."),
    proceeds: str = typer.Argument(..., help="Proceeds [USD], to the Transaction Fund."),
    buyer: str = typer.Option(..., "--buyer"),
    authorisation: str | None = typer.Option(
        None, "--authorisation", help="Authorisation by law (reference)."
    ),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Dispose of (sell) material; proceeds go to the Transaction Fund."""
    with session_for(db) as s:
        ledger.dispose(
            s,
            lot=lot,
            quantity=quantity,
            proceeds=proceeds,
            buyer=buyer,
            authorisation=authorisation,
            actor=user,
            at=when(at),
        )
    typer.echo(f"disposed of {quantity} from lot {lot}; {proceeds} USD to the Transaction Fund")


@app.command("adjust")
def adjust(
    lot: str = typer.Argument(...),
    delta: str = typer.Argument(..., help="Signed change [lot unit]."),
    reason: str = typer.Option(..., "--reason"),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Inventory adjustment (auditor only, with a reason)."""
    with session_for(db) as s:
        ledger.adjust(s, lot=lot, delta=delta, reason=reason, actor=user)
    typer.echo(f"lot {lot} adjusted by {delta}")


@app.command("convert")
def convert(
    lot: str = typer.Argument(...),
    quantity: str = typer.Argument(..., help="Input quantity [lot unit]."),
    output_material: str = typer.Option(..., "--to-material"),
    output_form: str = typer.Option(..., "--to-form"),
    output_unit: str = typer.Option(..., "--to-unit"),
    yield_fraction: str = typer.Option(..., "--yield", help="Output per input mass, (0, 1]."),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Convert or upgrade material (e.g. ore to metal) with a yield."""
    with session_for(db) as s:
        code = ledger.convert(
            s,
            lot=lot,
            quantity=quantity,
            output_material=output_material,
            output_form=output_form,
            output_unit=output_unit,
            yield_fraction=yield_fraction,
            actor=user,
            at=when(at),
        )
    typer.echo(f"converted into lot {code}")


@app.command("lend")
def lend(
    lot: str = typer.Argument(...),
    quantity: str = typer.Argument(...),
    borrower: str = typer.Option(..., "--borrower"),
    return_due: str = typer.Option(..., "--return-due", help="YYYY-MM-DD."),
    at: str | None = AT,
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Lend material from a lot with a return date."""
    due = when(return_due)
    if due is None:
        raise fail("--return-due: required, YYYY-MM-DD")
    with session_for(db) as s:
        loan = ledger.lend(
            s,
            lot=lot,
            quantity=quantity,
            borrower=borrower,
            return_due=due.date(),
            actor=user,
            at=when(at),
        )
    typer.echo(f"loan {loan} to {borrower}, due {due.date().isoformat()}")


@app.command("return-loan")
def return_loan(
    loan_id: int = typer.Argument(...),
    quantity: str | None = typer.Option(None, "--quantity", help="Default: all outstanding."),
    user: str = USER,
    db: str | None = DB,
) -> None:
    """Return (part of) a loan to its lot."""
    with session_for(db) as s:
        ledger.return_loan(s, loan_id=loan_id, quantity=quantity, actor=user)
    typer.echo(f"loan {loan_id} returned")


_attach_governance()
