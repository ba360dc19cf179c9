"""Price history and export-control episodes: loaders for ``data/history`` and their checks.

Four kinds of series, never spliced into one another (each row says which it is):

* USGS Data Series 140 annual **unit values** (value of one metric ton of U.S. apparent
  consumption) [USD/t, nominal], 1900-2021 depending on the commodity: not a market quote;
* USGS Mineral Commodity Summaries annual **prices** 2021-2025 (``prices.csv``; a market quote
  or, where USGS says so, a U.S. import unit value) and the antimony metal prices of the MCS
  2011, 2020 and 2022 editions (2006-2021);
* World Bank Pink Sheet **monthly** LME prices 1990-2026 (aluminium, copper, lead, tin, nickel,
  zinc; iron ore) [USD/t];
* disruption **episodes** (export controls and bans with dates and sources), their before/after
  price **observations**, and the calibration **targets** derived from them (measured cut as a
  share of world supply, with the arithmetic, and the observed price ratio over stated windows).

Sources and licences are in ``data/history/README.md``.
"""

from __future__ import annotations

import enum

import pandas as pd

from stockpile.reference._errors import ReferenceDataError, UnknownMaterialError
from stockpile.reference._schema import Column, Kind, TableSchema, cols
from stockpile.reference.catalogue import get_material
from stockpile.reference.loaders import _fresh, load_prices

__all__ = [
    "DS140",
    "EPISODES",
    "EPISODE_OBSERVATIONS",
    "EPISODE_TARGETS",
    "MCS_ANTIMONY",
    "WORLDBANK_MONTHLY",
    "PriceSeriesKind",
    "check_episode_targets",
    "load_ds140_unit_values",
    "load_episode_observations",
    "load_episode_targets",
    "load_episodes",
    "load_mcs_antimony_prices",
    "load_worldbank_monthly",
    "price_history",
]

_Q = Kind.FLOAT
_R = Kind.REQUIRED_TEXT
_GRADES = frozenset({"A", "B", "C", "A/B"})

DS140 = TableSchema(
    "prices_usgs_ds140_unit_value_annual",
    cols(
        Column("commodity", _R),
        Column("year", Kind.INT),
        Column("unit_value_usd_per_t", _Q, non_negative=True),
        Column("unit_value_1998usd_per_t", _Q, non_negative=True),
        "flag",
        "basis",
        "ds140_last_modification",
        Column("source_repo", _R),
        Column("source_path", _R),
        Column("source_commit", _R),
    ),
    key=("commodity", "year"),
)

MCS_ANTIMONY = TableSchema(
    "prices_usgs_mcs_pdf_antimony_2006_2021",
    cols(
        Column("commodity", _R),
        Column("series", _R),
        Column("mcs_edition", _R),
        Column("year", Kind.INT),
        Column("value", _Q, non_negative=True),
        Column("unit", _R),
        Column("value_usd_per_lb", _Q, non_negative=True),
        Column("estimated", _R),
        Column("source_url", _R),
    ),
    key=("mcs_edition", "year"),
    allowed={"estimated": frozenset({"True", "False"})},
)

WORLDBANK_MONTHLY = TableSchema(
    "prices_worldbank_pinksheet_metals_monthly",
    cols(
        Column("series", _R),
        Column("period", _R),
        Column("year", Kind.INT),
        Column("month", Kind.INT),
        Column("value", _Q, non_negative=True),
        Column("unit", _R),
        "definition",
        Column("source", _R),
    ),
    key=("series", "period"),
)

EPISODES = TableSchema(
    "supply_disruption_episodes",
    cols(
        Column("episode_id", _R),
        Column("commodity", _R),
        Column("imposing_country", _R),
        Column("measure", _R),
        "announced",
        Column("effective", _R),
        "later_status",
        Column("description", _R),
        Column("measure_source_urls", _R),
        Column("reliability", _R),
    ),
    key=("episode_id",),
    allowed={"reliability": _GRADES},
)

EPISODE_OBSERVATIONS = TableSchema(
    "episode_price_observations",
    cols(
        Column("episode_id", _R),
        Column("series", _R),
        Column("date_or_period", _R),
        Column("value", Kind.FLOAT, non_negative=True),
        Column("unit", _R),
        Column("relative_to_measure", _R),
        Column("source", _R),
        Column("source_url_or_file", _R),
        Column("reliability", _R),
    ),
    key=("episode_id", "series", "date_or_period"),
    allowed={"reliability": _GRADES},
)

EPISODE_TARGETS = TableSchema(
    "episode_targets",
    cols(
        Column("target_id", _R),
        Column("episode_id", _R),
        Column("material", _R),
        Column("family", _R),
        Column("fit", Kind.YESNO),
        "note",
        Column("onset", _R),
        Column("cut_low", _Q, non_negative=True),
        Column("cut_high", _Q, non_negative=True),
        "cut_basis",
        Column("duration_low", _Q, non_negative=True),
        Column("duration_high", _Q, non_negative=True),
        "duration_basis",
        Column("series", _R),
        Column("before_period", _R),
        Column("before_value", _Q, non_negative=True),
        Column("after_period", _R),
        Column("after_value", _Q, non_negative=True),
        Column("unit", _R),
        Column("observed_ratio", _Q, non_negative=True),
        Column("before_from", Kind.INT),
        Column("before_to", Kind.INT),
        Column("after_from", Kind.INT),
        Column("after_to", Kind.INT),
        Column("reliability", _R),
        Column("source", _R),
    ),
    key=("target_id",),
    allowed={
        "reliability": _GRADES,
        "family": frozenset({"minor_metals", "rare_earths", "battery_and_base"}),
    },
)


class PriceSeriesKind(enum.Enum):
    """What a price series measures (a unit value is not a market quote)."""

    US_UNIT_VALUE = "U.S. unit value"
    """USGS DS140: value of one metric ton of U.S. apparent consumption."""
    IMPORT_UNIT_VALUE = "U.S. import unit value"
    """Customs value of U.S. imports per unit."""
    MARKET_PRICE = "market price"
    """A quoted or assessed price (exchange, price agency, producer)."""


def _read(name: str, schema: TableSchema) -> pd.DataFrame:
    return _fresh(f"history/{name}", schema)


# DS140 commodity names that differ from the catalogue keys
_DS140_KEYS = {"graphite_natural": "graphite (natural)", "rare_earths": "rare earths"}


def load_ds140_unit_values() -> pd.DataFrame:
    """USGS DS140 annual unit values [USD/t, nominal and 1998 dollars] by commodity and year.

    Adds ``material``: the catalogue key of the commodity (empty where the catalogue has none,
    e.g. magnesium metal). Withheld or unavailable values are NaN, explained in ``flag``.
    """
    frame = _read("prices_usgs_ds140_unit_value_annual.csv.gz", DS140)
    frame["material"] = [_DS140_KEYS.get(c, c) for c in frame["commodity"]]
    return frame


def load_mcs_antimony_prices() -> pd.DataFrame:
    """Antimony metal price, MCS 2011, 2020 and 2022 editions [USD/lb], 2006-2021.

    Each edition is kept separately: later editions revise earlier years.
    """
    return _read("prices_usgs_mcs_pdf_antimony_2006_2021.csv", MCS_ANTIMONY)


def load_worldbank_monthly() -> pd.DataFrame:
    """World Bank Pink Sheet monthly prices, 1990-01 to 2026-05 [USD/t; iron ore USD/dmtu]."""
    return _read("prices_worldbank_pinksheet_metals_monthly.csv.gz", WORLDBANK_MONTHLY)


def load_episodes() -> pd.DataFrame:
    """Export-control and export-ban episodes: measure, dates (as the sources give them), URLs."""
    return _read("supply_disruption_episodes.csv", EPISODES)


def load_episode_observations() -> pd.DataFrame:
    """Before/after price observations per episode, each with series, unit, date and source."""
    frame = _read("episode_price_observations.csv", EPISODE_OBSERVATIONS)
    _check_episode_ids(frame, "episode_price_observations.csv")
    return frame


def load_episode_targets() -> pd.DataFrame:
    """Calibration targets: per episode and observation, the measured cut and the price ratio.

    ``cut_low``/``cut_high`` share of world supply withheld [-] and ``duration_low``/
    ``duration_high`` [month], each with its arithmetic in ``cut_basis``/``duration_basis``
    (empty where the sources do not measure the cut); ``observed_ratio`` = after / before [-]
    (computed); the ``before_*``/``after_*`` windows in months from the onset month [month].
    """
    name = "episode_targets.csv"
    frame = _read(name, EPISODE_TARGETS)
    check_episode_targets(frame, file=name)
    return frame


def check_episode_targets(frame: pd.DataFrame, *, file: str) -> None:
    """Check the targets beyond their schema: known episode and material, ordered ranges and
    windows, a cut for every fitted row, a positive ratio.

    Raises
    ------
    ReferenceDataError
        Naming the file, the line and the column.
    """
    _check_episode_ids(frame, file)
    for i, row in enumerate(frame.to_dict(orient="records")):
        line = i + 2
        has_cut = row["cut_low"] == row["cut_low"]
        if has_cut and not 0 <= row["cut_low"] <= row["cut_high"] < 1:
            raise ReferenceDataError(
                "need 0 <= cut_low <= cut_high < 1", file=file, row=line, column="cut_low"
            )
        if has_cut and not 0 < row["duration_low"] <= row["duration_high"]:
            raise ReferenceDataError(
                "need 0 < duration_low <= duration_high", file=file, row=line, column="duration_low"
            )
        if row["fit"] and not has_cut:
            raise ReferenceDataError(
                "a fitted target needs a cut", file=file, row=line, column="fit"
            )
        if row["before_from"] > row["before_to"]:
            raise ReferenceDataError("empty window", file=file, row=line, column="before_to")
        if row["after_from"] > row["after_to"]:
            raise ReferenceDataError("empty window", file=file, row=line, column="after_to")
        if not row["observed_ratio"] > 0:
            raise ReferenceDataError("must be > 0", file=file, row=line, column="observed_ratio")
        try:
            get_material(str(row["material"]))
        except UnknownMaterialError:
            raise ReferenceDataError(
                f"unknown material {row['material']!r}", file=file, row=line, column="material"
            ) from None


def _check_episode_ids(frame: pd.DataFrame, file: str) -> None:
    known = set(load_episodes()["episode_id"])
    for i, eid in enumerate(frame["episode_id"]):
        if eid not in known:
            raise ReferenceDataError(
                f"episode_id {eid!r} not in supply_disruption_episodes.csv",
                file=file,
                row=i + 2,
                column="episode_id",
            )


def price_history(material: str) -> pd.DataFrame:
    """Annual price history of a catalogue material, one row per series and year.

    Joins the USGS DS140 unit value (1900-2021), the MCS 2006-2021 antimony editions and the
    USGS MCS 2026 prices (2021-2025), each row labelled with its ``series``, ``kind``
    (:class:`PriceSeriesKind` value) and ``source``; series are never spliced (where two
    overlap, both rows are kept).

    Parameters
    ----------
    material : catalogue key or alias.

    Returns
    -------
    pandas.DataFrame
        Columns ``material, series, kind, year, value, unit, usd_per_kg, estimated, source``;
        ``usd_per_kg`` is the value converted to [USD/kg] (nominal).
    """
    key = get_material(material).key
    parts: list[pd.DataFrame] = []
    ds = load_ds140_unit_values()
    ds = ds[(ds["material"] == key) & ds["unit_value_usd_per_t"].notna()]
    if len(ds):
        parts.append(
            pd.DataFrame(
                {
                    "series": "USGS DS140 unit value (U.S. apparent consumption)",
                    "kind": PriceSeriesKind.US_UNIT_VALUE.value,
                    "year": ds["year"],
                    "value": ds["unit_value_usd_per_t"],
                    "unit": "USD/t",
                    "usd_per_kg": ds["unit_value_usd_per_t"] / 1000.0,
                    "estimated": False,
                    "source": "USGS DS140 " + ds["source_path"].str.rsplit("/", n=1).str[-1],
                }
            )
        )
    if key == "antimony":
        sb = load_mcs_antimony_prices()
        parts.append(
            pd.DataFrame(
                {
                    "series": "USGS " + sb["mcs_edition"] + ": " + sb["series"],
                    "kind": PriceSeriesKind.MARKET_PRICE.value,
                    "year": sb["year"],
                    "value": sb["value_usd_per_lb"],
                    "unit": "USD/lb",
                    "usd_per_kg": sb["value_usd_per_lb"] / 0.45359237,
                    "estimated": sb["estimated"] == "True",
                    "source": sb["source_url"],
                }
            )
        )
    mcs = load_prices()
    mcs = mcs[mcs["material"] == key]
    if len(mcs):
        unit_value = mcs["price_basis"].str.contains("unit value", case=False)
        parts.append(
            pd.DataFrame(
                {
                    "series": "USGS MCS 2026: " + mcs["price_basis"],
                    "kind": [
                        (
                            PriceSeriesKind.IMPORT_UNIT_VALUE
                            if uv
                            else PriceSeriesKind.MARKET_PRICE
                        ).value
                        for uv in unit_value
                    ],
                    "year": mcs["year"],
                    "value": mcs["price"],
                    "unit": mcs["unit"],
                    "usd_per_kg": mcs["usd_per_kg_derived"],
                    "estimated": mcs["estimated"],
                    "source": mcs["source_id"],
                }
            )
        )
    columns = ["series", "kind", "year", "value", "unit", "usd_per_kg", "estimated", "source"]
    if not parts:
        return pd.DataFrame(columns=["material", *columns])
    frame = pd.concat(parts, ignore_index=True)[columns]
    frame.insert(0, "material", key)
    return frame.sort_values(["year", "series"], kind="stable").reset_index(drop=True)
