"""Plotly figure specifications (plain JSON) and per-page view models of the dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from jinja2.utils import htmlsafe_json_dumps

from stockpile.reference import Material, load_import_sources
from stockpile.reference.views import material_data
from stockpile.service.schemas import frame_records
from stockpile.usecases.supply import MaterialSupplyReport, StackedBars, material_supply

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
    """What the material page shows: the supply use case's charts and the reference tables."""

    supply: MaterialSupplyReport
    production_chart: str | None
    price_chart: str | None
    stage_chart: str | None
    us_market: list[dict[str, Any]]
    import_sources: list[dict[str, Any]]
    export_controls: list[dict[str, Any]]


def material_charts(m: Material) -> MaterialView:
    """Charts and tables of the material page (figures from :func:`material_supply`)."""
    supply = material_supply(m)
    production = supply.production
    production_chart = None
    if production is not None:
        bars = production.bars()
        production_chart = bar_figure(
            bars.labels,
            bars.values,
            title=f"{production.stage.capitalize()} production share by country, {production.year}",
            y_title="share of world production [%]",
        )
    price_chart = None
    if supply.prices:
        price_chart = line_figure(
            {p.basis: (list(p.years), list(p.usd_per_kg)) for p in supply.prices},
            title="Annual average prices (USGS MCS 2026)",
            y_title="price [USD/kg]",
        )
    data = material_data(m)
    imports = load_import_sources()
    imports = imports[imports["material"] == m.key]
    us_cols = [
        "year",
        "us_production",
        "us_consumption",
        "unit",
        "net_import_reliance_raw",
        "estimated",
    ]
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
        supply=supply,
        production_chart=production_chart,
        price_chart=price_chart,
        stage_chart=stage_chain_figure(supply.stage_bars()),
        us_market=frame_records(data.us_market, us_cols),
        import_sources=frame_records(
            imports, ["import_category", "country", "period", "share_pct", "share_raw"]
        ),
        export_controls=frame_records(data.export_controls, ec_cols),
    )


def stage_chain_figure(bars: StackedBars | None) -> str | None:
    """Stacked bars of country shares [%] at each stage of the chain (None: no stage known)."""
    if bars is None:
        return None
    return figure_json(
        [
            {"type": "bar", "name": s.name, "x": list(bars.labels), "y": list(s.values)}
            for s in bars.series
        ],
        {
            "barmode": "stack",
            "title": {"text": "Country shares by stage"},
            "yaxis": {"title": {"text": "share of world output [%]"}, "range": [0, 100]},
        },
    )
