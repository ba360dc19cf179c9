"""``stockpile scenario list|show|validate`` and ``stockpile simulate SCENARIO``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from stockpile.service.cli._input import (
    FromLedger,
    JsonFlag,
    LedgerUrl,
    StockpileFile,
    fail,
    holdings_option,
    progress_bar,
    run_use_case,
)
from stockpile.simulate import (
    ScenarioError,
    builtin_scenarios,
    compile_scenario,
    resolve_scenario,
    write_results,
)
from stockpile.usecases import SimulationRequest, simulate_scenario
from stockpile.usecases.forms import form_comparison

app = typer.Typer(
    rich_markup_mode="markdown",
    name="scenario",
    help="Built-in and user scenarios: list, show, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

__all__ = ["app", "register", "simulate_command"]


@app.command("list")
def list_scenarios(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the built-in scenarios."""
    rows = []
    for name in builtin_scenarios():
        sc, _ = resolve_scenario(name)
        rows.append(
            {
                "name": sc.name,
                "title": sc.title,
                "horizon_months": sc.horizon_months,
                "materials": list(sc.materials),
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['name']:<36} {r['horizon_months']:>3} months  {r['title']}")


@app.command("show")
def show_scenario(
    name: str = typer.Argument(..., help="Built-in scenario name or a scenario file."),
    as_json: bool = typer.Option(False, "--json", help="Print the validated scenario as JSON."),
) -> None:
    """Print a scenario (the file text for a built-in, or the validated fields as JSON)."""
    try:
        sc, _ = resolve_scenario(name)
    except ScenarioError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(sc.model_dump_json(indent=2, by_alias=True))
        return
    builtins = builtin_scenarios()
    typer.echo(builtins[name] if name in builtins else Path(name).read_text(encoding="utf-8"))


@app.command("validate")
def validate_scenario(
    file: str = typer.Argument(..., help="Scenario file (.yaml, .yml or .toml) or built-in name."),
) -> None:
    """Check a scenario: structure, ranges, materials and countries against the reference data."""
    try:
        sc, source = resolve_scenario(file)
        model = compile_scenario(sc, source=source)
    except ScenarioError as exc:
        fail(str(exc))
    typer.echo(
        f"{source}: valid ({len(model.keys)} materials, {len(model.events)} events, "
        f"{len(model.responses)} responses, {model.horizon} months)"
    )
    for b in model.baselines:
        if not b.us_balance_available:
            typer.echo(f"  note: {b.key}: U.S. consumption or imports not in the data")


def simulate_command(
    scenario: str = typer.Argument(..., help="Built-in scenario name or a scenario file."),
    runs: int = typer.Option(10_000, "--runs", min=1, help="Monte Carlo scenarios."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed (same seed, same numbers)."),
    stockpile_file: StockpileFile = None,
    from_ledger: FromLedger = False,
    db: LedgerUrl = None,
    out: Path | None = typer.Option(
        None, "--out", help="Write per-scenario totals (.parquet or .csv); paths go to *-paths.*"
    ),
    as_json: JsonFlag = False,
    dask: str | None = typer.Option(
        None, "--dask", help="Run the batches on a Dask scheduler, e.g. tcp://HOST:PORT."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Threads of this process running batches (no --dask)."
    ),
    compare_forms: bool = typer.Option(
        False,
        "--compare-forms",
        help="Run the scenario's form_comparison (ore against metal) on the same draws.",
    ),
) -> None:
    """Simulate a scenario: shortfall by priority class, days of cover, prices, stock."""
    request = run_use_case(SimulationRequest, scenario=scenario, runs=runs, seed=seed)
    if compare_forms:
        comparison = run_use_case(form_comparison, request)
        typer.echo(comparison.model_dump_json(indent=2) if as_json else comparison.to_text())
        return
    holdings = holdings_option(stockpile_file, from_ledger, db)
    executor: Any = None
    if dask is not None:
        # dask.distributed (about 0.3 s to import) is loaded only when a scheduler is named.
        from distributed import Client

        try:
            executor = Client(dask, timeout=10)
        except OSError as exc:
            fail(f"--dask {dask}: cannot connect: {exc}")
    try:
        with progress_bar(scenario, quiet=as_json) as progress:
            run = run_use_case(
                simulate_scenario,
                request,
                holdings=holdings,
                progress=progress,
                executor=executor,
                workers=workers,
            )
    finally:
        if executor is not None:
            executor.close()
    if out is not None:
        result = run.result
        run_use_case(write_results, result, out)
        if result.output.paths is not None:
            paths_file = out.with_name(f"{out.stem}-paths{out.suffix}")
            run_use_case(write_results, result, paths_file, paths=True)
    if as_json:
        typer.echo(run.report.model_dump_json(indent=2))
    else:
        typer.echo(run.report.to_text())


def register(main_app: typer.Typer) -> None:
    """Attach ``scenario`` and ``simulate`` to the main application."""
    main_app.add_typer(app, name="scenario")
    main_app.command("simulate")(simulate_command)
