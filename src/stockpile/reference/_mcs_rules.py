"""The mapping rules of the MCS importer, kept as data in ``data/mcs/``.

Each file has a documented header (see ``data/mcs/README.md``):

* ``chapters.csv``: the MCS chapters imported, each with its default material and basis label;
* ``world_rows.csv``: which rows of the ``World ...`` sections become which material and stage;
* ``us_market_series.csv``: the U.S. salient-statistics rows used for each material series,
  in output order;
* ``materials.csv``: material names for import-source and price rows;
* ``price_units.csv``: USD and kg per price unit, for ``usd_per_kg_derived``;
* ``countries.csv``: USGS country names and their ISO 3166-1 alpha-3 codes;
* ``value_symbols.csv``: the non-numeric symbols USGS prints;
* ``errata.csv``: the corrections applied, each with its reason and source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from stockpile.reference._errors import ReferenceDataError
from stockpile.reference._mcs_values import ValueKind
from stockpile.reference._schema import Column, Kind, TableSchema, cols, parse_table

__all__ = [
    "ChapterRule",
    "Erratum",
    "MaterialRule",
    "McsRules",
    "PriceUnit",
    "UsMarketSeries",
    "WorldRowRule",
    "load_mcs_rules",
]

_REQ = Kind.REQUIRED_TEXT


@dataclass(frozen=True)
class ChapterRule:
    """One MCS chapter the importer knows: whether it is imported, its default material and
    the basis label of its quantities (both empty for chapters not imported)."""

    mcs_chapter: str
    imported: bool
    material: str
    basis: str


@dataclass(frozen=True)
class WorldRowRule:
    """Maps rows of a ``World ...`` section to a material and a production stage.

    Empty ``mcs_chapter``, ``commodity`` and ``statistics`` match anything; ``detail`` is a
    regular expression matched at the start of ``Statistics_detail``. An empty ``material``
    means the chapter's default material. ``stage`` is used for production rows only.
    """

    mcs_chapter: str
    commodity: str
    statistics: str
    detail: re.Pattern[str]
    material: str
    stage: str

    def matches(self, chapter: str, commodity: str, statistics: str, detail: str) -> bool:
        """True if the rule applies to a row with these fields."""
        return (
            self.mcs_chapter in ("", chapter)
            and self.commodity in ("", commodity)
            and self.statistics in ("", statistics)
            and self.detail.match(detail) is not None
        )


@dataclass(frozen=True)
class UsMarketSeries:
    """The salient-statistics rows (exact ``Statistics_detail`` labels) of one U.S. series."""

    material: str
    mcs_chapter: str
    commodity: str
    production: str
    other_production: str
    consumption: str
    net_import_reliance: str
    import_categories: tuple[str, ...]


@dataclass(frozen=True)
class MaterialRule:
    """Names the material of an import-source or price row (first matching rule wins).

    ``material`` may be ``{commodity}``: the row's ``Commodity`` in lower case.
    """

    table: str
    mcs_chapter: str
    commodity: str
    detail: re.Pattern[str]
    material: str

    def matches(self, table: str, chapter: str, commodity: str, detail: str) -> bool:
        """True if the rule applies to a row of ``table`` with these fields."""
        return (
            self.table in ("", table)
            and self.mcs_chapter in ("", chapter)
            and self.commodity in ("", commodity)
            and self.detail.match(detail) is not None
        )


@dataclass(frozen=True)
class PriceUnit:
    """A price unit: USD per price unit [USD] and kg per quantity unit [kg]."""

    unit: str
    usd_per_price_unit: float
    kg_per_quantity_unit: float


@dataclass(frozen=True)
class Erratum:
    """A documented correction of the data release.

    ``field`` is ``unit``, ``value_raw`` or ``note`` (note only). ``printed`` is the text the
    release prints; the correction applies only where it still does.
    """

    erratum_id: str
    table: str
    mcs_chapter: str
    country: str
    detail: re.Pattern[str]
    year: str
    field: str
    printed: str
    corrected: str
    note: str
    reason: str
    source: str

    def matches(self, table: str, chapter: str, country: str, detail: str, year: str) -> bool:
        """True if the erratum addresses a row of ``table`` with these fields."""
        return (
            self.table == table
            and self.mcs_chapter == chapter
            and self.country in ("", country)
            and self.year in ("", year)
            and self.detail.match(detail) is not None
        )


@dataclass(frozen=True)
class McsRules:
    """All mapping rules of the importer."""

    chapters: dict[str, ChapterRule]
    world_rows: tuple[WorldRowRule, ...]
    us_market: tuple[UsMarketSeries, ...]
    materials: tuple[MaterialRule, ...]
    price_units: dict[str, PriceUnit]
    countries: dict[str, str]
    symbols: dict[str, ValueKind]
    errata: tuple[Erratum, ...]


_SCHEMAS = {
    "chapters": TableSchema(
        "chapters",
        cols(
            Column("mcs_chapter", _REQ),
            Column("imported", Kind.YESNO),
            "material",
            "basis",
            "usgs_heading",
        ),
        key=("mcs_chapter",),
    ),
    "world_rows": TableSchema(
        "world_rows",
        cols("mcs_chapter", "commodity", "statistics", "detail_regex", "material", "stage"),
    ),
    "us_market_series": TableSchema(
        "us_market_series",
        cols(
            Column("material", _REQ),
            Column("mcs_chapter", _REQ),
            "commodity",
            "production",
            "other_production",
            "consumption",
            "net_import_reliance",
            "import_categories",
        ),
        key=("material",),
    ),
    "materials": TableSchema(
        "materials",
        cols("table", "mcs_chapter", "commodity", "detail_regex", Column("material", _REQ)),
        allowed={"table": frozenset({"", "prices", "import_sources"})},
    ),
    "price_units": TableSchema(
        "price_units",
        cols(
            Column("unit", _REQ),
            Column("usd_per_price_unit", Kind.FLOAT, non_negative=True),
            Column("kg_per_quantity_unit", Kind.FLOAT, non_negative=True),
            "note",
        ),
        key=("unit",),
    ),
    "countries": TableSchema("countries", cols(Column("country", _REQ), "iso3"), key=("country",)),
    "value_symbols": TableSchema(
        "value_symbols",
        cols(Column("symbol", _REQ), Column("kind", _REQ), "meaning"),
        key=("symbol",),
        allowed={"kind": frozenset(k.value for k in ValueKind)},
    ),
    "errata": TableSchema(
        "errata",
        cols(
            Column("erratum_id", _REQ),
            Column("table", _REQ),
            Column("mcs_chapter", _REQ),
            "country",
            "detail_regex",
            "year",
            Column("field", _REQ),
            "printed",
            "corrected",
            "note",
            Column("reason", _REQ),
            Column("source", _REQ),
        ),
        key=("erratum_id",),
        allowed={
            "table": frozenset({"production", "reserves_capacity", "prices"}),
            "field": frozenset({"unit", "value_raw", "note"}),
        },
    ),
}


def _records(directory: Path | None, name: str) -> list[dict[str, Any]]:
    file = f"{name}.csv"
    if directory is None:
        text = (
            resources.files("stockpile.reference")
            .joinpath("data", "mcs", file)
            .read_text(encoding="utf-8")
        )
    else:
        try:
            text = (directory / file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ReferenceDataError(
                f"cannot read ({exc.strerror})", file=str(directory / file)
            ) from None
    frame = parse_table(text, _SCHEMAS[name], file=f"mcs/{file}")
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _regex(record: dict[str, Any], name: str, line: int) -> re.Pattern[str]:
    try:
        return re.compile(str(record["detail_regex"]))
    except re.error as exc:
        raise ReferenceDataError(
            f"not a regular expression ({exc})",
            file=f"mcs/{name}.csv",
            row=line,
            column="detail_regex",
        ) from None


def load_mcs_rules(directory: Path | None = None) -> McsRules:
    """Load the importer's rule tables.

    Parameters
    ----------
    directory : Path, optional
        A folder holding the rule CSVs; by default the ones bundled in ``data/mcs/``.

    Raises
    ------
    ReferenceDataError
        If a rule file is malformed (names the file, line and column).
    """
    chapters: dict[str, ChapterRule] = {}
    for line, r in enumerate(_records(directory, "chapters"), start=2):
        if r["imported"] and not (r["material"] and r["basis"]):
            raise ReferenceDataError(
                "an imported chapter needs a material and a basis",
                file="mcs/chapters.csv",
                row=line,
                column="material" if not r["material"] else "basis",
            )
        chapters[r["mcs_chapter"]] = ChapterRule(
            r["mcs_chapter"], bool(r["imported"]), r["material"], r["basis"]
        )
    world = tuple(
        WorldRowRule(
            r["mcs_chapter"],
            r["commodity"],
            r["statistics"],
            _regex(r, "world_rows", line),
            r["material"],
            r["stage"],
        )
        for line, r in enumerate(_records(directory, "world_rows"), start=2)
    )
    series = tuple(
        UsMarketSeries(
            r["material"],
            r["mcs_chapter"],
            r["commodity"],
            r["production"],
            r["other_production"],
            r["consumption"],
            r["net_import_reliance"],
            tuple(c for c in str(r["import_categories"]).split("|") if c),
        )
        for r in _records(directory, "us_market_series")
    )
    materials = tuple(
        MaterialRule(
            r["table"],
            r["mcs_chapter"],
            r["commodity"],
            _regex(r, "materials", line),
            r["material"],
        )
        for line, r in enumerate(_records(directory, "materials"), start=2)
    )
    units = {
        str(r["unit"]): PriceUnit(
            r["unit"], float(r["usd_per_price_unit"]), float(r["kg_per_quantity_unit"])
        )
        for r in _records(directory, "price_units")
    }
    countries = {str(r["country"]): str(r["iso3"]) for r in _records(directory, "countries")}
    symbols = {str(r["symbol"]): ValueKind(r["kind"]) for r in _records(directory, "value_symbols")}
    errata = tuple(
        Erratum(
            r["erratum_id"],
            r["table"],
            r["mcs_chapter"],
            r["country"],
            _regex(r, "errata", line),
            r["year"],
            r["field"],
            r["printed"],
            r["corrected"],
            r["note"],
            r["reason"],
            r["source"],
        )
        for line, r in enumerate(_records(directory, "errata"), start=2)
    )
    return McsRules(chapters, world, series, materials, units, countries, symbols, errata)
