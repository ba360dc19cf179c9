"""``stockpile scenario list|show|validate`` and ``stockpile simulate SCENARIO``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from stockpile.simulate import Scenario

app = typer.Typer(
    rich_markup_mode="markdown",
    name="scenario",
    help="Built-in and user scenarios: list, show, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

__all__ = ["app", "register", "simulate_command"]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


@app.command("list")
def list_scenarios(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the built-in scenarios."""
    from stockpile.simulate import builtin_scenarios, resolve_scenario

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
    from stockpile.simulate import ScenarioError, builtin_scenarios, resolve_scenario

    try:
        sc, _ = resolve_scenario(name)
    except ScenarioError as exc:
        raise _fail(str(exc)) from None
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
    from stockpile.simulate import ScenarioError, compile_scenario, resolve_scenario

    try:
        sc, source = resolve_scenario(file)
        model = compile_scenario(sc, source=source)
    except ScenarioError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"{source}: valid ({len(model.keys)} materials, {len(model.events)} events, "
        f"{len(model.responses)} responses, {model.horizon} months)"
    )
    for b in model.baselines:
        if not b.us_balance_available:
            typer.echo(f"  note: {b.key}: U.S. consumption or imports not in the data")


def _ledger_holdings(db: str | None) -> tuple[dict[str, tuple[float, str]], str]:
    from stockpile.ledger.database import make_engine, make_sessionmaker, resolve_database_url
    from stockpile.ledger.queries import holdings

    url = resolve_database_url(db)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            views = holdings(session)
    finally:
        engine.dispose()
    out = {v.material: (float(v.quantity), v.unit) for v in views}
    flag = " (includes illustrative lots)" if any(v.illustrative for v in views) else ""
    return out, f"ledger holdings{flag}"


def _load_inputs(
    scenario: str, stockpile_file: Path | None, from_ledger: bool, db: str | None
) -> tuple[Scenario, str, dict[str, tuple[float, str]] | None, str | None]:
    from stockpile.simulate import load_holdings, resolve_scenario

    sc, source = resolve_scenario(scenario)
    if stockpile_file is not None and from_ledger:
        raise _fail("--stockpile and --from-ledger: give one of them")
    if stockpile_file is not None:
        return sc, source, load_holdings(stockpile_file), f"holdings from {stockpile_file}"
    if from_ledger:
        held, note = _ledger_holdings(db)
        return sc, source, held, note
    return sc, source, None, None


def simulate_command(
    scenario: str = typer.Argument(..., help="Built-in scenario name or a scenario file."),
    runs: int = typer.Option(10_000, "--runs", min=1, help="Monte Carlo scenarios."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed (same seed, same numbers)."),
    stockpile_file: Path | None = typer.Option(
        None, "--stockpile", help="Initial holdings: CSV or YAML of material, quantity, unit."
    ),
    from_ledger: bool = typer.Option(
        False, "--from-ledger", help="Initial holdings from the ledger's current holdings."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Ledger database URL for --from-ledger (default: the ledger's)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write per-scenario totals (.parquet or .csv); paths go to *-paths.*"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dask: str | None = typer.Option(
        None, "--dask", help="Run the batches on a Dask scheduler, e.g. tcp://HOST:PORT."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Threads of this process running batches (no --dask)."
    ),
) -> None:
    """Simulate a scenario: shortfall by priority class, days of cover, prices, stock."""
    from stockpile.simulate import ScenarioError, SimulationInputError, write_results
    from stockpile.units import UnitError

    try:
        sc, source, held, note = _load_inputs(scenario, stockpile_file, from_ledger, db)
    except (ScenarioError, SimulationInputError, UnitError) as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # the ledger raises its own errors (database URL, schema)
        if type(exc).__module__.startswith("stockpile.ledger"):
            raise _fail(f"--from-ledger: {exc}") from None
        raise
    executor: Any = None
    if dask is not None:
        from distributed import Client

        try:
            executor = Client(dask, timeout=10)
        except OSError as exc:
            raise _fail(f"--dask {dask}: cannot connect: {exc}") from None
    try:
        result = _run(sc, source, held, note, runs, seed, executor, workers, quiet=as_json)
    except (ScenarioError, SimulationInputError) as exc:
        raise _fail(str(exc)) from None
    finally:
        if executor is not None:
            executor.close()
    if out is not None:
        try:
            write_results(result, out)
            if result.output.paths is not None:
                write_results(result, out.with_name(f"{out.stem}-paths{out.suffix}"), paths=True)
        except SimulationInputError as exc:
            raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(result.to_text())


def _run(
    sc: Scenario,
    source: str,
    held: dict[str, tuple[float, str]] | None,
    note: str | None,
    runs: int,
    seed: int,
    executor: Any,
    workers: int,
    *,
    quiet: bool,
) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from stockpile.simulate import compile_scenario, simulate

    model = compile_scenario(sc, holdings=held, holdings_note=note, source=source)
    cells = runs * len(model.keys) * model.horizon
    if quiet or cells < 20_000_000:
        return simulate(model, runs=runs, seed=seed, executor=executor, workers=workers)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} runs"),
        TimeRemainingColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(model.name, total=runs)

        def _progress(done: int, total: int) -> None:
            bar.update(task, completed=done)

        return simulate(
            model, runs=runs, seed=seed, executor=executor, workers=workers, progress=_progress
        )


def register(main_app: typer.Typer) -> None:
    """Attach ``scenario`` and ``simulate`` to the main application."""
    main_app.add_typer(app, name="scenario")
    main_app.command("simulate")(simulate_command)
