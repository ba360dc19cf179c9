"""Import-source concentration and supplier exposure (USGS and USITC)."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpile.risk import (
    NoRiskDataError,
    OtherCountries,
    RiskInputError,
    headline_import_category,
    import_source_concentration,
    usgs_supplier_exposure,
    usitc_supplier_exposure,
)


def _imports() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "material": ["x"] * 4,
            "mcs_chapter": ["X"] * 4,
            "import_category": ["Total"] * 4,
            "country": ["China", "Canada", "Japan", "Other countries"],
            "iso3": ["CHN", "CAN", "JPN", ""],
            "period": ["2021-24"] * 4,
            "share_pct": [50.0, 20.0, 10.0, 20.0],
            "share_raw": ["50", "20", "10", "20"],
        }
    )


def test_import_hhi_by_hand() -> None:
    c = import_source_concentration(_imports(), material="x", mcs_chapter="X", category="Total")
    assert c.hhi == pytest.approx(2500 + 400 + 100)
    assert c.top_country == "China" and c.top_share == pytest.approx(0.5)
    assert "by shipping source" in c.coverage and "2021-24" in c.coverage
    ex = import_source_concentration(
        _imports(), material="x", mcs_chapter="X", category="Total", other=OtherCountries.EXCLUDED
    )
    assert ex.hhi == pytest.approx(10_000 * ((50 / 80) ** 2 + (20 / 80) ** 2 + (10 / 80) ** 2))


def test_supplier_exposure_listed_and_unlisted() -> None:
    e = usgs_supplier_exposure(
        _imports(), material="x", mcs_chapter="X", category="Total", country="chn"
    )
    assert e.share == pytest.approx(0.5) and e.upper_bound is None
    u = usgs_supplier_exposure(
        _imports(), material="x", mcs_chapter="X", category="Total", country="Russia"
    )
    assert u.share is None and u.upper_bound == pytest.approx(0.2)
    assert "Other countries" in u.note
    with pytest.raises(NoRiskDataError, match="available: Total"):
        usgs_supplier_exposure(
            _imports(), material="x", mcs_chapter="X", category="Ore", country="China"
        )
    with pytest.raises(RiskInputError, match="country"):
        usgs_supplier_exposure(
            _imports(), material="x", mcs_chapter="X", category="Total", country=" "
        )


def test_antimony_china_share_from_usgs(
    us_market: pd.DataFrame, import_sources: pd.DataFrame
) -> None:
    cat = headline_import_category(us_market, "antimony")
    assert cat == "Total metal and oxide"
    e = usgs_supplier_exposure(
        import_sources, material="antimony", mcs_chapter="ANTIMONY", category=cat, country="China"
    )
    assert e.share == pytest.approx(0.55)
    c = import_source_concentration(
        import_sources, material="antimony", mcs_chapter="ANTIMONY", category=cat
    )
    assert c.hhi == pytest.approx(55**2 + 12**2 + 8**2 + 6**2)


def test_bounds_leave_the_import_hhi_missing(import_sources: pd.DataFrame) -> None:
    c = import_source_concentration(
        import_sources,
        material="copper",
        mcs_chapter="COPPER",
        category="Copper content of ore and concentrate",
    )
    assert c.hhi is None
    assert [s.share_raw for s in c.shares] == [">99", "<1"]


def test_heavy_rare_earths_headline_is_first_category(us_market: pd.DataFrame) -> None:
    assert headline_import_category(us_market, "rare earths (heavy)") == (
        "Terbium compounds and metals"
    )


def test_usitc_exposure_is_labelled_with_partner_coverage() -> None:
    shares = pd.DataFrame({"partner": ["China", "Canada", "Japan"], "share": [0.6, 0.3, 0.1]})
    e = usitc_supplier_exposure(
        shares, material="gallium", country="china", headings=("8112",), period="2024"
    )
    assert e.share == pytest.approx(0.6)
    assert "8112" in e.coverage and "USITC" in e.coverage
    assert "3 selected partners only (not the world)" in e.coverage
    missing = usitc_supplier_exposure(shares, material="gallium", country="Peru")
    assert missing.share is None
    bad = pd.DataFrame({"partner": ["China"], "share": [60.0]})
    with pytest.raises(RiskInputError, match=r"partner_shares\.share"):
        usitc_supplier_exposure(bad, material="gallium", country="China")


def test_usitc_exposure_from_the_bundled_trade_table() -> None:
    from stockpile.reference.usitc import load_usitc_trade, partner_shares

    trade = load_usitc_trade()
    shares = partner_shares(trade, hts4="8110", year=2024)
    e = usitc_supplier_exposure(
        shares, material="antimony", country="CHN", headings=("8110",), period="2024"
    )
    rows = trade[
        (trade["flow"] == "imports")
        & (trade["hts4"] == "8110")
        & (trade["year"] == 2024)
        & (trade["quantity_kind"] == "first")
    ]
    by_partner = rows.groupby("partner")["value_usd"].sum()
    assert e.share == pytest.approx(by_partner.get("China", 0.0) / by_partner.sum())
    assert "not of world imports" in e.coverage
