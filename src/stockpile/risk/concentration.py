"""Production shares, top-k shares and the Herfindahl-Hirschman index (HHI).

Formulas
--------
For producers ``c`` with quantities ``q_c`` [unit of the USGS table] and a denominator ``Q``:

* share ``s_c = q_c / Q`` [fraction, 0-1];
* ``HHI = 10,000 * sum_c s_c**2`` [dimensionless, 0-10,000]; a single producer gives 10,000;
* top-k share: the sum of the ``k`` largest ``s_c`` [fraction].

The "Other countries" convention
--------------------------------
USGS tables list the main producers and lump the rest into one "Other countries" row. Our
default (:attr:`OtherCountries.DENOMINATOR_ONLY`) keeps that row in the denominator ``Q`` (so
listed countries' shares are shares of the whole listed total) but does not count it as a
producer in the HHI sum, because it is many small producers, not one. The alternatives are
:attr:`OtherCountries.EXCLUDED` (drop the row: shares of the listed countries only, which raises
the HHI) and :attr:`OtherCountries.AS_PRODUCER` (count it as one producer: an upper bound).

The denominator is the sum of the country rows (and of "Other countries" unless excluded), not
the published world total: USGS rounds world totals, and some exclude withheld U.S. output.
Values USGS did not publish (``W`` withheld, ``NA``, ``s``) are left out of both numerator and
denominator and reported in :attr:`Concentration.missing`.

Source: USGS Mineral Commodity Summaries 2026 data release (doi:10.5066/P1WKQ63T),
``production_by_country.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from stockpile.risk._frames import float_or_none, require_columns, text_or_none
from stockpile.risk.errors import NoRiskDataError, RiskInputError

__all__ = [
    "Concentration",
    "DataFlag",
    "MissingValue",
    "OtherCountries",
    "ProducerShare",
    "StageKind",
    "concentration_table",
    "hhi",
    "production_concentration",
    "production_stages",
    "shares",
    "stage_kind",
    "top_share",
]

OTHER_COUNTRIES = "Other countries"
WORLD_ISO3 = "WLD"
_PRODUCTION_COLUMNS = ("material", "country", "iso3", "year", "stage", "value", "value_raw")


class OtherCountries(Enum):
    """How the USGS "Other countries" row enters shares and the HHI."""

    DENOMINATOR_ONLY = "denominator_only"  #: in the denominator, not an HHI producer (default)
    EXCLUDED = "excluded"  #: dropped: shares of the listed countries only
    AS_PRODUCER = "as_producer"  #: counted as one producer (upper bound of the HHI)


class StageKind(Enum):
    """Supply-chain stage of a USGS production series."""

    MINE = "mine"  #: extraction: mine, mine (bauxite)
    REFINERY = "refinery"  #: processing: refinery, smelter, sponge metal, alumina refinery
    ALL = "all"  #: a world figure covering every stage (scandium)


class DataFlag(Enum):
    """Data-quality flags attached to a concentration result."""

    WITHHELD = "withheld"  #: a country's value is W (withheld to avoid disclosing company data)
    NOT_AVAILABLE = "not available"  #: a country's value is NA or empty
    INCLUDED_ELSEWHERE = "included elsewhere"  #: USGS 's': included with another series
    OTHER_NOT_AVAILABLE = "other countries not available"  #: the "Other countries" row is NA
    NO_OTHER_ROW = "no other-countries row"  #: USGS lists no "Other countries" row
    WORLD_ONLY = "world total only"  #: no country rows, only the world figure


@dataclass(frozen=True)
class ProducerShare:
    """One producer's quantity and share.

    Attributes
    ----------
    country : str
        USGS country name.
    iso3 : str or None
        ISO 3166-1 alpha-3 code (None for "Other countries").
    quantity : float
        Production [unit of the series].
    share : float
        Share of the denominator [fraction].
    """

    country: str
    iso3: str | None
    quantity: float
    share: float


@dataclass(frozen=True)
class MissingValue:
    """A row whose value USGS did not publish.

    Attributes
    ----------
    country : str
        USGS country name.
    value_raw : str
        The symbol USGS printed (``W``, ``NA``, ``s``) or an empty string.
    flag : DataFlag
        What the symbol means.
    """

    country: str
    value_raw: str
    flag: DataFlag


@dataclass(frozen=True)
class Concentration:
    """Production concentration of one material, stage and year.

    Attributes
    ----------
    material, stage : str
        Material key and USGS stage label of the production table.
    year : int
        Production year.
    unit, basis : str
        Unit and content basis of the quantities, as USGS prints them.
    other : OtherCountries
        Convention used for the "Other countries" row.
    total : float or None
        Denominator of the shares [unit]; None when no country rows exist.
    world_published : float or None
        USGS world total (rounded) [unit], or None.
    hhi : float or None
        Herfindahl-Hirschman index [0-10,000].
    top_producer, top_iso3 : str or None
        Largest producer (never "Other countries").
    top_share, top3_share : float or None
        Share of the largest producer and of the three largest [fraction].
    producers : tuple of ProducerShare
        Producers in decreasing order of quantity, "Other countries" last when present.
    missing : tuple of MissingValue
        Rows whose values were not published (left out of every sum).
    flags : tuple of DataFlag
        Data-quality flags.
    source_id : str
        Source identifier(s) of the rows used.
    """

    material: str
    stage: str
    year: int
    unit: str
    basis: str
    other: OtherCountries
    total: float | None
    world_published: float | None
    hhi: float | None
    top_producer: str | None
    top_iso3: str | None
    top_share: float | None
    top3_share: float | None
    producers: tuple[ProducerShare, ...]
    missing: tuple[MissingValue, ...]
    flags: tuple[DataFlag, ...]
    source_id: str

    def share_of(self, country: str) -> float | None:
        """Share [fraction] of a country given by USGS name or ISO3 code, None if not listed."""
        key = country.strip().lower()
        for p in self.producers:
            if p.country.lower() == key or (p.iso3 or "").lower() == key:
                return p.share
        return None


def _as_vector(values: ArrayLike, field: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RiskInputError(field, f"must be numbers ({exc})") from None
    if arr.ndim != 1:
        raise RiskInputError(field, f"must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise RiskInputError(field, "is empty")
    if not np.all(np.isfinite(arr)):
        raise RiskInputError(field, "contains NaN or infinite values; drop missing values first")
    return arr


def shares(quantities: ArrayLike, *, field: str = "quantities") -> NDArray[np.float64]:
    """Shares of a total: ``s_c = q_c / sum(q)``.

    Parameters
    ----------
    quantities : array_like
        Non-negative quantities [any unit, the same for all].
    field : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        Shares [fraction], summing to 1.

    Raises
    ------
    RiskInputError
        If a quantity is negative, missing or infinite, or all are zero.
    """
    arr = _as_vector(quantities, field)
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise RiskInputError(
            field, f"negative value {arr[neg[0]]:g} at position {int(neg[0])}; must be >= 0"
        )
    total = float(arr.sum())
    if total <= 0:
        raise RiskInputError(field, "all values are zero; shares are undefined")
    return arr / total


def hhi(share_fractions: ArrayLike, *, field: str = "shares") -> float:
    """Herfindahl-Hirschman index ``10,000 * sum_c s_c**2``.

    Parameters
    ----------
    share_fractions : array_like
        Producer shares [fraction, 0-1]; they may sum to less than 1 (producers left out of the
        sum, such as "Other countries") but not to more.

    Returns
    -------
    float
        HHI [0-10,000].

    Raises
    ------
    RiskInputError
        If a share is outside [0, 1] or the shares sum to more than 1.
    """
    s = _as_vector(share_fractions, field)
    if np.any(s < 0) or np.any(s > 1 + 1e-12):
        raise RiskInputError(field, "shares must be fractions in [0, 1]")
    if float(s.sum()) > 1 + 1e-9:
        raise RiskInputError(field, f"shares sum to {float(s.sum()):.6g} > 1")
    return float(10_000.0 * np.sum(s * s))


def top_share(share_fractions: ArrayLike, k: int = 1, *, field: str = "shares") -> float:
    """Sum of the ``k`` largest shares [fraction]."""
    if k < 1:
        raise RiskInputError("k", f"must be >= 1, got {k}")
    s = _as_vector(share_fractions, field)
    if np.any(s < 0):
        raise RiskInputError(field, "shares must be >= 0")
    return float(np.sort(s)[::-1][:k].sum())


_STAGE_KINDS: dict[str, StageKind] = {
    "mine": StageKind.MINE,
    "mine (bauxite)": StageKind.MINE,
    "refinery": StageKind.REFINERY,
    "refinery (alumina)": StageKind.REFINERY,
    "refinery (primary low-purity)": StageKind.REFINERY,
    "smelter": StageKind.REFINERY,
    "sponge metal": StageKind.REFINERY,
    "global production (all stages)": StageKind.ALL,
}


def stage_kind(stage: str) -> StageKind:
    """Map a USGS stage label (``mine``, ``smelter``, ``sponge metal``...) to its kind.

    Labels not in the table are classified by their first word (``mine...`` -> MINE,
    ``refinery...``/``smelter...`` -> REFINERY).
    """
    key = stage.strip().lower()
    if key in _STAGE_KINDS:
        return _STAGE_KINDS[key]
    if key.startswith("mine"):
        return StageKind.MINE
    if key.startswith(("refin", "smelt")):
        return StageKind.REFINERY
    raise RiskInputError("stage", f"unknown USGS stage label {stage!r}")


def check_production(production: pd.DataFrame) -> None:
    """Raise :class:`RiskInputError` when a production table lacks a needed column."""
    require_columns(production, _PRODUCTION_COLUMNS, "production")


def production_stages(production: pd.DataFrame, material: str) -> tuple[str, ...]:
    """USGS stage labels available for a material key, in table order."""
    check_production(production)
    rows = production[production["material"] == material]
    return tuple(dict.fromkeys(str(s) for s in rows["stage"]))


def _select(production: pd.DataFrame, material: str, year: int, stage: str | None) -> pd.DataFrame:
    rows = production[production["material"] == material]
    if rows.empty:
        known = sorted(set(production["material"].astype(str)))
        raise NoRiskDataError(f"production of {material!r}", known)
    labels = tuple(dict.fromkeys(str(s) for s in rows["stage"]))
    if stage is None:
        if len(labels) > 1:
            raise RiskInputError("stage", f"{material!r} has several stages {labels}; choose one")
        chosen = labels[0]
    elif stage in labels:
        chosen = stage
    else:
        try:
            kind = StageKind(stage.strip().lower())
        except ValueError:
            raise NoRiskDataError(f"stage {stage!r} of {material!r}", labels) from None
        matching = [lab for lab in labels if stage_kind(lab) is kind]
        if not matching:
            raise NoRiskDataError(f"stage {stage!r} of {material!r}", labels)
        if len(matching) > 1:
            raise RiskInputError("stage", f"{stage!r} matches several stages {matching}")
        chosen = matching[0]
    rows = rows[rows["stage"] == chosen]
    years = sorted({int(y) for y in rows["year"]})
    rows = rows[rows["year"] == year]
    if rows.empty:
        raise NoRiskDataError(f"production of {material!r} ({chosen}) in {year}", years)
    return rows


def _flag_for(raw: str) -> DataFlag:
    sym = raw.strip()
    if sym == "W":
        return DataFlag.WITHHELD
    if sym == "s":
        return DataFlag.INCLUDED_ELSEWHERE
    return DataFlag.NOT_AVAILABLE


def production_concentration(
    production: pd.DataFrame,
    *,
    material: str,
    year: int,
    stage: str | None = None,
    other: OtherCountries = OtherCountries.DENOMINATOR_ONLY,
) -> Concentration:
    """Shares, top-1/top-3 shares and HHI of one material, stage and year.

    Parameters
    ----------
    production : pandas.DataFrame
        Rows of ``production_by_country.csv`` (columns ``material, country, iso3, year, stage,
        value, value_raw`` at least; ``unit, basis, source_id`` are used when present).
    material : str
        Material key as in the table's ``material`` column.
    year : int
        Production year.
    stage : str, optional
        USGS stage label (``"mine"``, ``"smelter"``...) or a :class:`StageKind` value
        (``"mine"``, ``"refinery"``); may be omitted when the material has one stage.
    other : OtherCountries
        Convention for the "Other countries" row (see the module docstring).

    Returns
    -------
    Concentration

    Raises
    ------
    NoRiskDataError
        If the material, stage or year is absent (the message lists what exists).
    RiskInputError
        If a production figure is negative or infinite.
    """
    check_production(production)
    if not isinstance(other, OtherCountries):
        raise RiskInputError("other", f"must be an OtherCountries member, got {other!r}")
    rows = _select(production, material, year, stage)
    chosen_stage = str(rows["stage"].iloc[0])
    world = rows[rows["iso3"].fillna("").astype(str) == WORLD_ISO3]
    countries = rows[rows["iso3"].fillna("").astype(str) != WORLD_ISO3]
    world_published = None
    if not world.empty and pd.notna(world["value"].iloc[0]):
        world_published = float(world["value"].iloc[0])

    named: list[tuple[str, str | None, float]] = []
    other_qty: float | None = None
    missing: list[MissingValue] = []
    flags: list[DataFlag] = []
    has_other_row = False
    for rec in countries.itertuples(index=False):
        country = str(rec.country)
        iso3 = text_or_none(rec.iso3)
        value = float_or_none(rec.value)
        is_other = country == OTHER_COUNTRIES
        has_other_row = has_other_row or is_other
        if value is None:
            raw = text_or_none(rec.value_raw) or ""
            flag = DataFlag.OTHER_NOT_AVAILABLE if is_other else _flag_for(raw)
            missing.append(MissingValue(country, raw, flag))
            flags.append(flag)
            continue
        qty = value
        if not math.isfinite(qty) or qty < 0:
            raise RiskInputError(
                "production.value",
                f"{qty:g} for {country} ({material}, {chosen_stage}, {year}); must be >= 0",
            )
        if is_other:
            other_qty = qty
        else:
            named.append((country, iso3, qty))
    if not has_other_row and named:
        flags.append(DataFlag.NO_OTHER_ROW)

    unit = _first_text(rows, "unit")
    basis = _first_text(rows, "basis")
    source = ";".join(sorted({str(s) for s in rows.get("source_id", pd.Series(dtype=str))}))
    named.sort(key=lambda t: (-t[2], t[0]))
    empty = Concentration(
        material,
        chosen_stage,
        year,
        unit,
        basis,
        other,
        None,
        world_published,
        None,
        None,
        None,
        None,
        None,
        (),
        tuple(missing),
        tuple(dict.fromkeys(flags)),
        source,
    )
    if not named:
        return _replace_flags(empty, (*empty.flags, DataFlag.WORLD_ONLY))

    include_other = other_qty is not None and other is not OtherCountries.EXCLUDED
    quantities: list[float] = [q for _, _, q in named]
    if include_other and other_qty is not None:
        quantities.append(other_qty)
    total = float(np.sum(quantities))
    if total <= 0:
        return _replace_flags(empty, empty.flags)
    frac = shares(quantities, field="production.value")
    producers = [
        ProducerShare(c, i, q, float(s)) for (c, i, q), s in zip(named, frac, strict=False)
    ]
    if include_other and other_qty is not None:
        producers.append(ProducerShare(OTHER_COUNTRIES, None, other_qty, float(frac[-1])))
    hhi_shares = frac if other is OtherCountries.AS_PRODUCER else frac[: len(named)]
    named_frac = frac[: len(named)]
    return Concentration(
        material=material,
        stage=chosen_stage,
        year=year,
        unit=unit,
        basis=basis,
        other=other,
        total=total,
        world_published=world_published,
        hhi=hhi(hhi_shares),
        top_producer=named[0][0],
        top_iso3=named[0][1],
        top_share=float(named_frac[0]),
        top3_share=top_share(named_frac, 3),
        producers=tuple(producers),
        missing=tuple(missing),
        flags=tuple(dict.fromkeys(flags)),
        source_id=source,
    )


def _replace_flags(c: Concentration, flags: Sequence[DataFlag]) -> Concentration:
    return replace(c, flags=tuple(dict.fromkeys(flags)))


def _first_text(rows: pd.DataFrame, column: str) -> str:
    if column not in rows.columns:
        return ""
    for v in rows[column]:
        t = text_or_none(v)
        if t:
            return t
    return ""


def concentration_table(
    production: pd.DataFrame,
    *,
    year: int | None = None,
    other: OtherCountries = OtherCountries.DENOMINATOR_ONLY,
) -> pd.DataFrame:
    """Concentration of every material, stage and year of a production table.

    Returns
    -------
    pandas.DataFrame
        Columns ``material, stage, stage_kind, year, unit, total, world_published, hhi,
        top_producer, top_share, top3_share, n_producers, flags``; shares [fraction], HHI
        [0-10,000].
    """
    check_production(production)
    keys = production[["material", "stage", "year"]].drop_duplicates()
    if year is not None:
        keys = keys[keys["year"] == year]
        if keys.empty:
            years = sorted({int(y) for y in production["year"]})
            raise NoRiskDataError(f"production in {year}", years)
    records = []
    for m, s, y in keys.itertuples(index=False):
        c = production_concentration(
            production, material=str(m), year=int(y), stage=str(s), other=other
        )
        records.append(
            {
                "material": c.material,
                "stage": c.stage,
                "stage_kind": stage_kind(c.stage).value,
                "year": c.year,
                "unit": c.unit,
                "total": c.total,
                "world_published": c.world_published,
                "hhi": c.hhi,
                "top_producer": c.top_producer,
                "top_share": c.top_share,
                "top3_share": c.top3_share,
                "n_producers": sum(p.iso3 is not None for p in c.producers),
                "flags": ",".join(f.value for f in c.flags),
            }
        )
    return pd.DataFrame.from_records(records)
