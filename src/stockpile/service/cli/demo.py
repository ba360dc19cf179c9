"""``stockpile demo load``: an illustrative stockpile plus the real 2025 U.S. contracts."""

from __future__ import annotations

import typer

from stockpile.ledger.demo import load_demo
from stockpile.service.cli.db import DB, session_for

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Demo data: an illustrative national stockpile.",
    no_args_is_help=True,
)


@app.command("load")
def load(
    db: str | None = DB,
    user: str = typer.Option(
        "admin",
        "--user",
        envvar="STOCKPILE_USER",
        help="Acting admin (created if the ledger has no users).",
    ),
) -> None:
    """Load ~30 illustrative lots in 5 depots, plus the real 2025 funds, caps and contracts."""
    with session_for(db, migrate=True) as s:
        summary = load_demo(s, actor=user)
    typer.echo(
        f"demo loaded: {summary.lots} ILLUSTRATIVE lots of {summary.materials} materials in "
        f"{summary.depots} depots; real 2025 items: {summary.funds} fund, {summary.caps} caps, "
        f"{summary.contracts} contracts, {summary.delivery_orders} delivery order "
        "(sources in `stockpile ledger funds|contracts --json`)"
    )
