"""Per-material views over the reference tables (what ``stockpile data show`` prints)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from stockpile.reference.catalogue import Material, get_material
from stockpile.reference.loaders import (
    load_export_control_materials,
    load_export_controls,
    load_prices,
    load_production,
    load_us_market,
)

__all__ = ["MaterialData", "material_data"]


@dataclass(frozen=True)
class MaterialData:
    """The reference rows about one material.

    Attributes
    ----------
    material : the catalogue record.
    production : production by country, all stages and years (world total rows included,
        ``iso3 == "WLD"``) [unit column].
    us_market : U.S. production, consumption and net import reliance by year [unit column].
    prices : every price series of the material, by year [unit column; USD/kg derived].
    export_controls : the measures naming the material, with their coverage and dates.
    """

    material: Material
    production: pd.DataFrame
    us_market: pd.DataFrame
    prices: pd.DataFrame
    export_controls: pd.DataFrame


def material_data(name: str | Material) -> MaterialData:
    """Collect the reference rows about one material (see :class:`MaterialData`)."""
    m = get_material(name)
    prod = load_production()
    prod = prod[prod["material"].isin(m.production_materials)].reset_index(drop=True)
    us = load_us_market()
    us = us[us["material"] == m.key].reset_index(drop=True)
    prices = load_prices()
    prices = prices[prices["material"].isin(m.price_materials)].reset_index(drop=True)
    links = load_export_control_materials()
    links = links[links["material"] == m.key]
    controls = load_export_controls().merge(links, on="measure_id", how="inner")
    controls = controls.drop(columns=["material"]).reset_index(drop=True)
    return MaterialData(m, prod, us, prices, controls)
