"""``stockpile data``: the bundled reference data (list, show, sources, importers)."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import typer

from stockpile.reference import (
    ReferenceDataError,
    UnknownMaterialError,
    catalogue,
    get_material,
    load_sources,
)
from stockpile.reference.mcs import McsFormatError, build_mcs_tables, write_mcs_tables
from stockpile.reference.usitc import import_usitc as _import
from stockpile.reference.usitc import write_usitc_trade
from stockpile.reference.views import material_data
from stockpile.risk.controls import measure_status
from stockpile.service.cli._output import print_json, print_table, records

app = typer.Typer(
    rich_markup_mode="markdown",
    no_args_is_help=True,
    help="Bundled reference data: list, show, import.",
)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


@app.command("list")
def list_materials(json_out: bool = _JSON) -> None:
    """List every material in the catalogue with its USGS chapter, unit and basis."""
    rows = [
        {
            "key": m.key,
            "symbol": m.symbol,
            "mcs_chapter": m.mcs_chapter,
            "unit": m.usgs_unit,
            "basis": m.basis,
            "aliases": list(m.aliases),
            "hts4_specific": list(m.hts4_specific),
            "hts4_shared": list(m.hts4_shared),
            "notes": m.notes,
        }
        for m in catalogue()
    ]
    if json_out:
        print_json(rows)
        return
    print_table(
        [[r["key"], r["symbol"], r["mcs_chapter"], r["unit"], r["basis"]] for r in rows],
        ["material", "symbol", "USGS chapter", "unit", "basis"],
        title=f"Materials in the catalogue ({len(rows)})",
        caption="Source: USGS Mineral Commodity Summaries 2026 data release (USGS_MCS2026_DR)",
    )


@app.command("show")
def show(
    material: str = typer.Argument(..., help="Material name, symbol or alias, e.g. Sb."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date of the export-control status, YYYY-MM-DD (default: today)."
    ),
    json_out: bool = _JSON,
) -> None:
    """Show one material: production by country, U.S. market, prices, export controls."""
    try:
        m = get_material(material)
    except UnknownMaterialError as exc:
        raise _fail(str(exc)) from None
    try:
        when = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise _fail(f"--as-of: expected a date YYYY-MM-DD, got {as_of!r}") from None
    view = material_data(m)
    controls = view.export_controls.copy()
    controls["status"] = [measure_status(row, when).status.value for _, row in controls.iterrows()]
    controls["status_as_of"] = when.isoformat()
    if json_out:
        print_json(
            {
                "material": m.key,
                "unit": m.usgs_unit,
                "basis": m.basis,
                "production": records(view.production),
                "us_market": records(view.us_market),
                "prices": records(view.prices),
                "export_controls": records(controls),
            }
        )
        return
    prod = view.production
    print_table(
        prod[["country", "year", "stage", "value", "value_raw", "unit"]].itertuples(index=False),
        ["country", "year", "stage", "value", "as printed", "unit"],
        title=f"{m.name}: production by country",
        caption="Source: USGS_MCS2026_DR",
        right=(3,),
        plain=(1,),
    )
    us = view.us_market
    print_table(
        us[
            ["year", "us_production_raw", "us_consumption_raw", "net_import_reliance_raw", "unit"]
        ].itertuples(index=False),
        ["year", "U.S. production", "U.S. consumption", "NIR %", "unit"],
        title=f"{m.name}: U.S. market",
        caption="Source: USGS_MCS2026_DR (values as printed: W withheld, E net exporter)",
        plain=(0,),
    )
    pr = view.prices
    print_table(
        pr[["year", "price_basis", "price", "unit", "usd_per_kg_derived"]].itertuples(index=False),
        ["year", "series", "price", "unit", "USD/kg"],
        title=f"{m.name}: prices",
        caption="Source: USGS_MCS2026_DR; USD/kg derived per kg of the priced substance",
        right=(2, 4),
        plain=(0,),
    )
    print_table(
        controls[
            ["measure_id", "imposing_country", "date_effective", "status", "coverage", "items"]
        ].itertuples(index=False),
        ["measure", "country", "effective", f"status on {when}", "coverage", "items"],
        title=f"{m.name}: export controls",
        caption="Source: export_controls.csv (URLs per measure)",
    )


@app.command("sources")
def sources(json_out: bool = _JSON) -> None:
    """List the sources cited by the ``source_id`` of every bundled row."""
    frame = load_sources()
    if json_out:
        print_json(records(frame))
        return
    print_table(
        frame[["source_id", "title", "published", "url_or_doi"]].itertuples(index=False),
        ["source_id", "title", "published", "url / DOI"],
        title="Sources",
    )


@app.command("import-mcs")
def import_mcs(
    file: Path = typer.Argument(..., help="USGS MCS data-release CSV (Windows-1252)."),
    out: Path = typer.Option(
        Path("mcs-tables"), "--out", help="Directory to write the five tables into."
    ),
) -> None:
    """Rebuild the production, reserves, U.S. market, import-source and price tables."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tables = build_mcs_tables(file)
        except (McsFormatError, OSError) as exc:
            raise _fail(str(exc)) from None
    for w in caught:
        typer.secho(f"warning: {w.message}", err=True, fg=typer.colors.YELLOW)
    written = write_mcs_tables(tables, out)
    for path in written:
        typer.echo(str(path))


@app.command("import-usitc")
def import_usitc(
    files: list[Path] = typer.Argument(..., help="USITC DataWeb .xlsx exports."),
    out: Path = typer.Option(
        Path("usitc_trade.csv.gz"), "--out", help="CSV file to write (gzip if it ends in .gz)."
    ),
) -> None:
    """Convert USITC DataWeb exports (18 selected partners) into one tidy trade table."""
    try:
        frame = _import(files)
    except (ReferenceDataError, OSError) as exc:
        raise _fail(str(exc)) from None
    write_usitc_trade(frame, out)
    typer.echo(f"{out}: {len(frame)} rows (partner coverage: 18 selected countries, not world)")
