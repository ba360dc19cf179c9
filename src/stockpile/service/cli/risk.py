"""``stockpile risk`` (ranked table of all materials) and ``stockpile material NAME``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from stockpile.risk import MaterialProfile
from stockpile.risk.concentration import stage_kind
from stockpile.service.cli._input import fail, run_use_case
from stockpile.service.cli._output import console
from stockpile.usecases import RiskRow, RiskTableReport, material_risk, risk_ranking

_JSON = typer.Option(False, "--json", help="Print JSON (every column) instead of a table.")
_YEAR = typer.Option(2024, "--year", help="Production and U.S. market year (2024 or 2025).")
_STAGE = typer.Option(
    None, "--stage", help="Restrict production to one stage kind: mine or refinery."
)
_AS_OF = typer.Option(
    None, "--as-of", help="Date of the export-control status, YYYY-MM-DD (default: 31 Dec of YEAR)."
)

_TABLE_WIDTH = 100  # the ranked table is laid out for a 100-column terminal


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of: {text!r} is not a date in the form YYYY-MM-DD")


def _pct(value: Any, digits: int = 0) -> str:
    if value is None or value != value:
        return ""
    return f"{100 * float(value):.{digits}f}%"


def _num(value: Any, fmt: str = ",.0f") -> str:
    if value is None or value != value:
        return ""
    return format(float(value), fmt)


def _china(row: RiskRow) -> str:
    if row.china_import_share is not None:
        return _pct(row.china_import_share)
    if row.china_import_share_max is not None:
        return "≤" + _pct(row.china_import_share_max)
    return ""


def _print_risk_table(report: RiskTableReport) -> None:
    year, as_of = report.year, report.as_of
    table = Table(
        title=f"Supply risk of {len(report.materials)} materials, {year} (ranked by HHI x NIR)",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        caption=(
            'HHI: production concentration 0-10,000 ("Other countries" not a producer). '
            "WGI-HHI: governance-weighted, 0-10. NIR: U.S. net import reliance as published "
            "(E = net exporter). CN imp.: China's share of U.S. imports (USGS, 2021-24, by "
            "shipping source; ≤: not listed, at most 'Other countries'). "
            f"Controls: export-control status on {as_of.isoformat()}. "
            "Sources: USGS MCS 2026 data release; World Bank WGI 2024; export-control registry. "
            "--json gives every column."
        ),
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("material", max_width=15, overflow="fold")
    table.add_column("stage")
    table.add_column("HHI", justify="right")
    table.add_column("top producer", max_width=20, overflow="fold")
    table.add_column("top3", justify="right")
    table.add_column("WGI-\nHHI", justify="right")
    table.add_column("NIR", justify="right")
    table.add_column("CN\nimp.", justify="right")
    table.add_column("controls", max_width=9, overflow="fold")
    for row in report.materials:
        kind = "" if row.stage is None else stage_kind(row.stage).value
        top = row.top_producer
        top_text = "" if top is None else f"{top} {_pct(row.top_share)}"
        status = str(row.export_control_status)
        table.add_row(
            str(row.rank),
            row.material,
            kind,
            _num(row.hhi),
            top_text,
            _pct(row.top3_share),
            _num(row.hhi_wgi, ".1f"),
            row.nir_published_raw or "",
            _china(row),
            "" if status == "none" else status,
        )
    out = console()
    if out.width > _TABLE_WIDTH:
        out = Console(width=_TABLE_WIDTH)
    out.print(table)


def risk(
    year: int = _YEAR,
    stage: str | None = _STAGE,
    as_of: str | None = _AS_OF,
    json_out: bool = _JSON,
) -> None:
    """Ranked supply-risk table of every material: concentration, NIR, export controls."""
    report = run_use_case(risk_ranking, year=year, stage=stage, as_of=_parse_date(as_of))
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
        return
    _print_risk_table(report)


def _print_profile(p: MaterialProfile) -> None:
    out = console()
    m = p.material
    out.print(
        f"[bold]{m.name}[/bold] ({m.symbol or '-'}), USGS chapter {m.mcs_chapter}, "
        f"basis {m.basis or '-'}; year {p.year}"
    )
    _print_stages(out, p)
    for c in p.concentrations:
        if c.hhi is None:
            out.print(
                f"{c.material}, {c.stage}: world total only ({_num(c.world_published)} {c.unit})"
            )
            continue
        t = Table(title=f"{c.material}, {c.stage}, {c.year} [{c.unit}]", header_style="bold")
        t.add_column("country")
        t.add_column("production", justify="right")
        t.add_column("share", justify="right")
        for prod in c.producers:
            t.add_row(prod.country, _num(prod.quantity, ",.6g"), _pct(prod.share, 1))
        for mv in c.missing:
            t.add_row(mv.country, mv.value_raw or "NA", mv.flag.value)
        t.caption = (
            f"HHI {c.hhi:,.0f}; top-3 {_pct(c.top3_share)}; world (USGS, rounded) "
            f"{_num(c.world_published)}; source {c.source_id}"
        )
        out.print(t)
    if p.governance is not None:
        g = p.governance
        note = "; no WGI for " + ", ".join(u.country for u in g.uncovered) if g.uncovered else ""
        out.print(f"WGI-weighted HHI: {_num(g.value, '.2f')} (0-10; {g.label}){note}")
    for e in p.eu:
        out.print(
            f"EU CRM 2023 HHI_WGI,t {e.stage.value}/{e.scope.value}: "
            f"{_num(e.result.value, '.2f')} (shares covered {_pct(e.result.covered_share)})"
        )
    if p.nir is not None:
        n = p.nir
        out.print(
            f"U.S. NIR {p.year}: published {n.published.raw or '-'}; computed "
            f"{_num(n.computed, '.1f')} ({n.method}); {n.agreement.value}"
        )
    if p.import_concentration is not None:
        ic = p.import_concentration
        shares = "; ".join(f"{s.country} {s.share_raw}%" for s in ic.shares)
        out.print(f"U.S. import sources ({ic.coverage}): {shares}; HHI {_num(ic.hhi)}")
    if p.supplier_exposure is not None:
        se = p.supplier_exposure
        out.print(f"China share of U.S. imports: {_pct(se.share)} ({se.coverage}) {se.note}")
    for ue in p.usitc_exposure:
        out.print(f"China share of U.S. imports: {_pct(ue.share)} ({ue.coverage}) {ue.note}")
    ec = p.export_controls
    out.print(f"Export controls on {ec.as_of.isoformat()}: {ec.status.value}")
    for ms in ec.measures:
        out.print(f"  {ms.measure_id} ({ms.imposing_country}, {ms.coverage}): {ms.status.value}")
    u = p.usgs_supply_risk
    out.print(
        f"USGS 2021 index: DP {_num(u.disruption_potential, '.2f')}, TE "
        f"{_num(u.trade_exposure, '.2f')}, EV missing, supply risk not computed"
    )
    if p.geopolrisk_us is not None:
        gp = p.geopolrisk_us
        out.print(
            f"GeoPolRisk (U.S.): {gp.value:.3f} = HHI {gp.hhi:.3f} x import dependency "
            f"{gp.import_dependency:.2f} x import instability {gp.import_risk:.3f} ({gp.label})"
            + (f"; lower bound, no PV for {', '.join(gp.uncovered)}" if gp.uncovered else "")
        )
    for flag in p.flags:
        out.print(f"[yellow]note:[/yellow] {flag}")
    out.print(f"Sources: {', '.join(p.sources) or '-'}")


def _print_stages(out: Any, p: MaterialProfile) -> None:
    """The chain of stages: shares, HHI, WGI-weighted HHI, EU supply risk, ownership."""
    if not p.stages:
        return
    neck = p.bottleneck
    if neck is not None and neck.headline is not None:
        out.print(
            f"Bottleneck: [bold]{neck.stage.value}[/bold] stage, "
            f"{neck.top_producer} {_pct(neck.top_share)}, HHI {_num(neck.hhi)}, "
            f"WGI-weighted HHI {_num(neck.risk_key, '.2f')} ({neck.headline.label})"
        )
    t = Table(title="Supply chain by stage", header_style="bold")
    for col in ("stage", "form", "top producer", "HHI", "WGI-HHI", "EU SR", "owner-adj. HHI"):
        t.add_column(col, justify="left" if col in ("stage", "form", "top producer") else "right")
    t.add_column("source")
    for st in p.stages:
        if not st.known:
            t.add_row(st.stage.value, st.link.form, "unknown", "-", "-", "-", "-", "no source")
            continue
        eu = "-"
        if st.eu is not None:
            eu = (
                _num(st.eu.supply_risk, ".2f")
                if st.eu.supply_risk is not None
                else f"n/a (HHI_WGI,GS {_num(st.eu.hhi_wgi_global, '.2f')})"
            )
        gov = st.governance.value if st.governance is not None else None
        label = st.headline.label if st.headline else "-"
        if st.headline is not None and not st.headline.complete:
            label += " (one country: HHI is a lower bound)"
        t.add_row(
            st.stage.value,
            st.link.form,
            f"{st.top_producer or '-'} {_pct(st.top_share)}",
            _num(st.hhi),
            _num(gov, ".2f"),
            eu,
            _num(st.hhi_ownership),
            label,
        )
    missing = sorted({m for st in p.stages if st.eu is not None for m in st.eu.missing})
    if missing:
        t.caption = "EU SR needs " + ", ".join(missing) + " (not in the bundled data)"
    out.print(t)


def material(
    name: str = typer.Argument(..., help="Material name, symbol or alias, e.g. Sb."),
    year: int = _YEAR,
    as_of: str | None = _AS_OF,
    json_out: bool = _JSON,
) -> None:
    """Risk profile of one material: producers, governance, NIR, imports, export controls."""
    report = run_use_case(material_risk, name, year=year, as_of=_parse_date(as_of))
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
        return
    _print_profile(report.profile)


def register(app: typer.Typer) -> None:
    """Attach ``risk`` and ``material`` as top-level commands of ``app``."""
    app.command("risk")(risk)
    app.command("material")(material)
