"""Bar-chart views of a result: labels and values, plain or stacked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["BarSeries", "Bars", "StackedBars"]


class Bars(BaseModel):
    """Labels and values of a bar chart (values in the unit of the chart)."""

    model_config = ConfigDict(frozen=True)

    labels: tuple[str, ...]
    values: tuple[float, ...]


class BarSeries(BaseModel):
    """One series of a stacked bar chart: a value per label, None where unknown."""

    model_config = ConfigDict(frozen=True)

    name: str
    values: tuple[float | None, ...]


class StackedBars(BaseModel):
    """Stacked bars: the labels (one bar each) and the series stacked on them."""

    model_config = ConfigDict(frozen=True)

    labels: tuple[str, ...]
    series: tuple[BarSeries, ...]
