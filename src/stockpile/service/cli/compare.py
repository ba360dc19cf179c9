"""``stockpile compare BASE [VARIANT ...]``: variants side by side on the same draws."""

from __future__ import annotations

import typer

from stockpile.service.cli._input import (
    FromLedger,
    JsonFlag,
    LedgerUrl,
    StockpileFile,
    holdings_option,
    progress_bar,
    run_use_case,
)
from stockpile.usecases import CompareRequest, compare_variants

__all__ = ["compare_command", "register"]


def compare_command(
    base: str = typer.Argument(..., help="Base scenario: built-in name or scenario file."),
    variants: list[str] | None = typer.Argument(
        None, help="Scenarios to compare with the base (default: the base's own variants)."
    ),
    only: list[str] | None = typer.Option(
        None, "--only", help="Run only these of the base's own variants (repeatable)."
    ),
    runs: int = typer.Option(2000, "--runs", min=1, help="Monte Carlo scenarios."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed shared by all variants."),
    stockpile_file: StockpileFile = None,
    from_ledger: FromLedger = False,
    db: LedgerUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Compare a scenario with its variants on common random numbers: shortfall by class, days
    of cover left, peak price, each with its difference from the base and a 95% interval."""
    request = run_use_case(
        CompareRequest,
        base=base,
        variants=tuple(variants or ()),
        only=tuple(only or ()),
        runs=runs,
        seed=seed,
    )
    holdings = holdings_option(stockpile_file, from_ledger, db)
    with progress_bar(base, quiet=as_json) as progress:
        report = run_use_case(compare_variants, request, holdings=holdings, progress=progress)
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text())


def register(main_app: typer.Typer) -> None:
    """Attach ``compare`` to the main application."""
    main_app.command("compare")(compare_command)
