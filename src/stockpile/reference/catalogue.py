"""The material catalogue: one record per material the system knows.

Every module speaks of a material through :func:`get_material`, which accepts the canonical key
(``"antimony"``), the chemical symbol (``"Sb"``), an alias (``"wolfram"``) or the USGS chapter
name (``"ANTIMONY"``), case-insensitively. The records live in ``data/materials.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stockpile.reference._errors import ReferenceDataError, UnknownMaterialError
from stockpile.reference.loaders import _fresh
from stockpile.reference.tables import MATERIALS

__all__ = ["Material", "catalogue", "get_material", "material_keys"]


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


@dataclass(frozen=True)
class Material:
    """A material as the reference data and the ledger know it.

    Attributes
    ----------
    key : canonical lower-case name, e.g. ``"antimony"``, ``"graphite (natural)"``.
    name : display name.
    symbol : chemical symbol or short code (``"Sb"``, ``"REE"``), ``""`` if none.
    aliases : other names accepted by :func:`get_material`.
    mcs_chapter : the USGS Mineral Commodity Summaries chapter.
    usgs_unit : the unit USGS prints for the U.S. series (``"metric tons"``).
    unit : the same unit as a pint unit name (``"metric_ton"``, ``"kilogram"``,
        ``"kilometric_ton"``), ``""`` where USGS publishes no U.S. quantity series.
    basis : the content basis of quantities (``"Sb content"``, ``"REO equivalent"``).
    element : symbol of the contained element when the basis is an element content.
    compound : formula of the compound basis (``"Sc2O3"``, ``"REO"``), ``""`` if none.
    production_materials : labels of this material in the production table.
    price_materials : labels of this material's series in the price table.
    reference_price : leading text of the USGS ``price_basis`` used as reference price.
    reference_price_substance : what one kg of the reference price buys (``"Li2CO3"``, ``"W"``).
    hts4_specific : HTS4 headings that hold only this material (and its articles).
    hts4_shared : HTS4 headings shared with other materials (a share of them is an upper bound).
    eu_crm_name : the name in the EU CRM 2023 tables, if covered.
    notes : caveats about the data for this material.
    """

    key: str
    name: str
    symbol: str
    aliases: tuple[str, ...]
    mcs_chapter: str
    usgs_unit: str
    unit: str
    basis: str
    element: str
    compound: str
    production_materials: tuple[str, ...]
    price_materials: tuple[str, ...]
    reference_price: str
    reference_price_substance: str
    hts4_specific: tuple[str, ...]
    hts4_shared: tuple[str, ...]
    eu_crm_name: str
    notes: str

    def __str__(self) -> str:
        return self.key


@cache
def _records() -> tuple[Material, ...]:
    frame = _fresh("materials.csv", MATERIALS)
    out = []
    for rec in frame.to_dict(orient="records"):
        row = {str(k): str(v) for k, v in rec.items()}
        out.append(
            Material(
                key=row["key"],
                name=row["name"],
                symbol=row["symbol"],
                aliases=_split(row["aliases"]),
                mcs_chapter=row["mcs_chapter"],
                usgs_unit=row["usgs_unit"],
                unit=row["unit"],
                basis=row["basis"],
                element=row["element"],
                compound=row["compound"],
                production_materials=_split(row["production_materials"]),
                price_materials=_split(row["price_materials"]),
                reference_price=row["reference_price"],
                reference_price_substance=row["reference_price_substance"],
                hts4_specific=_split(row["hts4_specific"]),
                hts4_shared=_split(row["hts4_shared"]),
                eu_crm_name=row["eu_crm_name"],
                notes=row["notes"],
            )
        )
    return tuple(out)


@cache
def _index() -> dict[str, Material]:
    index: dict[str, Material] = {}

    def add(name: str, material: Material) -> None:
        k = name.strip().lower()
        if not k:
            return
        other = index.get(k)
        if other is not None and other.key != material.key:
            raise ReferenceDataError(
                f"name {name!r} refers to both {other.key!r} and {material.key!r}",
                file="materials.csv",
            )
        index[k] = material

    records = _records()
    for m in records:  # canonical keys and symbols win over chapter names
        add(m.key, m)
        add(m.symbol, m)
        for alias in m.aliases:
            add(alias, m)
    chapters: dict[str, list[Material]] = {}
    for m in records:
        chapters.setdefault(m.mcs_chapter.lower(), []).append(m)
    for chapter, members in chapters.items():
        if len(members) == 1 and chapter not in index:
            index[chapter] = members[0]
    return index


def catalogue() -> tuple[Material, ...]:
    """All materials, in catalogue order."""
    return _records()


def material_keys() -> tuple[str, ...]:
    """The canonical keys of all materials."""
    return tuple(m.key for m in _records())


def get_material(name: str | Material) -> Material:
    """Resolve a key, symbol, alias or USGS chapter name to its :class:`Material`.

    Raises
    ------
    UnknownMaterialError
        If nothing matches; the message suggests the closest known names.
    """
    if isinstance(name, Material):
        return name
    found = _index().get(str(name).strip().lower())
    if found is None:
        raise UnknownMaterialError(str(name), _index().keys())
    return found
