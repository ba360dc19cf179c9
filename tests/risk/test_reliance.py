"""U.S. net import reliance: published (against the raw USGS release) and computed."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from stockpile.risk import (
    NirAgreement,
    NirSymbol,
    NoRiskDataError,
    ProductionBasis,
    RiskInputError,
    net_import_reliance,
    nir_table,
    parse_published_nir,
    us_net_import_reliance,
)

_RAW = Path("/work/shared/reference-data/raw/usgs-mcs2026/usgs_mcs2026_commodities_data.csv")
_REPO_RAW = (
    Path(__file__).resolve().parents[2]
    / "reference-data/raw/usgs-mcs2026/usgs_mcs2026_commodities_data.csv"
)
_COMMODITY = {"titanium dioxide pigment": "tio2 pigment"}
RAW = next((p for p in (_RAW, _REPO_RAW) if p.exists()), _RAW)


@pytest.mark.parametrize(
    ("raw", "symbol", "value", "bound"),
    [
        ("86", NirSymbol.NUMBER, 86.0, None),
        (">50", NirSymbol.GREATER_THAN, None, 50.0),
        ("<25", NirSymbol.LESS_THAN, None, 25.0),
        ("E", NirSymbol.NET_EXPORTER, None, None),
        ("", NirSymbol.MISSING, None, None),
    ],
)
def test_parse_published(
    raw: str, symbol: NirSymbol, value: float | None, bound: float | None
) -> None:
    p = parse_published_nir(raw)
    assert (p.symbol, p.value, p.bound, p.raw) == (symbol, value, bound, raw)


def test_balance_formula_by_hand() -> None:
    assert net_import_reliance(200.0, 50.0) == pytest.approx(75.0)
    assert net_import_reliance(100.0, 120.0) == pytest.approx(-20.0)
    with pytest.raises(RiskInputError, match="consumption"):
        net_import_reliance(0.0, 1.0)
    with pytest.raises(RiskInputError, match="production"):
        net_import_reliance(10.0, -1.0)


@pytest.mark.skipif(not RAW.exists(), reason="raw MCS 2026 release not available")
def test_published_nir_matches_the_raw_release(us_market: pd.DataFrame) -> None:
    """Every bundled NIR equals the value printed in the USGS data-release file."""
    raw: dict[tuple[str, str, int, str], str] = {}
    with open(RAW, encoding="cp1252", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["Statistics"] == "Net import reliance":
                key = (
                    r["MCS chapter"],
                    r["Statistics_detail"],
                    int(r["Year"]),
                    r["Commodity"].lower(),
                )
                raw[key] = r["Value"].strip()
    checked = 0
    for row in us_market.itertuples(index=False):
        if not row.net_import_reliance_statistic:
            continue
        # a chapter may hold several series with the same label (titanium sponge, TiO2
        # pigment): the commodity column tells them apart
        same = {
            com: v
            for (chap, det, yr, com), v in raw.items()
            if (chap, det, yr)
            == (row.mcs_chapter, row.net_import_reliance_statistic, int(row.year))
        }
        name = _COMMODITY.get(row.material, row.material)
        candidates = list(same.values()) if len(same) == 1 else [same[name]]
        assert len(candidates) == 1, (row.material, row.year, candidates)
        ours = parse_published_nir(row.net_import_reliance_raw, row.net_import_reliance_pct)
        theirs = parse_published_nir(candidates[0])
        assert (ours.symbol, ours.value, ours.bound) == (
            theirs.symbol,
            theirs.value,
            theirs.bound,
        ), (row.material, row.year)
        checked += 1
    assert checked >= 150


def test_antimony_2024_computed_by_hand(us_market: pd.DataFrame) -> None:
    r = us_net_import_reliance(us_market, material="antimony", year=2024)
    # apparent consumption 28,600 t; primary 588 t + secondary 3,330 t (USGS MCS 2026)
    assert r.computed == pytest.approx((28_600 - 588 - 3_330) / 28_600 * 100)
    assert r.basis is ProductionBasis.PRIMARY_PLUS_SECONDARY
    assert r.published.value == 86
    assert r.agreement is NirAgreement.AGREES


def test_rare_earths_use_compounds_and_metals(us_market: pd.DataFrame) -> None:
    r = us_net_import_reliance(us_market, material="rare earths", year=2024)
    assert r.basis is ProductionBasis.COMPOUNDS_AND_METALS
    assert r.computed == pytest.approx((9_010 - 4_300) / 9_010 * 100)


def test_disagreement_and_missing_are_flagged(us_market: pd.DataFrame) -> None:
    nickel = us_net_import_reliance(us_market, material="nickel", year=2024)
    assert nickel.agreement is NirAgreement.DISAGREES  # consumption includes scrap
    lithium = us_net_import_reliance(us_market, material="lithium", year=2024)
    assert lithium.computed is None and "W" in lithium.method
    assert lithium.published.raw == ">50"
    moly = us_net_import_reliance(us_market, material="molybdenum", year=2024)
    assert moly.published.symbol is NirSymbol.NET_EXPORTER
    assert moly.computed is not None and moly.computed < 0
    assert moly.agreement is NirAgreement.AGREES


def test_most_computable_nir_agree(us_market: pd.DataFrame) -> None:
    t = nir_table(us_market)
    comparable = t[t["agreement"] != NirAgreement.NOT_COMPARABLE.value]
    share = (comparable["agreement"] == NirAgreement.AGREES.value).mean()
    assert share > 0.75
    disagree = set(t[t["agreement"] == "disagrees"]["material"])
    assert {"nickel", "palladium"} <= disagree


def test_unknown_year(us_market: pd.DataFrame) -> None:
    with pytest.raises(NoRiskDataError, match=r"in 2019; available: 2021, 2022, 2023, 2024, 2025"):
        us_net_import_reliance(us_market, material="antimony", year=2019)
