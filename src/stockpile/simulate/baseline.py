"""Baseline inputs of a simulation, taken from the reference data (each figure with its source).

The baseline of a material is annual: U.S. consumption and net imports [material unit/yr],
the origin shares of U.S. imports and of world production [-], and a reference price
[USD/kg of the material's basis] at the price year (default the latest year with a price).
Figures come from :mod:`stockpile.reference`; a scenario may override any of them, and must then
say where its figure comes from. A figure the reference data does not hold stays ``NaN`` and the
reason is recorded in :attr:`MaterialBaseline.notes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from stockpile.display import format_number
from stockpile.simulate.errors import SimulationInputError
from stockpile.simulate.scenario import BaselineSpec, ImportOrigin

__all__ = [
    "CountryIndex",
    "MaterialBaseline",
    "ReferenceFrames",
    "build_baseline",
    "load_reference_frames",
]


def _n(value: float) -> str:
    """A figure in a provenance note: thousands separators, four significant digits."""
    return format_number(value, significant=4)


@dataclass(frozen=True)
class ReferenceFrames:
    """The reference tables a baseline is built from (as returned by the reference loaders)."""

    production: pd.DataFrame
    us_market: pd.DataFrame
    import_sources: pd.DataFrame
    prices: pd.DataFrame
    wgi: pd.DataFrame


def load_reference_frames() -> ReferenceFrames:
    """Load the bundled reference tables through :mod:`stockpile.reference`."""
    from stockpile import reference

    return ReferenceFrames(
        production=reference.load_production(),
        us_market=reference.load_us_market(),
        import_sources=reference.load_import_sources(),
        prices=reference.load_prices(),
        wgi=reference.load_wgi(),
    )


@dataclass(frozen=True)
class CountryIndex:
    """Country names and ISO3 codes known to the reference data."""

    names: Mapping[str, str]
    """Lower-case name or code -> ISO3."""

    @classmethod
    def from_frames(cls, frames: ReferenceFrames) -> CountryIndex:
        """Collect the countries of the production, import-source and WGI tables."""
        names: dict[str, str] = {}
        for frame in (frames.production, frames.import_sources, frames.wgi):
            for country, iso3 in zip(frame["country"], frame["iso3"], strict=True):
                if not isinstance(iso3, str) or len(iso3) != 3 or iso3 == "WLD":
                    continue
                names[iso3.lower()] = iso3
                if isinstance(country, str):
                    names[country.lower()] = iso3
        return cls(names)

    def resolve(self, name: str) -> str | None:
        """ISO3 code of a country name or code, or ``None`` if unknown."""
        return self.names.get(name.strip().lower())


@dataclass(frozen=True)
class MaterialBaseline:
    """Baseline of one material.

    Attributes
    ----------
    key : canonical material key.
    unit : pint unit name of quantities (the USGS unit of account).
    year : reference year asked for.
    us_consumption : U.S. consumption [unit/yr] (NaN if not published).
    us_net_imports : U.S. net imports [unit/yr] (NaN if not computable).
    us_import_shares : ISO3 -> share of U.S. imports [-] (the rest is 'other countries').
    world_shares : ISO3 -> share of world production [-].
    price_usd_per_kg : reference price [USD/kg of the material's basis] (NaN if none), from
        :func:`stockpile.pricing.unit_price` at the scenario's price year.
    notes : provenance of each figure and the gaps.
    """

    key: str
    unit: str
    year: int
    us_consumption: float
    us_net_imports: float
    us_import_shares: Mapping[str, float]
    world_shares: Mapping[str, float]
    price_usd_per_kg: float
    notes: tuple[str, ...] = field(default=())

    @property
    def us_balance_available(self) -> bool:
        """Whether U.S. consumption and net imports are both known."""
        return math.isfinite(self.us_consumption) and math.isfinite(self.us_net_imports)


def _latest(frame: pd.DataFrame, year: int, column: str) -> pd.Series | None:
    rows = frame[(frame["year"] <= year) & frame[column].notna()]
    if rows.empty:
        return None
    return rows.sort_values("year").iloc[-1]


def _us_figures(key: str, frames: ReferenceFrames, year: int) -> tuple[float, float, list[str]]:
    notes: list[str] = []
    us = frames.us_market[frames.us_market["material"] == key]
    row = _latest(us, year, "us_consumption")
    if row is None:
        raws = sorted(set(us["us_consumption_raw"].dropna().astype(str)))
        notes.append(
            f"U.S. consumption: not published by USGS up to {year} "
            f"(printed: {', '.join(raws) or 'nothing'})"
        )
        return math.nan, math.nan, notes
    cons = float(row["us_consumption"])
    used_year = int(row["year"])
    notes.append(
        f"U.S. consumption {_n(cons)}/yr: {row['us_consumption_statistic']}, {used_year} "
        f"[{row['source_id']}]"
    )
    nir = row["net_import_reliance_pct"]
    nir_raw = str(row["net_import_reliance_raw"])
    if pd.notna(nir):
        imports = cons * float(nir) / 100.0
        notes.append(f"U.S. net imports = consumption x NIR {float(nir):g}% ({used_year})")
    elif nir_raw.strip() == "E":
        imports = 0.0
        notes.append(f"U.S. net imports 0: USGS marks the U.S. a net exporter ({used_year})")
    else:
        prod, other = row["us_production"], row["us_other_production"]
        other_missing = pd.isna(other) and str(row["us_other_production_statistic"]) not in (
            "",
            "nan",
        )
        if pd.notna(prod) and not other_missing:
            domestic = float(prod) + (0.0 if pd.isna(other) else float(other))
            imports = max(cons - domestic, 0.0)
            notes.append(
                f"U.S. net imports = consumption - U.S. production ({used_year}); "
                f"NIR printed as {nir_raw!r}"
            )
        else:
            imports = math.nan
            notes.append(
                f"U.S. net imports: not computable (NIR printed as {nir_raw!r}, "
                "U.S. production incomplete)"
            )
    return cons, imports, notes


def _import_shares(key: str, frames: ReferenceFrames, year: int) -> tuple[dict[str, float], str]:
    us = frames.us_market[frames.us_market["material"] == key]
    row = _latest(us, year, "main_import_sources")
    if row is None:
        return {}, "U.S. import sources: none in the reference data"
    category = str(row["main_import_sources"]).split(":", 1)[0].strip()
    src = frames.import_sources
    rows = src[(src["material"] == key) & (src["import_category"] == category)]
    shares: dict[str, float] = {}
    for iso3, pct in zip(rows["iso3"], rows["share_pct"], strict=True):
        if isinstance(iso3, str) and len(iso3) == 3 and pd.notna(pct):
            shares[iso3] = shares.get(iso3, 0.0) + float(pct) / 100.0
    period = str(rows["period"].iloc[0]) if not rows.empty else ""
    return shares, f"U.S. import shares: {category!r}, {period} (shipping source) [USGS_MCS2026_DR]"


def _world_shares(
    labels: Sequence[str], frames: ReferenceFrames, year: int
) -> tuple[dict[str, float], str]:
    prod = frames.production
    for label in labels:
        rows = prod[(prod["material"] == label) & (prod["year"] == year)]
        world = rows[rows["iso3"] == "WLD"]
        if world.empty or pd.isna(world["value"].iloc[0]):
            continue
        stage = str(world["stage"].iloc[0])
        total = float(world["value"].iloc[0])
        rows = rows[(rows["stage"] == stage) & rows["value"].notna()]
        shares: dict[str, float] = {}
        for iso3, value in zip(rows["iso3"], rows["value"], strict=True):
            if isinstance(iso3, str) and len(iso3) == 3 and iso3 != "WLD":
                shares[iso3] = shares.get(iso3, 0.0) + float(value) / total
        scale = max(1.0, sum(shares.values()))
        shares = {k: v / scale for k, v in shares.items()}
        return shares, f"world shares: {label}, {stage} production {year} [USGS_MCS2026_DR]"
    return {}, f"world production by country: not in the reference data for {year}"


def _price(key: str, price_year: int | None) -> tuple[float, str]:
    """Reference price [USD/kg of the material's catalogue basis] from the one price path."""
    from stockpile.pricing import PriceError, unit_price

    try:
        p = unit_price(key, year=price_year)
    except PriceError as exc:
        if exc.field == "price_year":
            raise SimulationInputError(f"baseline.price_year: {exc.problem}") from None
        return math.nan, f"reference price: {exc.problem}"
    return p.usd_per_kg, f"price {p.label()}: {p.series}"


def build_baseline(
    keys: Sequence[str],
    spec: BaselineSpec,
    frames: ReferenceFrames,
    countries: CountryIndex,
) -> tuple[MaterialBaseline, ...]:
    """Build the baseline of each material from the reference tables and the overrides.

    Parameters
    ----------
    keys : canonical material keys, in scenario order.
    spec : the scenario's baseline section (year, origin rule, overrides keyed by material key).
    frames : reference tables.
    countries : country index used to resolve override shares.

    Returns
    -------
    tuple of MaterialBaseline
        One per key.
    """
    from stockpile.reference import get_material

    out: list[MaterialBaseline] = []
    overrides = {get_material(k).key: v for k, v in spec.overrides.items()}
    for key in keys:
        material = get_material(key)
        year = spec.year
        cons, imports, notes = _us_figures(key, frames, year)
        imp_shares, imp_note = _import_shares(key, frames, year)
        world, world_note = _world_shares(material.production_materials, frames, year)
        price, price_note = _price(key, spec.price_year)
        notes += [imp_note, world_note, price_note]
        if spec.us_import_origin is ImportOrigin.WORLD_PRODUCTION:
            imp_shares = dict(world)
            notes.append("U.S. import origin: world production shares (scenario choice)")
        ov = overrides.get(key)
        if ov is not None:
            if ov.us_consumption is not None:
                cons = ov.us_consumption
                notes.append(f"override U.S. consumption {_n(cons)}/yr [{ov.source}]")
            if ov.us_net_imports is not None:
                imports = ov.us_net_imports
                notes.append(f"override U.S. net imports {_n(imports)}/yr [{ov.source}]")
            if ov.us_production is not None:
                imports = max(cons - ov.us_production, 0.0)
                notes.append(
                    f"override U.S. production {_n(ov.us_production)}/yr; net imports = "
                    f"consumption - production [{ov.source}]"
                )
            if ov.us_import_shares is not None:
                imp_shares = _resolve_shares(ov.us_import_shares, countries, key)
                notes.append(f"override U.S. import shares [{ov.source}]")
            if ov.world_shares is not None:
                world = _resolve_shares(ov.world_shares, countries, key)
                notes.append(f"override world shares [{ov.source}]")
            if ov.price_usd_per_kg is not None:
                price = ov.price_usd_per_kg
                notes.append(f"override price {_n(price)} USD/kg [{ov.source}]")
        if math.isfinite(cons) and math.isfinite(imports) and imports > cons:
            raise SimulationInputError(
                f"baseline.overrides.{key}: U.S. net imports {_n(imports)} exceed consumption "
                f"{_n(cons)}"
            )
        out.append(
            MaterialBaseline(
                key=key,
                unit=material.unit,
                year=year,
                us_consumption=cons,
                us_net_imports=imports,
                us_import_shares=imp_shares,
                world_shares=world,
                price_usd_per_kg=price,
                notes=tuple(notes),
            )
        )
    return tuple(out)


def _resolve_shares(
    shares: Mapping[str, float], countries: CountryIndex, key: str
) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in shares.items():
        iso3 = countries.resolve(name)
        if iso3 is None:
            raise SimulationInputError(f"baseline.overrides.{key}: unknown country {name!r}")
        out[iso3] = out.get(iso3, 0.0) + value
    return out
