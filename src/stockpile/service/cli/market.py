"""``stockpile market``: price history, export-control episodes, calibration and hindcast."""

from __future__ import annotations

from pathlib import Path

import typer

from stockpile.calibration import (
    FitOptions,
    load_calibration,
    run_hindcast,
    scenario_elasticities,
    targets_from_table,
    write_calibration,
)
from stockpile.calibration.scenario_check import check_scenarios
from stockpile.reference import UnknownMaterialError
from stockpile.reference.history import (
    load_episode_observations,
    load_episode_targets,
    load_episodes,
    price_history,
)
from stockpile.service.cli._output import fmt, print_json, print_table, records
from stockpile.usecases import hindcast

app = typer.Typer(
    help="Market history: price series, export-control episodes, calibration, hindcast.",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


def _cell(interval: dict[str, float] | None, status: str) -> str:
    if interval is None:
        return status
    text = f"{interval['median']:.2f} [{interval['p10']:.2f}-{interval['p90']:.2f}]"
    return text if status == "inside" else f"{text} {status.upper()}"


@app.command("hindcast")
def hindcast_command(json_out: bool = _JSON) -> None:
    """Per episode: measure, observed price ratio (source, grade), model median and 80% interval,
    in-sample and leave-one-out; misses are shown as missed.

    Uses the shipped calibration (regenerate it with `stockpile market calibrate`).
    """
    report = hindcast().model_dump(mode="json")
    if json_out:
        print_json(report)
        return
    table = []
    for r in report["rows"]:
        cut = f"{r['cut'][0]:.3f}-{r['cut'][1]:.3f}" if r["cut"] else "not measured"
        table.append(
            [
                r["target_id"] + ("" if r["fitted"] else " (not fitted)"),
                r["measure"].split(" (", 1)[0],
                cut,
                f"{r['observed_ratio']:.3g} ({r['reliability']})",
                r["source"],
                _cell(r["in_sample"], r["in_sample_status"]),
                _cell(r["leave_one_out"], r["leave_one_out_status"]),
            ]
        )
    print_table(
        table,
        [
            "target",
            "measure",
            "cut [-]",
            "observed (grade)",
            "source",
            "in-sample median [80%]",
            "leave-one-out median [80%]",
        ],
        title="Hindcast: observed price ratios against the calibrated market model",
        caption="Cut: share of world supply withheld. Intervals: 10th-90th percentile of the "
        "posterior predictive. Series and notes: --json.",
        plain=range(7),
    )
    for r in report["rows"]:
        if r["note"]:
            typer.echo(f"{r['target_id']}: {r['note']}")
    print_table(
        [
            [p["parameter"], fmt(p["p10"]), fmt(p["p50"]), fmt(p["p90"])]
            for p in report["parameters"]
        ],
        ["parameter", "p10", "median", "p90"],
        title="Calibrated parameters (posterior, all episodes)",
        right=(1, 2, 3),
    )


@app.command("calibrate")
def calibrate_command(
    walkers: int = typer.Option(64, "--walkers", min=8, help="MCMC walkers."),
    steps: int = typer.Option(3000, "--steps", min=10, help="MCMC steps per walker."),
    burn: int = typer.Option(1500, "--burn", min=0, help="Steps discarded as burn-in."),
    thin: int = typer.Option(10, "--thin", min=1, help="Keep every n-th step."),
    seed: int = typer.Option(20251206, "--seed", help="Seed of the sampler."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder to write to (default: the package's calibration data)."
    ),
) -> None:
    """Fit the market dynamics to the episodes (all, then each left out) and write the draws."""
    if burn >= steps:
        raise _fail(f"--burn: {burn} must be below --steps ({steps})")
    options = FitOptions(walkers=walkers, steps=steps, burn=burn, thin=thin, seed=seed)
    result = run_hindcast(targets_from_table(load_episode_targets()), options)
    write_calibration(result, options, out)
    where = out or "the package data"
    typer.echo(f"wrote the posterior of {len(result.loo_posteriors) + 1} fits to {where}")
    for label, post in (("all", result.posterior), *sorted(result.loo_posteriors.items())):
        typer.echo(
            f"  {label}: acceptance {post.acceptance:.3f}, autocorrelation "
            f"{post.autocorr_steps:.0f} steps, kept {steps - burn} steps"
        )
    typer.echo("scenario elasticities (triangular low, mode, high) per family, shipped draws:")
    for family, spec in scenario_elasticities(load_calibration(out).posterior).items():
        typer.echo(f"  {family}: demand {spec['demand']}, supply {spec['supply']}")


@app.command("history")
def history_command(material: str, json_out: bool = _JSON) -> None:
    """Annual price history of MATERIAL, one row per series and year (never spliced)."""
    try:
        frame = price_history(material)
    except UnknownMaterialError as exc:
        raise _fail(str(exc)) from None
    if json_out:
        print_json(records(frame))
        return
    print_table(
        frame[["year", "kind", "series", "value", "unit", "usd_per_kg", "source"]].itertuples(
            index=False
        ),
        ["year", "kind", "series", "value", "unit", "USD/kg", "source"],
        title=f"Price history: {material}",
        right=(3, 5),
        plain=(0,),
    )


@app.command("episodes")
def episodes_command(json_out: bool = _JSON) -> None:
    """Export-control episodes with their measures, dates and price observations."""
    eps = load_episodes()
    obs = load_episode_observations()
    if json_out:
        print_json({"episodes": records(eps), "observations": records(obs)})
        return
    print_table(
        eps[
            ["episode_id", "commodity", "imposing_country", "measure", "effective", "reliability"]
        ].itertuples(index=False),
        ["episode", "commodity", "country", "measure", "effective", "grade"],
        title="Export-control episodes",
        plain=range(6),
    )
    print_table(
        obs[
            [
                "episode_id",
                "series",
                "date_or_period",
                "value",
                "unit",
                "relative_to_measure",
                "reliability",
            ]
        ].itertuples(index=False),
        ["episode", "series", "date", "value", "unit", "relative to measure", "grade"],
        title="Price observations",
        right=(3,),
        plain=(0, 1, 2),
    )


@app.command("check-scenarios")
def check_scenarios_command(
    runs: int = typer.Option(2000, "--runs", min=1, help="Monte Carlo runs per scenario."),
    seed: int = typer.Option(1, "--seed", min=0, help="Seed."),
    json_out: bool = _JSON,
) -> None:
    """Built-in scenarios against the 2025 price moves (cobalt, antimony, gallium): simulated
    mean price ratio over 2025 and peak, against the observed 2025 / 2024 ratio."""
    rows = check_scenarios(runs=runs, seed=seed)
    if json_out:
        print_json(
            [
                {
                    "scenario": r.check.scenario,
                    "material": r.check.material,
                    "observed_ratio": r.observed_ratio,
                    "series": r.series,
                    "observed_2025_estimated": r.estimated,
                    "mean_2025": r.mean_2025.__dict__,
                    "predictive_2025": r.predictive_2025.__dict__,
                    "peak": r.peak.__dict__,
                    "status": r.status.value,
                    "runs": r.runs,
                    "seed": r.seed,
                }
                for r in rows
            ]
        )
        return
    print_table(
        [
            [
                r.check.scenario,
                r.check.material,
                f"{r.observed_ratio:.3g}" + (" (2025 est.)" if r.estimated else ""),
                f"{r.mean_2025.median:.2f} [{r.mean_2025.low:.2f}-{r.mean_2025.high:.2f}]",
                f"[{r.predictive_2025.low:.2f}-{r.predictive_2025.high:.2f}]",
                f"{r.peak.median:.2f} [{r.peak.low:.2f}-{r.peak.high:.2f}]",
                r.status.value,
            ]
            for r in rows
        ],
        [
            "scenario",
            "material",
            "observed 2025/2024",
            "simulated 2025 mean [80%]",
            "with hindcast error [80%]",
            "simulated peak [80%]",
            "observed vs 2025 mean",
        ],
        title=f"Built-in scenarios against 2025 ({runs} runs, seed {seed})",
        caption="Observed: USGS MCS 2026 reference price series (prices.csv).",
        plain=range(7),
    )


def register(main_app: typer.Typer) -> None:
    """Attach ``market`` to the main application."""
    main_app.add_typer(app, name="market")
