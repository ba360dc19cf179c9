"""``stockpile plan size|robust|schedule|apply|buffer``: the planner on the command line.

Every command loads its inputs here (reference tables, simulation, ledger) and hands plain
objects to :mod:`stockpile.plan`; heavy imports stay inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    rich_markup_mode="markdown",
    name="plan",
    help="Planning: size purchases under a budget, robust sizing, schedules, buffer stocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

__all__ = ["app"]

_DEFAULT_SCENARIO = "china-export-ban-us-2024"
_FLAT_PRICE_NOTE = (
    "flat purchase price = the simulation's reference price (USGS MCS 2026); no price impact"
)

# options shared by ``size`` and ``robust``
_Weights = Annotated[
    str, typer.Option("--weights", help="Class weights 'defence,essential' (a policy choice).")
]
_NoCaps = Annotated[bool, typer.Option("--no-caps", help="Ignore the 2025 DLA programme caps.")]
_NoHoldings = Annotated[bool, typer.Option("--no-holdings", help="Plan with no holdings.")]
_Stockpile = Annotated[
    Path | None, typer.Option("--stockpile", help="Holdings: CSV/YAML of material, quantity, unit.")
]
_FromLedger = Annotated[bool, typer.Option("--from-ledger", help="Holdings from the ledger.")]
_Db = Annotated[str | None, typer.Option("--db", help="Ledger database URL (default: ledger's).")]
_CapsFile = Annotated[
    Path | None,
    typer.Option("--caps", help="Caps CSV: material, spend_cap_usd, quantity_limit, unit, source."),
]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


def _holdings_source(
    stockpile_file: Path | None, from_ledger: bool, db: str | None
) -> tuple[dict[str, tuple[float, str]] | None, str | None]:
    """Holdings given on the command line (file or ledger), or none (the scenario's own)."""
    from stockpile.simulate import SimulationInputError, load_holdings

    if stockpile_file is not None and from_ledger:
        raise _fail("--stockpile and --from-ledger: give one of them")
    if stockpile_file is not None:
        try:
            return load_holdings(stockpile_file), f"holdings from {stockpile_file}"
        except SimulationInputError as exc:
            raise _fail(str(exc)) from None
    if from_ledger:
        try:
            return _ledger_holdings(db)
        except Exception as exc:  # the ledger raises its own errors (database URL, schema)
            if type(exc).__module__.startswith(("stockpile.ledger", "sqlalchemy")):
                raise _fail(f"--from-ledger: {exc}") from None
            raise
    return None, None


def _simulate_without_release(
    scenario: str,
    runs: int,
    seed: int,
    held: tuple[dict[str, tuple[float, str]] | None, str | None],
    quiet: bool,
) -> tuple[Any, Any, str]:
    """Compile the scenario twice: with holdings (to read them) and with none (the gaps)."""
    from stockpile.simulate import compile_scenario, resolve_scenario, simulate

    sc, source = resolve_scenario(scenario)
    with_stock = compile_scenario(sc, holdings=held[0], holdings_note=held[1], source=source)
    zero = {k: (0.0, u) for k, u in zip(with_stock.keys, with_stock.units, strict=True)}
    model = compile_scenario(sc, holdings=zero, holdings_note="none", source=source)
    if quiet:
        return with_stock, simulate(model, runs=runs, seed=seed), source
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} runs"),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(f"simulating {model.name}", total=runs)

        def _progress(done: int, total: int) -> None:
            bar.update(task, completed=done)

        result = simulate(model, runs=runs, seed=seed, progress=_progress)
    return with_stock, result, source


def _ledger_holdings(db: str | None) -> tuple[dict[str, tuple[float, str]], str]:
    """Current holdings from the ledger's public query (material -> (quantity, unit))."""
    from stockpile.ledger import holdings, make_engine, make_sessionmaker, resolve_database_url

    engine = make_engine(resolve_database_url(db))
    try:
        with make_sessionmaker(engine)() as session:
            views = holdings(session)
    finally:
        engine.dispose()
    out = {v.material: (float(v.quantity), v.unit) for v in views}
    flag = " (includes ILLUSTRATIVE lots)" if any(v.illustrative for v in views) else ""
    return out, f"ledger holdings{flag}"


def _caps_file(path: Path) -> dict[str, Any]:
    """Caps from a CSV: ``material, spend_cap_usd[, quantity_limit][, unit][, source]``."""
    import csv

    from stockpile.plan import caps_from_rows

    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise _fail(f"--caps {path}: {exc}") from None
    return dict(_guard(caps_from_rows, rows, f"--caps {path}"))


def _caps(no_caps: bool, caps_file: Path | None) -> dict[str, Any]:
    from stockpile.plan import program_caps
    from stockpile.reference import load_stockpile_programs

    if no_caps:
        return {}
    if caps_file is not None:
        return _caps_file(caps_file)
    return program_caps(load_stockpile_programs())


def _holdings_for(with_stock: Any, materials: tuple[str, ...], use: bool) -> list[float]:
    stock = dict(zip(with_stock.keys, with_stock.stock0, strict=True))
    return [float(stock.get(m, 0.0)) if use else 0.0 for m in materials]


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` and turn the project's input errors into a clean exit."""
    from stockpile.plan import PlanError
    from stockpile.reference import ReferenceDataError, UnknownMaterialError
    from stockpile.simulate import ScenarioError, SimulationInputError
    from stockpile.units import UnitError

    known = (PlanError, ReferenceDataError, UnknownMaterialError, ScenarioError)
    try:
        return fn(*args, **kwargs)
    except (*known, SimulationInputError, UnitError) as exc:
        raise _fail(str(exc)) from None


@app.command("size")
def size_command(
    budget: float = typer.Option(..., "--budget", help="Budget [USD], e.g. 1e9."),
    scenario: list[str] = typer.Option(
        [_DEFAULT_SCENARIO], "--scenario", help="Scenario name or file (repeat for a set)."
    ),
    objective: str = typer.Option(
        "expected", "--objective", help="expected | cvar | cvar:ALPHA | worst."
    ),
    alpha: float | None = typer.Option(None, "--alpha", help="CVaR level (default 0.9)."),
    runs: int = typer.Option(2000, "--runs", min=1, help="Monte Carlo scenarios."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the simulation."),
    weights: _Weights = "2,1",
    method: str | None = typer.Option(None, "--method", help="exact | lp | cutting-plane."),
    no_caps: _NoCaps = False,
    no_holdings: _NoHoldings = False,
    stockpile_file: _Stockpile = None,
    from_ledger: _FromLedger = False,
    db: _Db = None,
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
    out: Path | None = typer.Option(None, "--out", help="Write the plan as JSON (for schedule)."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write the plan table as CSV."),
    as_json: _Json = False,
) -> None:
    """Size purchases under a budget against a simulated scenario distribution."""
    from stockpile.plan import (
        Objective,
        PlanError,
        PriceCurve,
        SizingMethod,
        SizingProblem,
        combine_samples,
        impact_curves,
        limits_from_caps,
        parse_numbers,
        sample_from_simulation,
        size_stockpile,
    )

    obj = _guard(Objective.parse, objective, alpha)
    meth = None
    if method is not None:
        names = {"exact": SizingMethod.EXACT, "lp": SizingMethod.LP}
        names["cutting-plane"] = SizingMethod.CUTTING_PLANE
        if method not in names:
            raise _fail(f"--method: unknown {method!r}; choose {', '.join(names)}")
        meth = names[method]
    w = _guard(parse_numbers, weights, "--weights", 2)
    held = _holdings_source(stockpile_file, from_ledger, db)
    samples: list[Any] = []
    sources: list[str] = []
    notes: list[str] = []
    stock: dict[str, float] = {}
    stock_notes: list[str] = []
    scenario_names = list(dict.fromkeys(scenario))
    for name in scenario_names:
        with_stock, result, source = _guard(
            _simulate_without_release, name, runs, seed, held, as_json
        )
        try:
            smp, more = sample_from_simulation(result, w)
        except PlanError as exc:
            if len(scenario_names) == 1:
                raise _fail(str(exc)) from None
            notes.append(f"{source}: left out ({exc})")
            continue
        samples.append(smp)
        sources.append(source)
        notes.extend(more)
        stock_notes.append(with_stock.holdings_note)
        for key, qty in zip(with_stock.keys, with_stock.stock0, strict=True):
            stock.setdefault(key, float(qty))  # a material's holdings: first scenario listing it
    if not samples:
        raise _fail("--scenario: no scenario has a material with U.S. data and a price")
    sample = samples[0] if len(samples) == 1 else _guard(combine_samples, samples, sources)
    holdings = [0.0 if no_holdings else stock.get(m, 0.0) for m in sample.materials]
    caps = _caps(no_caps, caps_file)
    limits = _guard(limits_from_caps, sample.materials, sample.units, holdings, caps)
    if (demand_elasticity is None) != (supply_elasticity is None):
        raise _fail("--demand-elasticity and --supply-elasticity: give both or neither")
    price_note = _FLAT_PRICE_NOTE
    if demand_elasticity is None or supply_elasticity is None:
        curves = tuple(PriceCurve.flat(float(p), _FLAT_PRICE_NOTE) for p in sample.unit_prices)
    else:
        pairs = zip(sample.materials, sample.units, strict=True)
        output = {m: _world_production(m, u) for m, u in pairs}
        curves, more = _guard(
            impact_curves, sample, output, demand_elasticity, supply_elasticity, purchase_years
        )
        notes.extend(more)
        price_note = (
            f"isoelastic price impact (ed {demand_elasticity:g}, es {supply_elasticity:g}: "
            f"assumptions) on world production x {purchase_years:g} yr, from the reference price"
        )
    problem = _guard(SizingProblem, sample, budget, curves, limits)
    plan = _guard(size_stockpile, problem, obj, meth)
    holdings_note = "none" if no_holdings else "; ".join(dict.fromkeys(stock_notes))
    source = ", ".join(sources)
    payload = {
        "scenario": source,
        "runs": runs,
        "seed": seed,
        "class_weights": {"defence": w[0], "essential": w[1]},
        "holdings_note": holdings_note,
        "price_curve": price_note,
        "notes": list(notes),
        "plan": plan.to_dict(),
    }
    if out is not None:
        out.write_text(json.dumps(payload, indent=2))
    if csv_out is not None:
        csv_out.write_text(plan.to_csv())
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"scenario {source}, {runs:,} runs, seed {seed}; holdings: {holdings_note}")
    typer.echo(plan.to_text())
    for note in notes:
        typer.echo(f"note: {note}")


@app.command("robust")
def robust_command(
    budget: float = typer.Option(..., "--budget", help="Our budget [USD]."),
    scenario: str = typer.Option(_DEFAULT_SCENARIO, "--scenario", help="Scenario name or file."),
    supplier: str = typer.Option("CHN", "--supplier", help="Supplier country (ISO3)."),
    measures: int | None = typer.Option(
        None, "--measures", min=0, help="Largest number of measures the supplier imposes."
    ),
    supplier_budget: float | None = typer.Option(
        None, "--supplier-budget", help="Largest export revenue the supplier gives up [USD]."
    ),
    weights: _Weights = "2,1",
    method: str | None = typer.Option(None, "--method", help="epigraph | generation."),
    no_caps: _NoCaps = False,
    no_holdings: _NoHoldings = False,
    stockpile_file: _Stockpile = None,
    from_ledger: _FromLedger = False,
    db: _Db = None,
    caps_file: _CapsFile = None,
    as_json: _Json = False,
) -> None:
    """Robust sizing: our plan, the supplier's best response, and its response to the naive plan."""
    from stockpile.plan import (
        PriceCurve,
        RobustMethod,
        game_from_compiled,
        limits_from_caps,
        parse_numbers,
        robust_size,
    )
    from stockpile.simulate import compile_scenario, resolve_scenario

    meth = None
    if method is not None:
        names = {"epigraph": RobustMethod.EPIGRAPH}
        names["generation"] = RobustMethod.CONSTRAINT_GENERATION
        if method not in names:
            raise _fail(f"--method: unknown {method!r}; choose epigraph or generation")
        meth = names[method]
    w = _guard(parse_numbers, weights, "--weights", 2)
    held = _holdings_source(stockpile_file, from_ledger, db)
    sc, source = _guard(resolve_scenario, scenario)
    model = _guard(compile_scenario, sc, holdings=held[0], holdings_note=held[1], source=source)
    output = {k: _world_production(k, u) for k, u in zip(model.keys, model.units, strict=True)}
    game, notes = _guard(
        game_from_compiled,
        model,
        supplier.upper(),
        w,
        float("inf") if supplier_budget is None else supplier_budget,
        measures,
        output,
    )
    holdings = _holdings_for(model, game.materials, not no_holdings)
    caps = _caps(no_caps, caps_file)
    limits = _guard(limits_from_caps, game.materials, game.units, holdings, caps)
    curves = tuple(PriceCurve.flat(float(p), _FLAT_PRICE_NOTE) for p in game.unit_prices)
    res = _guard(robust_size, game, budget, curves, limits, meth)
    holdings_note = "none" if no_holdings else model.holdings_note
    if as_json:
        payload = {
            "scenario": source,
            "supplier": game.supplier,
            "holdings_note": holdings_note,
            "price_curve": _FLAT_PRICE_NOTE,
            "notes": list(notes),
            **res.to_dict(),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"scenario {source}; supplier {game.supplier}; holdings: {holdings_note}")
    typer.echo(res.to_text())
    for note in notes:
        typer.echo(f"note: {note}")


def _world_production(material: str, unit: str) -> float:
    from stockpile.plan import world_production
    from stockpile.reference import load_production

    return world_production(load_production(), material, unit)


@app.command("schedule")
def schedule_command(
    plan_file: Path = typer.Argument(..., help="Plan JSON written by 'stockpile plan size --out'."),
    start_fy: int = typer.Option(..., "--start-fy", help="First fiscal year, e.g. 2026."),
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
    as_json: _Json = False,
) -> None:
    """Turn a sized plan into a fiscal-year procurement schedule."""
    import math

    import numpy as np

    from stockpile.plan import (
        ScheduleProblem,
        parse_assignments,
        parse_numbers,
        schedule_procurement,
    )

    try:
        payload = json.loads(plan_file.read_text())
        rows = [r for r in payload["plan"]["materials"] if float(r["quantity"]) > 0]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{plan_file}: not a plan written by 'plan size --out' ({exc})") from None
    if not rows:
        raise _fail(f"{plan_file}: the plan buys nothing")
    money = list(_guard(parse_numbers, funds, "--funds"))
    if len(money) == 1:
        money = money * years
    if len(money) != years:
        raise _fail(f"--funds: {len(money)} values for {years} fiscal years")
    limits = _guard(parse_assignments, annual_limit, "--annual-limit")
    leads = _guard(parse_assignments, lead, "--lead-months")
    caps = _caps(no_caps, None)
    mats = tuple(str(r["material"]) for r in rows)
    units = tuple(str(r["unit"]) for r in rows)
    qty = np.array([float(r["quantity"]) for r in rows])
    price = np.array([float(r["cost_usd"]) for r in rows]) / qty
    prod = np.array(
        [_world_production(m, u) for m, u in zip(mats, units, strict=True)]
        if pacing is not None
        else [math.nan] * len(mats)
    )
    problem = _guard(
        ScheduleProblem,
        materials=mats,
        units=units,
        targets=qty,
        unit_prices=price,
        fiscal_years=tuple(range(start_fy, start_fy + years)),
        funds=np.array(money),
        annual_limits=np.array([limits.get(m, math.inf) for m in mats]),
        contract_min=np.array([caps[m].contract_min if m in caps else 0.0 for m in mats]),
        contract_ceiling=np.array([caps[m].spend_cap if m in caps else math.inf for m in mats]),
        lead_months=np.array([leads.get(m, 0.0) for m in mats]),
        world_production=prod,
        pacing_share=math.inf if pacing is None else pacing,
    )
    sched = _guard(schedule_procurement, problem)
    data = sched.to_dict()
    data["notes"] = [
        "lead times: user input (0 months where not given)",
        "contract ceilings/minimums: stockpile_programs.csv (2025 DLA programmes)"
        if caps
        else "no contract ceilings",
    ]
    if out is not None:
        out.write_text(json.dumps(data, indent=2))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo(sched.to_text())


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
    from stockpile.plan import contract_actions

    try:
        data = json.loads(schedule_file.read_text())
    except (OSError, ValueError) as exc:
        raise _fail(f"{schedule_file}: {exc}") from None
    actions = _guard(contract_actions, data, prefix)
    for a in actions:
        typer.echo(
            f"contract {a.number}: {a.material}, ceiling ${a.ceiling:,.2f}, "
            f"{a.period_start} - {a.period_end}, {len(a.orders)} delivery orders"
        )
    if dry_run:
        return
    from stockpile.ledger import (
        LedgerError,
        create_contract,
        create_delivery_order,
        make_engine,
        make_sessionmaker,
        resolve_database_url,
    )

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
        raise _fail(f"ledger: {exc}") from None
    finally:
        engine.dispose()
    typer.echo(f"recorded {len(actions)} contracts")


def _reference_prices(material: str) -> tuple[list[float], list[int], str]:
    """Annual reference prices [USD/t] of a material's reference series, years, label."""
    from stockpile.plan import price_series
    from stockpile.reference import get_material, load_prices

    mat = get_material(material)
    per_kg, years = price_series(load_prices(), mat.reference_price)
    return [v * 1000.0 for v in per_kg], years, f"{mat.reference_price} (USGS MCS 2026)"


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
    as_json: _Json = False,
) -> None:
    """Buffer stock: simulate a price band (or tune one when --floor/--ceiling are omitted)."""
    import numpy as np

    from stockpile.plan import (
        BandPolicy,
        band_table,
        process_from_annual_prices,
        simulate_band,
        tune_band,
    )

    vals, yrs, label = _guard(_reference_prices, material)
    market = _world_production(material.lower(), "metric_ton")
    if not np.isfinite(market):
        raise _fail(f"--material {material}: no world production in the reference data")
    given = (vals, yrs, market, half_life, demand_elasticity, supply_elasticity, label)
    process = _guard(process_from_annual_prices, *given)
    rng = np.random.default_rng(seed)
    info = {
        "material": material,
        "price_series": label,
        "start_price_usd_per_t": process.start_price,
        "mean_price_usd_per_t": process.mean_price,
        "volatility": process.volatility,
        "volatility_note": "std of log changes of annual average prices (understates monthly)",
        "world_production_t_per_yr": market,
        "log_impact_per_t": process.impact_per_unit,
    }
    mean_price = process.mean_price
    if floor is not None and ceiling is not None:
        policy = _guard(BandPolicy, floor, ceiling, fund, initial_stock, capacity)
        res = _guard(simulate_band, process, policy, months, paths, rng)
        body: dict[str, object] = {**info, "band": res.to_dict()}
        table = band_table([res])
    elif floor is None and ceiling is None:
        floors = [mean_price * f for f in (0.6, 0.7, 0.8, 0.9)]
        ceilings = [mean_price * c for c in (1.1, 1.25, 1.5, 2.0)]
        args = (fund, capacity, initial_stock, floors, ceilings, months, paths, rng)
        tuning = _guard(tune_band, process, *args, max_collapse)
        body = {**info, "tuning": tuning.to_dict()}
        table = tuning.to_text()
    else:
        raise _fail("--floor and --ceiling: give both, or neither to tune the band")
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    for k, v in info.items():
        typer.echo(f"{k}: {v}")
    typer.echo(table)


app.command("band", hidden=True)(buffer_command)
