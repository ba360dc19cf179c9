"""Input helpers shared by the CLI commands that call use cases: errors, holdings, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import SQLAlchemyError

from stockpile.ledger import LedgerError
from stockpile.service.cli.db import database_error
from stockpile.usecases import (
    INPUT_ERRORS,
    ModelHoldings,
    file_holdings,
    ledger_holdings_at,
)
from stockpile.usecases import Progress as ProgressCallback

T = TypeVar("T")

StockpileFile = Annotated[
    Path | None,
    typer.Option("--stockpile", help="Holdings: CSV or YAML of material, quantity, unit."),
]
FromLedger = Annotated[
    bool, typer.Option("--from-ledger", help="Holdings from the ledger's current lots.")
]
LedgerUrl = Annotated[
    str | None, typer.Option("--db", help="Ledger database URL (default: the ledger's).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def fail(message: str) -> NoReturn:
    """Print ``error: message`` in red on stderr and exit with status 2."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()
    )


def run_use_case(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call a use case (or build its request); bad input exits with its one-line message."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        fail(_validation_message(exc))
    except INPUT_ERRORS as exc:
        fail(str(exc))


def holdings_option(
    stockpile_file: Path | None, from_ledger: bool, db: str | None
) -> ModelHoldings | None:
    """Holdings named on the command line (a file or the ledger), or None (the scenario's)."""
    if stockpile_file is not None and from_ledger:
        fail("--stockpile and --from-ledger: give one of them")
    if stockpile_file is not None:
        return run_use_case(file_holdings, stockpile_file)
    if from_ledger:
        try:
            return ledger_holdings_at(db)
        except LedgerError as exc:
            fail(f"--from-ledger: {exc}")
        except SQLAlchemyError as exc:
            fail(f"--from-ledger: {database_error(exc)}")
    return None


@contextmanager
def progress_bar(label: str, *, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr while the block runs (none when ``quiet``)."""
    if quiet:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[message]}"),
        TimeRemainingColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(label, total=1.0, message="")

        def update(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, message=message)

        yield update
