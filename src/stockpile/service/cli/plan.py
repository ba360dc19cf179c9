"""``stockpile plan size|forms|robust|schedule|apply|buffer``: the planner on the command line.

Each command parses its options, calls one use case of :mod:`stockpile.usecases` and prints
the typed result (text, or the same JSON document the API returns with ``--json``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from stockpile.ledger import (
    LedgerError,
    create_contract,
    create_delivery_order,
    make_engine,
    make_sessionmaker,
    resolve_database_url,
)
from stockpile.plan import (
    contract_actions,
    fiscal_year,
    fiscal_year_start,
    parse_assignments,
    parse_numbers,
)
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
from stockpile.usecases import (
    DEFAULT_SCENARIO,
    BufferRequest,
    ClassWeights,
    FormsRequest,
    RobustRequest,
    ScheduleRequest,
    SizeReport,
    SizeRequest,
    buffer_band,
    plan_forms,
    robust_plan,
    schedule_plan,
    size_plan,
)

app = typer.Typer(
    rich_markup_mode="markdown",
    name="plan",
    help="Planning: size purchases under a budget, robust sizing, schedules, buffer stocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

__all__ = ["app"]

# options shared by ``size`` and ``robust``
_Weights = Annotated[
    str, typer.Option("--weights", help="Class weights 'defence,essential' (a policy choice).")
]
_NoCaps = Annotated[bool, typer.Option("--no-caps", help="Ignore the 2025 DLA programme caps.")]
_NoHoldings = Annotated[bool, typer.Option("--no-holdings", help="Plan with no holdings.")]
_CapsFile = Annotated[
    Path | None,
    typer.Option("--caps", help="Caps CSV: material, spend_cap_usd, quantity_limit, unit, source."),
]


def _runs(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        fail(f"--runs: expected a number of runs or 'auto', got {text!r}")
    if value < 1:
        fail(f"--runs: must be at least 1, got {value}")
    return value


def _weights(text: str) -> ClassWeights:
    defence, essential = run_use_case(parse_numbers, text, "--weights", 2)
    return run_use_case(ClassWeights, defence=defence, essential=essential)


@app.command("size")
def size_command(
    budget: float = typer.Option(..., "--budget", help="Budget [USD], e.g. 1e9."),
    scenario: list[str] = typer.Option(
        [DEFAULT_SCENARIO], "--scenario", help="Scenario name or file (repeat for a set)."
    ),
    objective: str = typer.Option(
        "expected", "--objective", help="expected | cvar | cvar:ALPHA | worst."
    ),
    alpha: float | None = typer.Option(None, "--alpha", help="CVaR level (default 0.9)."),
    runs: str = typer.Option(
        "20000", "--runs", help="Monte Carlo scenarios, or 'auto' (grow until the gap is small)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the simulation."),
    weights: _Weights = "10,3",
    method: str | None = typer.Option(None, "--method", help="exact | lp | cutting-plane."),
    programme: str | None = typer.Option(
        None, "--programme", help="Purchase programme: built-in name (dla-2025) or YAML file."
    ),
    price_year: int | None = typer.Option(
        None, "--price-year", help="Price year (default: the latest year with a price)."
    ),
    loss_value: list[str] = typer.Option(
        [],
        "--loss-value",
        help="Value of lost use of a material: MAT=DEF,ESS[,OTHER] (x price) or ...=D,E USD/UNIT.",
    ),
    no_cost: bool = typer.Option(
        False, "--no-cost", help="Plain 'cover unmet demand' objective (no purchase cost term)."
    ),
    check_batches: int = typer.Option(
        5, "--check-batches", min=0, help="Independent batches of the out-of-sample check (0: off)."
    ),
    tolerance: float = typer.Option(
        0.01, "--tolerance", help="--runs auto: gap bound / objective to reach (default 1%)."
    ),
    no_caps: _NoCaps = False,
    no_holdings: _NoHoldings = False,
    stockpile_file: StockpileFile = None,
    from_ledger: FromLedger = False,
    db: LedgerUrl = None,
    caps_file: _CapsFile = None,
    demand_elasticity: float | None = typer.Option(
        None, "--demand-elasticity", help="Price impact: demand elasticity (< 0; an assumption)."
    ),
    supply_elasticity: float | None = typer.Option(
        None, "--supply-elasticity", help="Price impact: supply elasticity (>= 0; an assumption)."
    ),
    purchase_years: float = typer.Option(
        5.0, "--purchase-years", help="Years the purchases are spread over (2025 DLA: 5)."
    ),
    form: list[str] = typer.Option(
        [],
        "--form",
        help="Buy a material in a form: MAT=FORM (mine, refined...) or MAT=OPTION (a "
        "form_comparison option of the scenario); priced only where the data has a price.",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the plan as JSON (for schedule)."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write the plan table as CSV."),
    as_json: JsonFlag = False,
) -> None:
    """Size purchases under a budget against a simulated scenario distribution."""
    request = run_use_case(
        SizeRequest,
        budget=budget,
        scenarios=tuple(scenario),
        objective=objective,
        alpha=alpha,
        runs=runs if runs == "auto" else _runs(runs),
        seed=seed,
        weights=_weights(weights),
        method=method,
        programme=programme,
        price_year=price_year,
        loss_values=tuple(loss_value),
        weigh_cost=not no_cost,
        check_batches=check_batches,
        tolerance=tolerance,
        use_caps=not no_caps,
        caps_file=caps_file,
        use_holdings=not no_holdings,
        demand_elasticity=demand_elasticity,
        supply_elasticity=supply_elasticity,
        purchase_years=purchase_years,
        forms=tuple(form),
    )
    holdings = holdings_option(stockpile_file, from_ledger, db)
    with progress_bar("sizing", quiet=as_json) as progress:
        report = run_use_case(size_plan, request, holdings=holdings, progress=progress)
    document = report.model_dump_json(indent=2)
    if out is not None:
        out.write_text(document)
    if csv_out is not None:
        _write_csv(csv_out, report.plan.csv_rows())
    typer.echo(document if as_json else report.to_text())


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@app.command("forms")
def forms_command(
    budget: float = typer.Option(..., "--budget", help="Budget of each sized option [USD]."),
    scenario: str = typer.Option(
        "china-rare-earths-2025", "--scenario", help="Scenario name or file."
    ),
    material: str | None = typer.Option(
        None, "--material", help="Material compared (default: the one with form options)."
    ),
    option: list[str] = typer.Option(
        [], "--option", help="Form or form_comparison option id (repeat; default: all)."
    ),
    quantity: float | None = typer.Option(
        None, "--quantity", help="Quantity compared for unpriced forms [the material's unit]."
    ),
    runs: int = typer.Option(20_000, "--runs", min=1, help="Monte Carlo scenarios."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed (the same draws for every form)."),
    price_year: int | None = typer.Option(None, "--price-year", help="Price year."),
    weights: _Weights = "10,3",
    as_json: JsonFlag = False,
) -> None:
    """Ore against metal: the plan under each form a material can be bought in, side by side
    (form, quantity, cost, price, servable gap, unmet before/after, days of cover)."""
    request = run_use_case(
        FormsRequest,
        budget=budget,
        scenario=scenario,
        material=material,
        options=tuple(option),
        quantity=quantity,
        runs=runs,
        seed=seed,
        price_year=price_year,
        weights=_weights(weights),
    )
    with progress_bar("forms", quiet=as_json) as progress:
        report = run_use_case(plan_forms, request, progress=progress)
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text())


@app.command("robust")
def robust_command(
    budget: float = typer.Option(..., "--budget", help="Our budget [USD]."),
    scenario: str = typer.Option(DEFAULT_SCENARIO, "--scenario", help="Scenario name or file."),
    supplier: str = typer.Option("CHN", "--supplier", help="Supplier country (ISO3)."),
    measures: int | None = typer.Option(
        None, "--measures", min=0, help="Largest number of measures the supplier imposes."
    ),
    supplier_budget: float | None = typer.Option(
        None, "--supplier-budget", help="Largest export revenue the supplier gives up [USD]."
    ),
    weights: _Weights = "10,3",
    method: str | None = typer.Option(None, "--method", help="epigraph | generation."),
    runs: int = typer.Option(20_000, "--runs", min=1, help="Runs of the expected-value plan."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the expected-value plan."),
    programme: str | None = typer.Option(
        None, "--programme", help="Purchase programme: built-in name (dla-2025) or YAML file."
    ),
    price_year: int | None = typer.Option(None, "--price-year", help="Price year."),
    naive: bool = typer.Option(
        False, "--naive", help="Compare with the naive plan, not the expected-value plan."
    ),
    no_caps: _NoCaps = False,
    no_holdings: _NoHoldings = False,
    stockpile_file: StockpileFile = None,
    from_ledger: FromLedger = False,
    db: LedgerUrl = None,
    caps_file: _CapsFile = None,
    as_json: JsonFlag = False,
) -> None:
    """Robust sizing: our plan, the supplier's best response, and the same for the expected-value
    plan of the same budget."""
    request = run_use_case(
        RobustRequest,
        budget=budget,
        scenario=scenario,
        supplier=supplier,
        measures=measures,
        supplier_budget=supplier_budget,
        weights=_weights(weights),
        method=method,
        runs=runs,
        seed=seed,
        programme=programme,
        price_year=price_year,
        compare_expected=not naive,
        use_caps=not no_caps,
        caps_file=caps_file,
        use_holdings=not no_holdings,
    )
    holdings = holdings_option(stockpile_file, from_ledger, db)
    report = run_use_case(robust_plan, request, holdings=holdings)
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text())


def _check_start_fy(start_fy: int, today: dt.date) -> None:
    """Refuse a schedule that starts in a fiscal year already over (money can't go back)."""
    current = fiscal_year(today)
    if start_fy < current:
        ended = fiscal_year_start(start_fy + 1) - dt.timedelta(days=1)
        fail(
            f"--start-fy: FY{start_fy} ended on {ended.isoformat()}; the current fiscal year is "
            f"FY{current} ({fiscal_year_start(current).isoformat()} to "
            f"{(fiscal_year_start(current + 1) - dt.timedelta(days=1)).isoformat()})"
        )


@app.command("schedule")
def schedule_command(
    plan_file: Path = typer.Argument(..., help="Plan JSON written by 'stockpile plan size --out'."),
    start_fy: int = typer.Option(
        ..., "--start-fy", help="First fiscal year (the current one or later), e.g. 2027."
    ),
    years: int = typer.Option(5, "--years", min=1, help="Number of fiscal years."),
    funds: str = typer.Option(
        ..., "--funds", help="New money per FY [USD]: one number (each year) or a comma list."
    ),
    annual_limit: list[str] = typer.Option(
        [], "--annual-limit", help="Annual Materials Plan limit, MATERIAL=QTY (repeatable)."
    ),
    lead: list[str] = typer.Option(
        [], "--lead-months", help="Delivery lead time, MATERIAL=MONTHS (repeatable; default 0)."
    ),
    pacing: float | None = typer.Option(
        None, "--pacing", help="Largest share of world production bought per FY, e.g. 0.02."
    ),
    no_caps: bool = typer.Option(False, "--no-caps", help="Ignore programme ceilings."),
    out: Path | None = typer.Option(None, "--out", help="Write the schedule JSON (for apply)."),
    as_json: JsonFlag = False,
) -> None:
    """Turn a sized plan into a fiscal-year procurement schedule."""
    _check_start_fy(start_fy, dt.date.today())
    try:
        plan = SizeReport.model_validate_json(plan_file.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        fail(f"{plan_file}: not a plan written by 'plan size --out' ({exc})")
    request = run_use_case(
        ScheduleRequest,
        start_fy=start_fy,
        years=years,
        funds=run_use_case(parse_numbers, funds, "--funds"),
        annual_limits=run_use_case(parse_assignments, annual_limit, "--annual-limit"),
        lead_months=run_use_case(parse_assignments, lead, "--lead-months"),
        pacing=pacing,
        use_caps=not no_caps,
    )
    report = run_use_case(schedule_plan, plan, request)
    document = report.model_dump_json(indent=2)
    if out is not None:
        out.write_text(document)
    typer.echo(document if as_json else report.to_text())


@app.command("apply")
def apply_command(
    schedule_file: Path = typer.Argument(..., help="Schedule JSON from 'plan schedule --out'."),
    fund: str = typer.Option(..., "--fund", help="Ledger fund code paying the contracts."),
    depot: str = typer.Option(..., "--depot", help="Ledger depot code receiving deliveries."),
    supplier: str = typer.Option(..., "--supplier", help="Contract supplier name."),
    actor: str = typer.Option(..., "--actor", help="Ledger user (a contracting officer)."),
    prefix: str = typer.Option("NDS", "--prefix", help="Prefix of contract and order numbers."),
    db: str | None = typer.Option(
        None, "--db", help="Ledger database URL (default: the ledger's)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the actions, change nothing."),
) -> None:
    """Record the schedule's contracts and delivery orders in the ledger (its own API)."""
    try:
        data = json.loads(schedule_file.read_text())
    except (OSError, ValueError) as exc:
        fail(f"{schedule_file}: {exc}")
    actions = run_use_case(contract_actions, data, prefix)
    for a in actions:
        typer.echo(
            f"contract {a.number}: {a.material}, ceiling ${a.ceiling:,.2f}, "
            f"{a.period_start} - {a.period_end}, {len(a.orders)} delivery orders"
        )
    if dry_run:
        return
    engine = make_engine(resolve_database_url(db))
    try:
        with make_sessionmaker(engine)() as session:
            for a in actions:
                create_contract(
                    session,
                    number=a.number,
                    supplier=supplier,
                    material=a.material,
                    form="as specified in the plan",
                    unit=a.unit,
                    ceiling=round(a.ceiling, 2),
                    period_start=a.period_start,
                    period_end=a.period_end,
                    fund=fund,
                    actor=actor,
                    minimum_guarantee=round(a.minimum_guarantee, 2),
                    depot=depot,
                    source=f"stockpile plan apply {schedule_file.name}",
                )
                for o in a.orders:
                    create_delivery_order(
                        session,
                        contract=a.number,
                        number=o.number,
                        quantity=round(o.quantity, 6),
                        value=round(o.value, 2),
                        due_date=o.due_date,
                        actor=actor,
                    )
    except LedgerError as exc:
        fail(f"ledger: {exc}")
    finally:
        engine.dispose()
    typer.echo(f"recorded {len(actions)} contracts")


@app.command("buffer")
def buffer_command(
    material: str = typer.Option(..., "--material", help="Material, e.g. cobalt."),
    fund: float = typer.Option(..., "--fund", help="Money at the start [USD]."),
    capacity: float = typer.Option(..., "--capacity", help="Storage capacity [t]."),
    initial_stock: float = typer.Option(0.0, "--initial-stock", help="Opening stock [t]."),
    half_life: float = typer.Option(
        ..., "--half-life", help="Half-life of price deviations [yr] (an assumption)."
    ),
    demand_elasticity: float = typer.Option(
        ..., "--demand-elasticity", help="Short-run demand elasticity (< 0; an assumption)."
    ),
    supply_elasticity: float = typer.Option(
        ..., "--supply-elasticity", help="Short-run supply elasticity (>= 0; an assumption)."
    ),
    floor: float | None = typer.Option(None, "--floor", help="Band floor [USD/t]."),
    ceiling: float | None = typer.Option(None, "--ceiling", help="Band ceiling [USD/t]."),
    max_collapse: float = typer.Option(0.05, "--max-collapse", help="Tuning: collapse limit."),
    months: int = typer.Option(120, "--months", min=1, help="Horizon [month]."),
    paths: int = typer.Option(2000, "--paths", min=1, help="Simulated price paths."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the price shocks."),
    as_json: JsonFlag = False,
) -> None:
    """Buffer stock: simulate a price band (or tune one when --floor/--ceiling are omitted)."""
    request = run_use_case(
        BufferRequest,
        material=material,
        fund=fund,
        capacity=capacity,
        initial_stock=initial_stock,
        half_life=half_life,
        demand_elasticity=demand_elasticity,
        supply_elasticity=supply_elasticity,
        floor=floor,
        ceiling=ceiling,
        max_collapse=max_collapse,
        months=months,
        paths=paths,
        seed=seed,
    )
    report = run_use_case(buffer_band, request)
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text())


app.command("band", hidden=True)(buffer_command)
