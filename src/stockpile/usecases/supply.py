"""A material's supply picture: production shares, price series and country shares by stage.

What the material page charts, computed once: the shares of the latest production year of
the material's first USGS production series, every annual price series of the material, and
the country shares at each stage of its chain with the largest producers picked out and the
rest grouped as "others".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from pydantic import BaseModel, ConfigDict

from stockpile.reference import (
    Material,
    get_material,
    load_eu_crm_shares,
    load_production,
    load_stage_ownership,
    load_wgi,
)
from stockpile.reference.views import material_data
from stockpile.risk import (
    WGI_YEAR,
    Concentration,
    StageRisk,
    governance_scores,
    production_concentration,
    stage_risks,
)
from stockpile.usecases.bars import Bars, BarSeries, StackedBars

__all__ = [
    "OTHERS",
    "CountryShare",
    "MaterialSupplyReport",
    "PriceSeries",
    "ProductionShares",
    "StageShares",
    "material_supply",
]

OTHERS = "others"
"""Name of the group of the producers not picked out in :meth:`MaterialSupplyReport.stage_bars`."""


class CountryShare(BaseModel):
    """One producer's share [fraction]; ``country`` False for a "rest of world" row."""

    model_config = ConfigDict(frozen=True)

    name: str
    share: float
    country: bool = True


def _shares(conc: Concentration) -> tuple[CountryShare, ...]:
    return tuple(
        CountryShare(name=p.country, share=float(p.share), country=p.iso3 is not None)
        for p in conc.producers
    )


class ProductionShares(BaseModel):
    """Production shares by country of one stage and year (USGS MCS 2026).

    Attributes
    ----------
    stage, year : USGS stage label and production year.
    unit, basis : unit and content basis of the quantities, as USGS prints them.
    source_id : source of the rows.
    hhi : Herfindahl-Hirschman index [0-10,000].
    top_producer, top_share : largest producer and its share [fraction].
    producers : in decreasing order of quantity, "Other countries" last [fraction].
    """

    model_config = ConfigDict(frozen=True)

    stage: str
    year: int
    unit: str
    basis: str
    source_id: str
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    producers: tuple[CountryShare, ...]

    def bars(self) -> Bars:
        """Every producer's share of world production [%], in the order of ``producers``."""
        return Bars(
            labels=tuple(p.name for p in self.producers),
            values=tuple(100.0 * p.share for p in self.producers),
        )

    def caption(self) -> str:
        """Where the shares come from."""
        return (
            f"USGS MCS 2026, {self.stage} production {self.year} ({self.unit}, {self.basis}); "
            f"source {self.source_id}."
        )


class PriceSeries(BaseModel):
    """One annual price series [USD/kg of the priced substance], in year order."""

    model_config = ConfigDict(frozen=True)

    basis: str
    years: tuple[int, ...]
    usd_per_kg: tuple[float | None, ...]


class StageShares(BaseModel):
    """One stage of the chain: its headline figures and its country shares.

    Attributes
    ----------
    stage, form : stage of the chain and its output form.
    known : False when no source gives shares at this stage.
    top_producer, top_share : largest listed producer and its share [fraction].
    hhi, hhi_ownership : HHI and ownership-adjusted HHI [0-10,000].
    hhi_wgi : governance-weighted HHI [0-10].
    source : the headline series ("no source: unknown" when unknown).
    producers : country shares of the headline series [fraction] (None when unknown).
    """

    model_config = ConfigDict(frozen=True)

    stage: str
    form: str
    known: bool
    top_producer: str | None
    top_share: float | None
    hhi: float | None
    hhi_wgi: float | None
    hhi_ownership: float | None
    source: str
    producers: tuple[CountryShare, ...] | None = None

    @property
    def label(self) -> str:
        """``stage (form)``, the stage's label on a chart."""
        return f"{self.stage} ({self.form})"

    @classmethod
    def of(cls, s: StageRisk) -> StageShares:
        """From the risk package's :class:`~stockpile.risk.StageRisk`."""
        head = s.headline
        return cls(
            stage=s.stage.value,
            form=s.link.form,
            known=s.known,
            top_producer=s.top_producer,
            top_share=s.top_share,
            hhi=s.hhi,
            hhi_wgi=None if s.governance is None else s.governance.value,
            hhi_ownership=s.hhi_ownership,
            source="no source: unknown" if head is None else head.label,
            producers=None if head is None or not s.known else _shares(head.concentration),
        )


class MaterialSupplyReport(BaseModel):
    """A material's production shares, price series and stage shares.

    ``production`` is None when USGS publishes no production by country; ``production_note``
    then says why, else where the shares come from.
    """

    model_config = ConfigDict(frozen=True)

    material: str
    production: ProductionShares | None
    production_note: str
    prices: tuple[PriceSeries, ...]
    stages: tuple[StageShares, ...]

    @property
    def hhi_year(self) -> int | None:
        """Year of the headline HHI (the production shares' year), None without shares."""
        p = self.production
        return None if p is None or p.hhi is None else p.year

    def stage_bars(self, top: int = 6) -> StackedBars | None:
        """Country shares by stage [%] for a stacked bar chart, None when no stage is known.

        The ``top`` countries with the largest share at any stage get a series each (largest
        first); the rest, "rest of world" rows included, are stacked as :data:`OTHERS`
        (100 minus the listed shares, never negative). Unknown stages are None in every series.
        """
        shares = [s.producers for s in self.stages]
        if all(p is None for p in shares):
            return None
        best: dict[str, float] = {}
        for producers in shares:
            for p in producers or ():
                if p.country:
                    best[p.name] = max(best.get(p.name, 0.0), p.share)
        names = sorted(best, key=lambda c: -best[c])[:top]
        series: list[BarSeries] = []
        for name in names:
            values = tuple(
                None
                if producers is None
                else 100.0 * next((p.share for p in producers if p.name == name), 0.0)
                for producers in shares
            )
            series.append(BarSeries(name=name, values=values))
        rest = tuple(
            None
            if producers is None
            else max(0.0, 100.0 * (1.0 - sum(p.share for p in producers if p.name in names)))
            for producers in shares
        )
        series.append(BarSeries(name=OTHERS, values=rest))
        return StackedBars(labels=tuple(s.label for s in self.stages), series=tuple(series))


def _production(prod: pd.DataFrame) -> tuple[ProductionShares | None, str]:
    if prod.empty:
        return None, "USGS publishes no production by country for this material."
    stage = str(prod["stage"].iloc[0])
    rows = prod[prod["stage"] == stage]
    year = int(rows["year"].max())
    conc = production_concentration(
        prod, material=str(rows["material"].iloc[0]), year=year, stage=stage
    )
    if not conc.producers:
        return None, f"No country rows for {stage} production {year}."
    shares = ProductionShares(
        stage=stage,
        year=year,
        unit=conc.unit,
        basis=conc.basis,
        source_id=conc.source_id,
        hhi=conc.hhi,
        top_producer=conc.top_producer,
        top_share=conc.top_share,
        producers=_shares(conc),
    )
    return shares, shares.caption()


def _prices(prices: pd.DataFrame) -> tuple[PriceSeries, ...]:
    out = []
    for basis, group in prices.groupby("price_basis", sort=False):
        g = group.sort_values("year")
        out.append(
            PriceSeries(
                basis=str(basis),
                years=tuple(int(y) for y in g["year"]),
                usd_per_kg=tuple(_finite(v) for v in g["usd_per_kg_derived"]),
            )
        )
    return tuple(out)


def _finite(value: object) -> float | None:
    v = float(value)  # type: ignore[arg-type]
    return v if math.isfinite(v) else None


def _stages(m: Material) -> Sequence[StageRisk]:
    return stage_risks(
        m.key,
        production=load_production(),
        scores=governance_scores(load_wgi(), year=WGI_YEAR),
        eu_shares=load_eu_crm_shares(),
        ownership=load_stage_ownership(),
        production_materials=m.production_materials,
        eu_name=m.eu_crm_name,
    )


def material_supply(material: str | Material) -> MaterialSupplyReport:
    """The supply picture of one material (name, symbol or alias; see the module docstring)."""
    m = get_material(material)
    data = material_data(m)
    production, note = _production(data.production)
    return MaterialSupplyReport(
        material=m.key,
        production=production,
        production_note=note,
        prices=_prices(data.prices),
        stages=tuple(StageShares.of(s) for s in _stages(m)),
    )
