"""``stockpile brief``: what the programme's money buys, and what the supplier's answers do."""

from __future__ import annotations

from pathlib import Path

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
from stockpile.usecases import BriefRequest, brief

__all__ = ["brief_command", "register"]


def brief_command(
    budget: float = typer.Option(1e9, "--budget", help="Money to spend [USD]."),
    programme: str = typer.Option("dla-2025", "--programme", help="Purchase programme."),
    scenario: list[str] | None = typer.Option(
        None, "--scenario", help="Disruption scenarios to plan for (repeatable)."
    ),
    answers: str = typer.Option(
        "supplier-answers-2025", "--answers", help="Scenario whose variants are the answers."
    ),
    runs: int = typer.Option(1000, "--runs", min=100, help="Monte Carlo runs per run."),
    seed: int = typer.Option(0, "--seed", min=0),
    stockpile_file: StockpileFile = None,
    from_ledger: FromLedger = False,
    db: LedgerUrl = None,
    pdf: Path | None = typer.Option(None, "--pdf", help="Also write the brief as PDF."),
    as_json: JsonFlag = False,
) -> None:
    """The brief: the stockpile today, what the programme buys at current prices, what each of
    the supplier's answers does to shortfall, prices and the plan, and what to change."""
    fields: dict[str, object] = {
        "budget": budget,
        "programme": programme,
        "answers": answers,
        "runs": runs,
        "seed": seed,
    }
    if scenario:
        fields["scenarios"] = tuple(scenario)
    request = run_use_case(BriefRequest, **fields)
    holdings = holdings_option(stockpile_file, from_ledger, db)
    with progress_bar("brief", quiet=as_json) as progress:
        report = run_use_case(brief, request, holdings=holdings, progress=progress)
    if pdf is not None:
        # The PDF writer (fpdf2, about 1 s to import) is loaded only when a PDF is asked for.
        from stockpile.service.reports import brief_pdf

        pdf.write_bytes(brief_pdf(report))
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text())


def register(main_app: typer.Typer) -> None:
    """Attach ``brief`` to the main application."""
    main_app.command("brief")(brief_command)
