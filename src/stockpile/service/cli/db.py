"""``stockpile db upgrade`` and the helpers the ledger commands share: database URL, acting
user and ``--json`` options, sessions that turn ledger errors into clean exits, printing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from stockpile import ledger
from stockpile.display import format_number, unit_label

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(rich_markup_mode="markdown", help="The ledger database.", no_args_is_help=True)
db_app = app

DB = typer.Option(
    None,
    "--db",
    envvar="STOCKPILE_DATABASE_URL",
    help="Database URL (default: SQLite file in the user data directory).",
)
USER = typer.Option(..., "--user", envvar="STOCKPILE_USER", help="Acting user.")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
AT = typer.Option(None, "--at", help="Date of the operation, YYYY-MM-DD (default: now).")


def fail(message: str) -> typer.Exit:
    """Print an error and return the exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


def database_error(exc: Exception) -> str:
    """One line saying what went wrong with the database (no traceback, no password).

    A missing table means a database without the ledger's schema: the line says to run
    ``stockpile db upgrade``.
    """
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if "no such table" in first or ("relation" in first and "does not exist" in first):
        return f"database: {first}: the database has no ledger yet: run `stockpile db upgrade`"
    return f"database: {first} (check --db or STOCKPILE_DATABASE_URL)"


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value
    return value


def _cell(column: str, value: Any) -> str:
    """A table cell: readable units and numbers (years and counts stay as they are)."""
    if value is None:
        return ""
    if column.endswith("unit"):
        return unit_label(value)
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return format_number(value, significant=4)
    return str(plain(value))


def emit(
    rows: Sequence[Any], *, as_json: bool, title: str, columns: Sequence[str], caption: str = ""
) -> None:
    """Print dataclass rows as JSON (every field) or as a table of ``columns``."""
    dicts = [dataclasses.asdict(r) for r in rows]
    if as_json:
        typer.echo(json.dumps(plain(dicts), indent=2))
        return
    table = Table(title=title, caption=caption or None)
    for c in columns:
        table.add_column(c)
    for d in dicts:
        table.add_row(*(_cell(c, d.get(c)) for c in columns))
    Console(width=None if Console().is_terminal else 160).print(table)


@contextmanager
def session_for(db: str | None, *, migrate: bool = False) -> Iterator[Session]:
    """A session on the ledger database; errors of the books become a clean exit."""
    try:
        engine = ledger.make_engine(ledger.resolve_database_url(db))
        if migrate:
            ledger.upgrade(engine)
        elif "journal_head" not in inspect(engine).get_table_names():
            raise fail("the database has no ledger yet: run `stockpile db upgrade`")
        with ledger.make_sessionmaker(engine)() as session:
            yield session
    except ledger.LedgerError as exc:
        raise fail(str(exc)) from None
    except DBAPIError as exc:
        raise fail(database_error(exc)) from None
    finally:
        if "engine" in locals():
            engine.dispose()


def when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--at: {text!r} is not a date YYYY-MM-DD") from None
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


@db_app.command("upgrade")
def db_upgrade(db: str | None = DB) -> None:
    """Create or migrate the ledger schema (Alembic, packaged migrations)."""
    url = ledger.resolve_database_url(db)
    with session_for(db, migrate=True):
        pass
    typer.echo(f"ledger schema at head: {url}")
