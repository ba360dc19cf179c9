"""History loaders: checked tables, series labelled and never spliced, targets' arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpile.reference import ReferenceDataError
from stockpile.reference import history as h


def test_tables_load_with_their_documented_sizes() -> None:
    assert len(h.load_ds140_unit_values()) == 1872
    assert len(h.load_worldbank_monthly()) == 3059
    assert len(h.load_mcs_antimony_prices()) == 15
    assert len(h.load_episodes()) == 8
    assert len(h.load_episode_observations()) == 48
    assert set(h.load_episode_observations()["episode_id"]) <= set(h.load_episodes()["episode_id"])


def test_ds140_values_match_the_usgs_workbook_rows() -> None:
    ds = h.load_ds140_unit_values().set_index(["material", "year"])
    # ds140-raree.tsv: 2009 9300, 2011 58100 (the rows quoted by episode E01)
    assert ds.loc[("rare earths", 2009), "unit_value_usd_per_t"] == 9300
    assert ds.loc[("rare earths", 2011), "unit_value_usd_per_t"] == 58100


def test_price_history_labels_each_series_and_keeps_overlaps() -> None:
    frame = h.price_history("antimony")
    assert frame["series"].str.len().min() > 0
    kinds = set(frame["kind"])
    assert h.PriceSeriesKind.US_UNIT_VALUE.value in kinds
    assert h.PriceSeriesKind.MARKET_PRICE.value in kinds
    # 2017: DS140 unit value, MCS 2020 and MCS 2022 each keep their own row (not spliced)
    y2017 = frame[frame["year"] == 2017]
    assert len(y2017) == 3 and y2017["series"].is_unique
    assert set(frame[frame["kind"] == h.PriceSeriesKind.US_UNIT_VALUE.value]["unit"]) == {"USD/t"}


def test_gallium_import_unit_value_is_not_called_a_market_price() -> None:
    frame = h.price_history("gallium")
    mcs = frame[frame["series"].str.startswith("USGS MCS 2026")]
    assert set(mcs["kind"]) == {h.PriceSeriesKind.IMPORT_UNIT_VALUE.value}


def test_targets_ratios_are_the_quoted_values() -> None:
    t = h.load_episode_targets().set_index("target_id")
    assert t.loc["E06-SB-2025", "observed_ratio"] == pytest.approx(25 / 10.24, rel=1e-3)
    assert t.loc["E01-REO-2011", "observed_ratio"] == pytest.approx(58100 / 9300, rel=1e-3)
    # antimony cut: 12,268 t lost in 2024 / 119,000 t world mine production 2024
    lost = 38632 / (1 - 0.241) - 38632
    assert t.loc["E06-SB-2025", "cut_low"] == pytest.approx(lost / 119000, abs=1e-3)
    # every fitted target has a measured cut; unmeasured ones say why
    assert t.loc[t["fit"], "cut_low"].notna().all()
    assert (t.loc[t["cut_low"].isna(), "note"].str.len() > 10).all()


def _targets() -> pd.DataFrame:
    return h.load_episode_targets()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("cut_high", 0.01, "cut_low <= cut_high"),
        ("episode_id", "E99", "episode_id 'E99'"),
        ("material", "unobtainium", "unknown material"),
        ("observed_ratio", 0.0, "must be > 0"),
        ("after_to", -100, "empty window"),
    ],
)
def test_bad_targets_are_refused_with_line_and_column(
    column: str, value: object, message: str
) -> None:
    frame = _targets()
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = value
    with pytest.raises(ReferenceDataError, match=message) as info:
        h.check_episode_targets(frame, file="episode_targets.csv")
    assert "line 2" in str(info.value) and column in str(info.value)


def test_schema_refuses_a_bad_grade() -> None:
    from stockpile.reference._schema import parse_table

    text = (
        "episode_id,series,date_or_period,value,unit,relative_to_measure,source,"
        "source_url_or_file,reliability\nE01,s,2010,1,USD/t,before,x,y,Z\n"
    )
    with pytest.raises(ReferenceDataError, match="reliability"):
        parse_table(text, h.EPISODE_OBSERVATIONS, file="obs.csv")
