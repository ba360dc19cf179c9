"""The material page's figures: production shares, price series and shares by stage."""

from __future__ import annotations

import pytest

from stockpile.usecases.supply import (
    OTHERS,
    CountryShare,
    MaterialSupplyReport,
    ProductionShares,
    StageShares,
    material_supply,
)


def _stage(stage: str, producers: list[tuple[str, float, bool]] | None) -> StageShares:
    return StageShares(
        stage=stage,
        form="f",
        known=producers is not None,
        top_producer=None,
        top_share=None,
        hhi=None,
        hhi_wgi=None,
        hhi_ownership=None,
        source="hand-made",
        producers=None
        if producers is None
        else tuple(CountryShare(name=n, share=s, country=c) for n, s, c in producers),
    )


def _report(*stages: StageShares) -> MaterialSupplyReport:
    return MaterialSupplyReport(
        material="x", production=None, production_note="", prices=(), stages=stages
    )


def test_stage_bars_pick_the_largest_countries_and_group_the_rest() -> None:
    report = _report(
        _stage("mine", [("A", 0.5, True), ("B", 0.3, True), ("Rest of world", 0.2, False)]),
        _stage("refined", None),
        _stage("product", [("C", 0.8, True), ("A", 0.1, True), ("D", 0.1, True)]),
    )
    bars = report.stage_bars(top=2)
    assert bars is not None
    assert bars.labels == ("mine (f)", "refined (f)", "product (f)")
    # largest share at any stage: C 0.8, A 0.5 (B 0.3 and D 0.1 are grouped)
    got = {s.name: s.values for s in bars.series}
    assert list(got) == ["C", "A", OTHERS]
    assert got["C"] == pytest.approx((0.0, None, 80.0))  # type: ignore[arg-type]
    assert got["A"] == pytest.approx((50.0, None, 10.0))  # type: ignore[arg-type]
    # mine: 100 - 50 (A) - 0 (C) = 50 (B 30 + rest of world 20); product: 100 - 80 - 10 = 10
    assert got[OTHERS] == pytest.approx((50.0, None, 10.0))  # type: ignore[arg-type]


def test_a_rest_of_world_row_never_gets_its_own_series() -> None:
    report = _report(_stage("mine", [("Rest of world", 0.9, False), ("A", 0.1, True)]))
    bars = report.stage_bars(top=6)
    assert bars is not None
    assert [s.name for s in bars.series] == ["A", OTHERS]
    assert bars.series[1].values == pytest.approx((90.0,))


def test_no_known_stage_gives_no_chart() -> None:
    assert _report(_stage("mine", None)).stage_bars() is None
    assert _report().stage_bars() is None


def test_production_bars_are_percent_in_producer_order() -> None:
    shares = ProductionShares(
        stage="mine",
        year=2025,
        unit="t",
        basis="content",
        source_id="S",
        hhi=5000.0,
        top_producer="A",
        top_share=0.5,
        producers=(CountryShare(name="A", share=0.5), CountryShare(name="B", share=0.25)),
    )
    bars = shares.bars()
    assert bars.labels == ("A", "B")
    assert bars.values == (50.0, 25.0)
    assert shares.caption() == "USGS MCS 2026, mine production 2025 (t, content); source S."


def test_antimony_mine_shares_of_2025_from_the_usgs_rows() -> None:
    report = material_supply("Sb")
    p = report.production
    assert p is not None and (p.stage, p.year) == ("mine", 2025)
    assert report.hhi_year == 2025
    # USGS MCS 2026, antimony mine production 2025: China 40,000 t, Russia 32,000 t of the
    # country rows summing to 110,720 t (United States withheld, left out).
    shares = {c.name: c.share for c in p.producers}
    assert shares["China"] == pytest.approx(40_000 / 110_720)
    assert shares["Russia"] == pytest.approx(32_000 / 110_720)
    assert p.top_producer == "China"
    assert sum(shares.values()) == pytest.approx(1.0)
    (prices,) = report.prices
    assert prices.years == (2021, 2022, 2023, 2024, 2025)


def test_a_material_without_production_rows_says_so() -> None:
    report = material_supply("germanium")
    assert report.production is None and report.hhi_year is None
    assert report.production_note == "USGS publishes no production by country for this material."
