"""Plotly figure specifications (plain JSON) and per-page view models of the dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from jinja2.utils import htmlsafe_json_dumps

from stockpile.reference import (
    Material,
    load_eu_crm_shares,
    load_import_sources,
    load_production,
    load_stage_ownership,
    load_wgi,
)
from stockpile.reference.views import material_data
from stockpile.risk import WGI_YEAR, governance_scores, stage_risks
from stockpile.risk.concentration import production_concentration
from stockpile.service.schemas import frame_records

__all__ = [
    "MaterialView",
    "bar_figure",
    "fan_figure",
    "figure_json",
    "line_figure",
    "material_charts",
    "stage_chain_figure",
]

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 60},
    "height": 340,
    "font": {"family": "system-ui, sans-serif", "size": 12},
}


def figure_json(data: list[dict[str, Any]], layout: dict[str, Any]) -> str:
    """A Plotly figure as JSON for ``Plotly.newPlot`` (NaN written as null).

    ``<``, ``>``, ``&`` and ``'`` are written as ``\\u`` escapes, so the text can sit inside a
    ``<script>`` element whatever the labels hold.

    Axes get ``automargin`` (tick labels are never cut off) and the y axis starts at zero
    unless the layout says otherwise.
    """

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    merged = {**_LAYOUT, **clean(layout)}
    # Long tick labels get the room they need, and quantity axes start at zero: a constant
    # series then reads as flat at its value, not as noise on a 2,999-3,001 axis.
    merged["xaxis"] = {"automargin": True, **merged.get("xaxis", {})}
    merged["yaxis"] = {"automargin": True, "rangemode": "tozero", **merged.get("yaxis", {})}
    figure = {"data": clean(data), "layout": merged}
    return str(htmlsafe_json_dumps(figure))


def bar_figure(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    y_title: str,
    x_title: str = "",
) -> str:
    """A vertical bar chart."""
    return figure_json(
        [{"type": "bar", "x": list(labels), "y": [float(v) for v in values]}],
        {
            "title": {"text": title},
            "yaxis": {"title": {"text": y_title}},
            "xaxis": {"title": {"text": x_title}},
        },
    )


def line_figure(
    series: Mapping[str, tuple[Sequence[Any], Sequence[float | None]]],
    *,
    title: str,
    y_title: str,
) -> str:
    """Lines, one per named series of (x, y)."""
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": list(x), "y": list(y)}
        for name, (x, y) in series.items()
    ]
    return figure_json(
        data,
        {
            "title": {"text": title},
            "yaxis": {"title": {"text": y_title}},
            "legend": {"orientation": "h", "y": -0.25},
        },
    )


def fan_figure(
    x: Sequence[Any],
    quantiles: Mapping[float, Sequence[float | None]],
    *,
    title: str,
    y_title: str,
) -> str:
    """A fan chart: shaded bands between symmetric quantiles and the median as a line.

    ``quantiles`` maps a probability (0.05, 0.25, 0.5, 0.75, 0.95...) to its path.
    """
    probs = sorted(quantiles)
    data: list[dict[str, Any]] = []
    lows = [p for p in probs if p < 0.5]
    for p in lows:
        q = 1.0 - p
        hi = min(probs, key=lambda r: abs(r - q))
        label = f"{round(p * 100)}-{round(hi * 100)}%"
        data.append(
            {
                "type": "scatter",
                "x": list(x),
                "y": list(quantiles[p]),
                "mode": "lines",
                "line": {"width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": list(x),
                "y": list(quantiles[hi]),
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "name": label,
                "fillcolor": f"rgba(31,119,180,{0.15 + 0.2 * (p / 0.5)})",
            }
        )
    if 0.5 in quantiles:
        data.append(
            {
                "type": "scatter",
                "x": list(x),
                "y": list(quantiles[0.5]),
                "mode": "lines",
                "name": "median",
                "line": {"color": "rgb(31,119,180)", "width": 2},
            }
        )
    layout = {
        "title": {"text": title},
        "yaxis": {"title": {"text": y_title}},
        "xaxis": {"title": {"text": "month"}},
    }
    return figure_json(data, layout)


@dataclass(frozen=True)
class MaterialView:
    """What the material page shows, computed from the reference data."""

    production_chart: str | None
    production_caption: str
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    price_chart: str | None
    us_market: list[dict[str, Any]]
    import_sources: list[dict[str, Any]]
    export_controls: list[dict[str, Any]]
    stage_chart: str | None = None
    stage_rows: tuple[dict[str, Any], ...] = ()
    hhi_year: int | None = None


def _production(m: Material) -> tuple[str | None, str, float | None, str | None, float | None]:
    data = material_data(m)
    prod = data.production
    if prod.empty:
        return None, "USGS publishes no production by country for this material.", None, None, None
    stage = str(prod["stage"].iloc[0])
    year = int(prod.loc[prod["stage"] == stage, "year"].max())
    material = str(prod.loc[prod["stage"] == stage, "material"].iloc[0])
    conc = production_concentration(prod, material=material, year=year, stage=stage)
    if not conc.producers:
        return None, f"No country rows for {stage} production {year}.", None, None, None
    labels = [p.country for p in conc.producers]
    values = [100.0 * p.share for p in conc.producers]
    chart = bar_figure(
        labels,
        values,
        title=f"{stage.capitalize()} production share by country, {year}",
        y_title="share of world production [%]",
    )
    caption = (
        f"USGS MCS 2026, {stage} production {year} ({conc.unit}, {conc.basis}); "
        f"source {conc.source_id}."
    )
    return chart, caption, conc.hhi, conc.top_producer, conc.top_share


def material_charts(m: Material) -> MaterialView:
    """Charts and tables of the material page."""
    chart, caption, hhi, top, top_share = _production(m)
    data = material_data(m)
    hhi_year = None
    if hhi is not None:
        first_stage = data.production["stage"].iloc[0]
        hhi_year = int(data.production.loc[data.production["stage"] == first_stage, "year"].max())
    price_chart = None
    if not data.prices.empty:
        series: dict[str, tuple[list[int], list[float | None]]] = {}
        for basis, group in data.prices.groupby("price_basis", sort=False):
            g = group.sort_values("year")
            series[str(basis)] = (
                [int(y) for y in g["year"]],
                [None if v != v else float(v) for v in g["usd_per_kg_derived"]],
            )
        price_chart = line_figure(
            series, title="Annual average prices (USGS MCS 2026)", y_title="price [USD/kg]"
        )
    us_cols = [
        "year",
        "us_production",
        "us_consumption",
        "unit",
        "net_import_reliance_raw",
        "estimated",
    ]
    imports = load_import_sources()
    imports = imports[imports["material"] == m.key]
    ec_cols = [
        "measure_id",
        "imposing_country",
        "measure_type",
        "target_scope",
        "effective",
        "ended_or_suspended",
        "coverage",
    ]
    return MaterialView(
        production_chart=chart,
        production_caption=caption,
        hhi=hhi,
        top_producer=top,
        top_share=top_share,
        price_chart=price_chart,
        us_market=frame_records(data.us_market, us_cols),
        import_sources=frame_records(
            imports, ["import_category", "country", "period", "share_pct", "share_raw"]
        ),
        export_controls=frame_records(data.export_controls, ec_cols),
        **_stages(m),
        hhi_year=hhi_year,
    )


def stage_chain_figure(stages: Sequence[Any], *, top: int = 6) -> str | None:
    """Stacked bars of country shares at each stage of the chain (unknown stages empty).

    ``stages`` are :class:`stockpile.risk.StageRisk`; the ``top`` largest producers over all
    stages get their own colour, the rest and "Rest of world" are stacked as "others".
    """
    known = [s for s in stages if s.known and s.headline is not None]
    if not known:
        return None
    labels = [f"{s.stage.value} ({s.link.form})" for s in stages]
    best: dict[str, float] = {}
    for s in known:
        for p in s.headline.concentration.producers:
            if p.iso3 is not None:
                best[p.country] = max(best.get(p.country, 0.0), p.share)
    names = sorted(best, key=lambda c: -best[c])[:top]
    data: list[dict[str, Any]] = []
    for name in names:
        ys: list[float | None] = []
        for s in stages:
            if not s.known or s.headline is None:
                ys.append(None)
                continue
            share = next(
                (p.share for p in s.headline.concentration.producers if p.country == name), 0.0
            )
            ys.append(100.0 * share)
        data.append({"type": "bar", "name": name, "x": labels, "y": ys})
    rest: list[float | None] = []
    for s in stages:
        if not s.known or s.headline is None:
            rest.append(None)
            continue
        listed = sum(p.share for p in s.headline.concentration.producers if p.country in names)
        rest.append(max(0.0, 100.0 * (1.0 - listed)))
    data.append({"type": "bar", "name": "others", "x": labels, "y": rest})
    return figure_json(
        data,
        {
            "barmode": "stack",
            "title": {"text": "Country shares by stage"},
            "yaxis": {"title": {"text": "share of world output [%]"}, "range": [0, 100]},
        },
    )


def _stages(m: Material) -> dict[str, Any]:
    stages = stage_risks(
        m.key,
        production=load_production(),
        scores=governance_scores(load_wgi(), year=WGI_YEAR),
        eu_shares=load_eu_crm_shares(),
        ownership=load_stage_ownership(),
        production_materials=m.production_materials,
        eu_name=m.eu_crm_name,
    )
    rows = tuple(
        {
            "stage": s.stage.value,
            "form": s.link.form,
            "known": s.known,
            "top_producer": s.top_producer,
            "top_share": s.top_share,
            "hhi": s.hhi,
            "hhi_wgi": s.governance.value if s.governance is not None else None,
            "hhi_ownership": s.hhi_ownership,
            "source": s.headline.label if s.headline is not None else "no source: unknown",
        }
        for s in stages
    )
    return {"stage_chart": stage_chain_figure(stages), "stage_rows": rows}
