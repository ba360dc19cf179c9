"""Risk by stage, the bottleneck stage, ownership adjustment and the GeoPolRisk method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpile.reference import Stage
from stockpile.risk import (
    GeoPolRisk,
    OwnershipLink,
    RiskInputError,
    geopolrisk,
    geopolrisk_from_shares,
    material_profile,
    ownership_adjusted_hhi,
    parse_stage,
    political_instability,
    risk_table,
)
from stockpile.risk.concentration import Concentration, OtherCountries, ProducerShare


def _conc(shares: dict[str, float]) -> Concentration:
    prods = tuple(ProducerShare(k, k, v, v) for k, v in shares.items())
    return Concentration(
        material="x",
        stage="refinery",
        year=2024,
        unit="t",
        basis="",
        other=OtherCountries.DENOMINATOR_ONLY,
        total=None,
        world_published=None,
        hhi=float(sum((100 * v) ** 2 for v in shares.values())),
        top_producer=None,
        top_iso3=None,
        top_share=None,
        top3_share=None,
        producers=prods,
        missing=(),
        flags=(),
        source_id="test",
    )


def test_refined_stage_concentration_of_the_battery_materials() -> None:
    table = risk_table(stage="refined").set_index("material")
    for key, top, share in [
        ("lithium", "China", 0.7023),
        ("cobalt", "China", 0.7841),
        ("graphite (natural)", "China", 0.9571),
        ("rare earths", "China", 0.9128),
        ("nickel", "Indonesia", 0.4286),
    ]:
        row = table.loc[key]
        assert row["top_producer"] == top
        assert row["top_share"] == pytest.approx(share, abs=1e-4)
        assert "IEA_CMDE_2025" in row["source"]
        assert row["refined_source"] == "IEA CMDE 2025, 2024 observed"
    # HHI by hand from the IEA 2024 shares of the listed countries (rest of world excluded)
    li = [0.7023, 0.2039, 0.0545, 0.0179]
    assert table.loc["lithium", "hhi"] == pytest.approx(sum((100 * s) ** 2 for s in li))


def test_profile_lists_every_stage_and_names_the_bottleneck() -> None:
    p = material_profile("rare earths")
    assert [s.stage for s in p.stages] == [Stage.MINE, Stage.REFINED, Stage.METAL, Stage.MAGNET]
    assert [s.known for s in p.stages] == [True, True, False, False]
    metal = p.stages[2]
    assert metal.hhi is None and metal.governance is None and metal.series == ()
    assert p.bottleneck is not None and p.bottleneck.stage is Stage.REFINED
    assert any("unknown: metal, magnet" in f for f in p.flags)
    p.as_dict()  # JSON-ready


def test_bottleneck_is_the_highest_governance_weighted_stage() -> None:
    p = material_profile("cobalt")
    keys = {s.stage: s.risk_key for s in p.stages}
    assert p.bottleneck is not None
    assert p.bottleneck.risk_key == max(k for k in keys.values() if k is not None)


def test_eu_supply_risk_is_reported_with_its_missing_inputs() -> None:
    p = material_profile("cobalt")
    refined = next(s for s in p.stages if s.stage is Stage.REFINED)
    assert refined.eu is not None and refined.eu.supply_risk is None
    assert "EOL-RIR" in refined.eu.missing and refined.eu.hhi_wgi_global is not None


def test_ownership_moves_controlled_output_to_the_owner() -> None:
    conc = _conc({"IDN": 0.4, "CHN": 0.3, "PHL": 0.1})
    link = OwnershipLink("IDN", "CHN", 0.75, 2023, "test")
    # IDN 0.1, CHN 0.6, PHL 0.1 -> 100 + 3600 + 100
    assert ownership_adjusted_hhi(conc, (link,)) == pytest.approx(3800.0)
    assert ownership_adjusted_hhi(conc, (OwnershipLink("COD", "CHN", 0.5, 2024, "t"),)) is None


def test_nickel_refining_ownership_is_applied() -> None:
    p = material_profile("nickel")
    refined = next(s for s in p.stages if s.stage is Stage.REFINED)
    assert refined.ownership and refined.hhi_ownership is not None
    assert refined.hhi is not None and refined.hhi_ownership > refined.hhi


def test_parse_stage_names_the_chain() -> None:
    assert parse_stage("cobalt", "refinery") is Stage.REFINED
    with pytest.raises(RiskInputError, match="its stages: mine, refined"):
        parse_stage("cobalt", "magnet")
    with pytest.raises(RiskInputError, match="unknown stage"):
        parse_stage("cobalt", "smelt")


def test_geopolrisk_by_hand() -> None:
    # HHI 5000 -> 0.5; imports 60 t (g 0.8) + 40 t (g 0.2); production 100 t
    r = geopolrisk(
        hhi=5000.0, imports=[60.0, 40.0], instability=[0.8, 0.2], domestic_production=100.0
    )
    assert isinstance(r, GeoPolRisk)
    assert r.value == pytest.approx(0.5 * (0.8 * 60 + 0.2 * 40) / 200.0)
    assert r.import_dependency == pytest.approx(0.5)
    shares = geopolrisk_from_shares(
        hhi=5000.0,
        import_shares={"AAA": 0.6, "BBB": 0.4},
        instability=pd.Series({"AAA": 0.8, "BBB": 0.2}),
        import_dependency=0.5,
        importer="X",
    )
    assert shares.value == pytest.approx(r.value)


def test_geopolrisk_reports_uncovered_exporters_and_refuses_bad_input() -> None:
    r = geopolrisk_from_shares(
        hhi=10_000.0,
        import_shares={"AAA": 0.5, "ZZZ": 0.3},
        instability=pd.Series({"AAA": 1.0}),
        import_dependency=1.0,
        importer="X",
    )
    assert r.value == pytest.approx(0.5) and r.uncovered == ("ZZZ",)
    with pytest.raises(RiskInputError, match="instability"):
        geopolrisk(hhi=1.0, imports=[1.0], instability=[1.5], domestic_production=0.0)
    with pytest.raises(RiskInputError, match="import_dependency"):
        geopolrisk_from_shares(
            hhi=1.0,
            import_shares={},
            instability=pd.Series(dtype=float),
            import_dependency=2.0,
            importer="X",
        )


def test_political_instability_scale() -> None:
    wgi = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "year": 2023,
            "indicator": "PV",
            "estimate": [2.5, -2.5, 0.0],
        }
    )
    g = political_instability(wgi, year=2023)
    assert np.allclose(g.loc[["AAA", "BBB", "CCC"]].to_numpy(), [0.0, 1.0, 0.5])


def test_us_geopolrisk_is_in_the_profile() -> None:
    p = material_profile("gallium")
    assert p.geopolrisk_us is not None and 0 < p.geopolrisk_us.value <= 1
    assert p.geopolrisk_us.importer == "USA"


def test_source_labels_name_the_stage_once() -> None:
    # USGS calls the material "titanium sponge metal" and its stage "sponge metal"
    p = material_profile("titanium sponge metal")
    labels = [s.label for st in p.stages for s in st.series]
    assert labels and all("sponge metal sponge metal" not in lab for lab in labels)
    assert any(lab.startswith("USGS MCS 2026, titanium sponge metal, ") for lab in labels)
    cobalt = [s.label for st in material_profile("cobalt").stages for s in st.series]
    assert any(lab.startswith("USGS MCS 2026, cobalt mine, ") for lab in cobalt)
