"""Stage chains and country shares by stage: sourced rows, checked loaders, no filled gaps."""

from __future__ import annotations

import math

import pytest

from stockpile.reference import (
    NoDataError,
    ReferenceDataError,
    Stage,
    load_iea_supply,
    load_processing_shares,
    load_sources,
    load_stage_chains,
    load_stage_ownership,
    material_keys,
    stage_chain,
    stage_shares,
    tables,
)
from stockpile.reference._schema import parse_table


def test_every_stage_row_names_a_known_source() -> None:
    known = set(load_sources()["source_id"])
    assert set(stage_shares()["source_id"]) <= known
    assert set(load_stage_chains()["source_id"]) <= known


def test_chains_are_ordered_from_the_mine_and_use_catalogue_materials() -> None:
    chains = load_stage_chains()
    assert set(chains["material"]) <= set(material_keys())
    for _, rows in chains.groupby("material"):
        orders = sorted(rows["order"])
        assert orders == list(range(1, len(orders) + 1))
    rare = [link.stage for link in stage_chain("rare earths")]
    assert rare == [Stage.MINE, Stage.REFINED, Stage.METAL, Stage.MAGNET]
    assert [link.stage for link in stage_chain("Co")] == [Stage.MINE, Stage.REFINED]


def test_default_chain_follows_the_usgs_series() -> None:
    assert [link.stage for link in stage_chain("tin")] == [Stage.MINE]
    assert [link.stage for link in stage_chain("bismuth")] == [Stage.REFINED]


def test_iea_refining_shares_match_the_published_2024_figures() -> None:
    # history/README.md: China lithium 70.2%, cobalt 78.4%, graphite 95.7%, magnet REE 91.3%
    rows = stage_shares()
    obs = rows[(rows["dataset"] == "IEA_CMDE_2025") & (rows["year"] == 2024)]
    refined = obs[(obs["stage"] == "refined") & (obs["iso3"] == "CHN")].set_index("material")
    assert refined.loc["lithium", "share"] == pytest.approx(0.7023)
    assert refined.loc["cobalt", "share"] == pytest.approx(0.7841)
    assert refined.loc["graphite (natural)", "share"] == pytest.approx(0.9571)
    assert refined.loc["rare earths", "share"] == pytest.approx(0.9128)
    idn = obs[(obs["material"] == "nickel") & (obs["stage"] == "refined") & (obs["iso3"] == "IDN")]
    assert float(idn["share"].iloc[0]) == pytest.approx(0.4286)


def test_iea_shares_are_value_over_total() -> None:
    iea = load_iea_supply()
    ok = iea["total_kt"] > 0
    computed = iea.loc[ok, "value_kt"] / iea.loc[ok, "total_kt"]
    assert (computed - iea.loc[ok, "share_of_total"]).abs().max() < 6e-5


def test_unsourced_stages_stay_unknown() -> None:
    rows = stage_shares("rare earths")
    assert set(rows["stage"]) == {"mine", "refined"}  # no metal or magnet shares are invented
    with pytest.raises(NoDataError, match="tin"):
        stage_shares("tin")


def test_every_row_has_a_year_and_a_share_in_range() -> None:
    rows = stage_shares()
    assert rows["year"].between(2017, 2040).all()
    assert set(rows["year_basis"]) <= {"data", "publication"}
    shares = rows["share"].dropna()
    assert ((shares >= 0) & (shares <= 1)).all()


def test_ownership_is_its_own_dimension() -> None:
    own = load_stage_ownership()
    nickel = own[(own["material"] == "nickel") & (own["iso3"] == "IDN")]
    assert float(nickel["share"].iloc[0]) == pytest.approx(0.75)
    assert nickel["owner_iso3"].iloc[0] == "CHN"
    assert (own["source_url"].str.startswith("http")).all()


def test_point_facts_cover_one_country_each() -> None:
    facts = load_processing_shares()
    assert not facts.duplicated(["material", "stage", "data_year"]).any()
    ga = facts[facts["material"] == "gallium"]
    assert math.isclose(float(ga["share"].iloc[0]), 0.988)


def test_ownership_share_above_one_is_refused() -> None:
    text = (
        "material,stage,country,iso3,owner,owner_iso3,share,measure,data_year,source,"
        "source_url,reliability,note\n"
        "nickel,refined,Indonesia,IDN,x,CHN,-0.2,capacity,2023,s,http://x,B,\n"
    )
    with pytest.raises(ReferenceDataError, match="negative"):
        parse_table(text, tables.STAGE_OWNERSHIP, file="ownership.csv")


def test_unknown_stage_name_is_refused() -> None:
    text = "material,stage,order,form,description,source_id\ncobalt,smelt,1,ore,x,IEA_CMDE_2025\n"
    with pytest.raises(ReferenceDataError, match="stage"):
        parse_table(text, tables.STAGE_CHAINS, file="chains.csv")
