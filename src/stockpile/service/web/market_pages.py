"""The hindcast page: observed price moves of past export controls against the model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from stockpile.service.web.charts import figure_json
from stockpile.service.web.session import WebUser, render
from stockpile.usecases import hindcast

__all__ = ["hindcast_figure", "router"]

router = APIRouter(include_in_schema=False)

_SHIFT = 0.18  # horizontal offset of the in-sample and leave-one-out markers [category]


def hindcast_figure(rows: list[dict[str, Any]]) -> str:
    """Observed ratios (points) against simulated medians and 80 % intervals (error bars),
    in-sample and leave-one-out, one category per target; log price-ratio axis."""
    simulated = [r for r in rows if r["in_sample"] is not None]
    data: list[dict[str, Any]] = []
    for label, key, shift, color in (
        ("model, in-sample (median, 80%)", "in_sample", -_SHIFT, "rgb(31,119,180)"),
        ("model, leave-one-out (median, 80%)", "leave_one_out", _SHIFT, "rgb(255,127,14)"),
    ):
        pts = [(i, r[key]) for i, r in enumerate(rows) if r[key] is not None]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [i + shift for i, _ in pts],
                "y": [iv["median"] for _, iv in pts],
                "marker": {"color": color, "size": 8},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [iv["p90"] - iv["median"] for _, iv in pts],
                    "arrayminus": [iv["median"] - iv["p10"] for _, iv in pts],
                    "color": color,
                },
            }
        )
    for label, symbol, color, test in (
        ("observed, inside", "diamond", "black", lambda r: r["in_sample_status"] == "inside"),
        (
            "observed, missed or not simulated",
            "x",
            "rgb(214,39,40)",
            lambda r: r["in_sample_status"] != "inside",
        ),
    ):
        pts = [(i, r) for i, r in enumerate(rows) if test(r)]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [i for i, _ in pts],
                "y": [r["observed_ratio"] for _, r in pts],
                "text": [f"{r['series']} ({r['reliability']})" for _, r in pts],
                "marker": {"color": color, "size": 10, "symbol": symbol},
            }
        )
    layout = {
        "title": {"text": f"Hindcast: {len(simulated)} of {len(rows)} moves simulated"},
        "height": 460,
        "yaxis": {"title": {"text": "price ratio after / before [-]"}, "type": "log"},
        "xaxis": {
            "tickvals": list(range(len(rows))),
            "ticktext": [r["target_id"] for r in rows],
            "tickangle": -45,
        },
        "legend": {"orientation": "h", "y": -0.45},
    }
    return figure_json(data, layout)


@router.get("/hindcast", response_class=HTMLResponse)
def hindcast_page(request: Request, user: WebUser) -> HTMLResponse:
    """The hindcast chart and table (shipped calibration)."""
    report = hindcast().model_dump(mode="json")
    rows = report["rows"]
    return render(
        request,
        user,
        "hindcast.html",
        {"rows": rows, "chart": hindcast_figure(rows), "parameters": report["parameters"]},
    )
