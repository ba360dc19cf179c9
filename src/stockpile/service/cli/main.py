"""Assemble the ``stockpile`` command from the per-concern sub-applications."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from stockpile import __version__
from stockpile.service.cli import brief as _brief
from stockpile.service.cli import compare as _compare
from stockpile.service.cli import data as _data
from stockpile.service.cli import ledger as _ledger
from stockpile.service.cli import market as _market
from stockpile.service.cli import plan as _plan
from stockpile.service.cli import risk as _risk
from stockpile.service.cli import serve as _serve
from stockpile.service.cli import simulate as _simulate
from stockpile.service.cli import users as _users
from stockpile.service.cli.db import database_error, fail

app = typer.Typer(
    rich_markup_mode="markdown",
    name="stockpile",
    help="Plan, run and stress-test a strategic stockpile of critical minerals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"stockpile {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version_callback,
        is_eager=True,
        help="Print the version.",
    ),
) -> None:
    """Plan, run and stress-test a strategic stockpile of critical minerals."""


def _register() -> None:
    """Attach the sub-applications."""
    app.add_typer(_data.app, name="data", help="Bundled reference data: list, show, import.")
    _risk.register(app)
    _ledger.register(app)
    _simulate.register(app)
    _market.register(app)
    _compare.register(app)
    _brief.register(app)
    app.add_typer(_plan.app, name="plan")
    app.add_typer(_serve.app, name="serve")
    app.add_typer(_users.app, name="users")


_register()


def main() -> None:
    """Console-script entry point: errors of the database or of a file are one line."""
    try:
        app()
    except SQLAlchemyError as exc:
        raise SystemExit(fail(database_error(exc)).exit_code) from None
    except UnicodeDecodeError as exc:
        raise SystemExit(fail(f"input is not UTF-8 text: {exc.reason}").exit_code) from None
