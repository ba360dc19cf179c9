"""Supply-chain stages: each material's chain and the country shares sourced at each stage.

A material flows through a chain of stages (cobalt: mine -> refined; rare earths: mine ->
refined (separated oxide) -> metal -> magnet). This module loads the bundled, sourced tables of
``data/stages/`` and reshapes them into one long table of country shares by stage
(:func:`stage_shares`):

* ``iea_cmde2025_supply.csv``: IEA Critical Minerals Data Explorer 2025, mining and refining by
  country for copper, cobalt, lithium, nickel, graphite and magnet rare earth elements, 2024
  observed and 2030/2035/2040 base-case projections [kt] (``IEA_CMDE_2025``);
* the EU CRM 2023 shares already bundled (``eu_crm_2023/``), global supply, E -> mine and
  P -> refined (``EU_CRM_2023``);
* ``processing_shares.csv``: point facts (one country's share at a stage, one source per row,
  ``STAGE_FACTS``);
* ``ownership.csv``: the share of a country's output at a stage controlled by companies of
  another country (``STAGE_OWNERSHIP``), a dimension of its own.

The USGS MCS mine and refinery/smelter tables (:func:`stockpile.reference.load_production`) are
the fourth source; the risk layer reads them through its production-concentration functions.
A stage of a chain with no row in any table is unknown: nothing here fills it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import pandas as pd

from stockpile.reference import tables
from stockpile.reference._errors import NoDataError, ReferenceDataError
from stockpile.reference.catalogue import catalogue, get_material, material_keys
from stockpile.reference.loaders import (
    _fresh,
    load_eu_crm_shares,
    load_production,
    load_wgi,
)

__all__ = [
    "Stage",
    "StageLink",
    "load_iea_supply",
    "load_processing_shares",
    "load_stage_chains",
    "load_stage_ownership",
    "stage_chain",
    "stage_shares",
]

STAGE_SHARE_COLUMNS: tuple[str, ...] = (
    "material",
    "stage",
    "dataset",
    "label",
    "country",
    "iso3",
    "year",
    "year_basis",
    "case",
    "value",
    "unit",
    "share",
    "source_id",
    "note",
)


class Stage(enum.StrEnum):
    """Supply-chain stages, upstream first."""

    MINE = "mine"
    """Extraction: ore, concentrate, intermediates."""
    REFINED = "refined"
    """Refining or first processing: refined metal, chemicals, separated oxides, anode graphite."""
    METAL = "metal"
    """Metal and alloy made from the refined product (rare-earth metals)."""
    MAGNET = "magnet"
    """Finished product made from the metal (permanent magnets)."""


_ORDER = {s: i for i, s in enumerate(Stage)}


@dataclass(frozen=True)
class StageLink:
    """One stage of a material's chain.

    Attributes
    ----------
    material : str
        Catalogue key.
    stage : Stage
        The stage.
    order : int
        Position in the chain, 1 = most upstream.
    form : str
        The form of the stage's output (``ore``, ``refined``, ``oxide``, ``metal``, ``magnet``).
    description : str
        What the stage's output is.
    source_id : str
        Where the stage definition comes from.
    """

    material: str
    stage: Stage
    order: int
    form: str
    description: str
    source_id: str


def load_stage_chains() -> pd.DataFrame:
    """Stage chains of the materials with more than one sourced stage (``stages/chains.csv``)."""
    frame = _fresh("stages/chains.csv", tables.STAGE_CHAINS)
    unknown = sorted(set(frame["material"]) - set(material_keys()))
    if unknown:
        raise ReferenceDataError(f"unknown material(s) {unknown}", file="stages/chains.csv")
    return frame


def load_iea_supply() -> pd.DataFrame:
    """IEA CMDE 2025 mining and refining by country [kt], 2024 observed and projections."""
    return _fresh("stages/iea_cmde2025_supply.csv", tables.IEA_SUPPLY)


def load_stage_ownership() -> pd.DataFrame:
    """Ownership: share [fraction] of a country's output at a stage controlled from abroad."""
    frame = _fresh("stages/ownership.csv", tables.STAGE_OWNERSHIP)
    _check_fractions(frame, "stages/ownership.csv")
    return frame


def load_processing_shares() -> pd.DataFrame:
    """Point facts: one country's share [fraction] of world output at a stage."""
    frame = _fresh("stages/processing_shares.csv", tables.PROCESSING_SHARES)
    _check_fractions(frame, "stages/processing_shares.csv")
    return frame


def _check_fractions(frame: pd.DataFrame, file: str) -> None:
    bad = frame[(frame["share"] > 1.0) | frame["share"].isna()]
    if not bad.empty:
        raise ReferenceDataError(
            f"share {bad['share'].iloc[0]!r} is not a fraction in [0, 1]", file=file
        )


def _mcs_stages(material: str) -> list[Stage]:
    prod = load_production()
    m = get_material(material)
    labels = set(prod.loc[prod["material"].isin(m.production_materials), "stage"].astype(str))
    found: set[Stage] = set()
    for label in labels:
        low = label.strip().lower()
        if low.startswith("mine"):
            found.add(Stage.MINE)
        elif low.startswith(("refin", "smelt", "sponge")):
            found.add(Stage.REFINED)
    return sorted(found, key=_ORDER.__getitem__)


def stage_chain(material: str) -> tuple[StageLink, ...]:
    """The chain of stages of a material, upstream first.

    Materials listed in ``stages/chains.csv`` get that chain; any other material gets the
    stages of its USGS MCS production series (mine and/or refinery), or an empty chain.

    Parameters
    ----------
    material : str
        Key, symbol or alias.
    """
    key = get_material(material).key
    frame = load_stage_chains()
    rows = frame[frame["material"] == key].sort_values("order")
    if not rows.empty:
        return tuple(
            StageLink(
                material=key,
                stage=Stage(str(r["stage"])),
                order=int(r["order"]),
                form=str(r["form"]),
                description=str(r["description"]),
                source_id=str(r["source_id"]),
            )
            for r in rows.to_dict("records")
        )
    forms = {Stage.MINE: "ore", Stage.REFINED: "refined"}
    return tuple(
        StageLink(
            key, s, i + 1, forms[s], f"{s.value} (USGS MCS production series)", "USGS_MCS2026_DR"
        )
        for i, s in enumerate(_mcs_stages(key))
    )


# IEA mineral names -> catalogue keys; IEA covers *magnet* rare earth elements only
_IEA_MATERIALS = {
    "Copper": "copper",
    "Cobalt": "cobalt",
    "Lithium": "lithium",
    "Nickel": "nickel",
    "Graphite": "graphite (natural)",
    "Magnet rare earth elements": "rare earths",
}
_IEA_STAGES = {"mining": Stage.MINE, "refining": Stage.REFINED}
_IEA_NOTES = {
    "Graphite": "IEA graphite; the grade of the refining side was not verified in the sheet",
    "Magnet rare earth elements": "IEA magnet rare earth elements (Nd, Pr, Dy, Tb), not total REO",
}
# EU study names -> catalogue keys (neodymium stands for the magnet rare earths)
_EU_MATERIALS = {"Neodymium": "rare earths"}
_EU_STAGES = {"E": Stage.MINE, "P": Stage.REFINED}
# names of the sources that differ from the USGS / World Bank names
_NAME_ISO3 = {
    "democratic republic of congo": "COD",
    "congo, d.r.": "COD",
    "congo": "COG",
    "myanmar": "MMR",
    "brasil": "BRA",
    "turkiye": "TUR",
    "korea, south": "KOR",
    "korea, north": "PRK",
    "hong kong": "HKG",
    "russia": "RUS",
    "iran": "IRN",
    "laos": "LAO",
    "vietnam": "VNM",
    "kyrgyzstan": "KGZ",
    "taiwan": "TWN",
    "kosovo": "XKX",
    "cote d'ivoire": "CIV",
}
_OTHER = {"rest of world", "other countries"}


def _iso3_lookup() -> dict[str, str]:
    names: dict[str, str] = {}
    wgi = load_wgi()
    for country, iso3 in zip(wgi["country"], wgi["iso3"], strict=True):
        names[str(country).strip().lower()] = str(iso3)
    prod = load_production()
    for country, iso3 in zip(prod["country"], prod["iso3"], strict=True):
        if isinstance(iso3, str) and len(iso3) == 3 and iso3 != "WLD":
            names[str(country).strip().lower()] = iso3
    names.update(_NAME_ISO3)
    return names


def _iea_rows(iso: dict[str, str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for r in load_iea_supply().to_dict("records"):
        key = _IEA_MATERIALS.get(str(r["mineral"]))
        if key is None:
            raise ReferenceDataError(
                f"IEA mineral {r['mineral']!r} has no catalogue material",
                file="stages/iea_cmde2025_supply.csv",
            )
        name = str(r["country"])
        iso3 = "" if name.lower() in _OTHER else iso.get(name.lower(), "")
        if not iso3 and name.lower() not in _OTHER:
            raise ReferenceDataError(
                f"country {name!r} has no ISO3 code", file="stages/iea_cmde2025_supply.csv"
            )
        observed = str(r["case"]) == "observed"
        year = int(r["year"])
        note = _IEA_NOTES.get(str(r["mineral"]), "")
        if float(r["sum_of_rows_minus_total_kt"] or 0.0) > 0:
            extra = (
                f"listed rows exceed the IEA Total by {r['sum_of_rows_minus_total_kt']:g} kt; "
                "shares use the Total"
            )
            note = f"{note}; {extra}" if note else extra
        out.append(
            {
                "material": key,
                "stage": _IEA_STAGES[str(r["stage"])].value,
                "dataset": "IEA_CMDE_2025",
                "label": f"IEA CMDE 2025, {year} {'observed' if observed else 'base case'}",
                "country": name,
                "iso3": iso3,
                "year": year,
                "year_basis": "data",
                "case": "observed" if observed else "projection",
                "value": float(r["value_kt"]),
                "unit": "kt",
                "share": float(r["share_of_total"]),
                "source_id": "IEA_CMDE_2025",
                "note": note,
            }
        )
    return out


def _eu_rows(iso: dict[str, str]) -> list[dict[str, object]]:
    names = {m.eu_crm_name.strip().lower(): m.key for m in catalogue() if m.eu_crm_name}
    names.update({k.lower(): v for k, v in _EU_MATERIALS.items()})
    out: list[dict[str, object]] = []
    eu = load_eu_crm_shares()
    eu = eu[eu["scope"] == "global_supply"]
    for r in eu.to_dict("records"):
        key = names.get(str(r["material"]).strip().lower())
        if key is None:
            continue  # magnesium, dysprosium: no catalogue material of that name
        name = str(r["country"])
        share = float(r["share_pct"])
        note = "EU CRM 2023 neodymium shares" if str(r["material"]) == "Neodymium" else ""
        out.append(
            {
                "material": key,
                "stage": _EU_STAGES[str(r["stage"])].value,
                "dataset": "EU_CRM_2023",
                "label": "EU CRM 2023 study, global supply" + (" (neodymium)" if note else ""),
                "country": name,
                "iso3": iso.get(name.strip().lower(), ""),
                "year": 2023,
                "year_basis": "publication",
                "case": "observed",
                "value": math.nan,
                "unit": "",
                "share": share / 100.0 if math.isfinite(share) else math.nan,
                "source_id": "EU_CRM_2023",
                "note": note,
            }
        )
    return out


def _fact_rows() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for r in load_processing_shares().to_dict("records"):
        year = int(r["data_year"])
        note = f"{r['measure']} ({r['source']}, reliability {r['reliability']}; {r['source_url']})"
        if r["note"]:
            note += f"; {r['note']}"
        out.append(
            {
                "material": str(r["material"]),
                "stage": str(r["stage"]),
                "dataset": "STAGE_FACTS",
                "label": f"{r['source']}, {year} (one country only)",
                "country": str(r["country"]),
                "iso3": str(r["iso3"]),
                "year": year,
                "year_basis": "data",
                "case": "observed",
                "value": math.nan,
                "unit": "",
                "share": float(r["share"]),
                "source_id": "STAGE_FACTS",
                "note": note,
            }
        )
    return out


_SHARES: list[pd.DataFrame] = []


def stage_shares(material: str | None = None) -> pd.DataFrame:
    """Country shares by stage from the IEA, EU CRM 2023 and point-fact tables.

    Parameters
    ----------
    material : str, optional
        Key, symbol or alias; all materials when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STAGE_SHARE_COLUMNS`: ``share`` [fraction of world output at the stage],
        ``value`` in ``unit`` (IEA only), ``year`` with ``year_basis`` (``data`` or
        ``publication``), ``case`` (``observed`` or ``projection``), ``dataset`` and
        ``source_id``. ``iso3`` is empty for "Rest of world". A series is the rows of one
        (material, stage, label).

    Raises
    ------
    NoDataError
        When the material has no stage shares in these tables (the message lists those that do).
    """
    if not _SHARES:
        iso = _iso3_lookup()
        rows = _iea_rows(iso) + _eu_rows(iso) + _fact_rows()
        _SHARES.append(pd.DataFrame.from_records(rows, columns=list(STAGE_SHARE_COLUMNS)))
    frame = _SHARES[0].copy()
    if material is None:
        return frame
    key = get_material(material).key
    out = frame[frame["material"] == key].reset_index(drop=True)
    if out.empty:
        known = ", ".join(sorted(set(frame["material"])))
        raise NoDataError(f"no stage shares of {key!r}; materials with stage shares: {known}")
    return out
