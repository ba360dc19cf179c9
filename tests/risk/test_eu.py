"""The EU supply-risk and economic-importance formulas and the EU 2023 HHI_WGI,t."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpile.risk import (
    EI_THRESHOLD,
    SR_THRESHOLD,
    EuScope,
    EuStage,
    NoRiskDataError,
    RiskInputError,
    eu_criticality,
    eu_economic_importance,
    eu_hhi_wgi,
    eu_import_reliance,
    eu_supply_risk,
    scale_value_added,
)


def test_supply_risk_by_hand() -> None:
    # [3 * 0.6/2 + 1 * (1 - 0.6/2)] * (1 - 0.1) * 0.9 = 1.6 * 0.81
    sr = eu_supply_risk(
        hhi_wgi_global=3.0, hhi_wgi_eu=1.0, import_reliance=0.6, eol_rir=0.1, si_sr=0.9
    )
    assert sr == pytest.approx(1.296)
    # no import reliance: only EU sourcing counts
    assert eu_supply_risk(
        hhi_wgi_global=9.0, hhi_wgi_eu=2.0, import_reliance=0.0, eol_rir=0.0, si_sr=1.0
    ) == pytest.approx(2.0)


def test_supply_risk_has_no_silent_defaults() -> None:
    with pytest.raises(TypeError):
        eu_supply_risk(hhi_wgi_global=3.0, hhi_wgi_eu=1.0, import_reliance=0.6)  # type: ignore[call-arg]


@pytest.mark.parametrize("field", ["import_reliance", "eol_rir", "si_sr"])
def test_supply_risk_rejects_fractions_out_of_range(field: str) -> None:
    kw = {
        "hhi_wgi_global": 1.0,
        "hhi_wgi_eu": 1.0,
        "import_reliance": 0.5,
        "eol_rir": 0.1,
        "si_sr": 0.9,
    }
    kw[field] = 1.5
    with pytest.raises(RiskInputError, match=field):
        eu_supply_risk(**kw)


def test_import_reliance_is_clipped() -> None:
    assert eu_import_reliance(50.0, 200.0) == pytest.approx(0.25)
    assert eu_import_reliance(-10.0, 100.0) == 0.0
    assert eu_import_reliance(300.0, 100.0) == 1.0
    with pytest.raises(RiskInputError, match="apparent_consumption"):
        eu_import_reliance(1.0, 0.0)


def test_economic_importance_by_hand() -> None:
    q = scale_value_added([80.0, 50.0, 20.0], 100.0)
    assert list(q) == pytest.approx([8.0, 5.0, 2.0])
    ei = eu_economic_importance(end_use_shares=[0.5, 0.3, 0.2], scaled_value_added=q, si_ei=0.95)
    assert ei == pytest.approx((4.0 + 1.5 + 0.4) * 0.95)
    with pytest.raises(RiskInputError, match="end_use_shares"):
        eu_economic_importance(end_use_shares=[0.8, 0.3], scaled_value_added=[1, 1], si_ei=1.0)


def test_thresholds() -> None:
    assert SR_THRESHOLD == 1.0 and EI_THRESHOLD == 2.8
    assert eu_criticality(1.0, 2.8).is_critical
    assert not eu_criticality(0.99, 9.0).is_critical
    assert not eu_criticality(4.0, 2.79).is_critical


def test_eu_hhi_wgi_small_case_with_eu_names() -> None:
    shares = pd.DataFrame(
        {
            "material": ["Widget"] * 3,
            "stage": ["E"] * 3,
            "scope": ["global_supply"] * 3,
            "country": ["Brasil", "Congo, D.R.", "Atlantis"],
            "share_pct": [60.0, 30.0, 10.0],
            "trade_param_t": [1.0, 1.2, 1.0],
        }
    )
    scores = pd.DataFrame(
        {"country": ["Brazil", "Congo, Dem. Rep."], "wgi_scaled": [5.0, 8.0]},
        index=pd.Index(["BRA", "COD"], name="iso3"),
    )
    g = eu_hhi_wgi(shares, scores, material="widget", stage="E")
    assert g.value == pytest.approx(0.36 * 5.0 + 0.09 * 8.0 * 1.2)
    assert [u.country for u in g.uncovered] == ["Atlantis"]
    with pytest.raises(NoRiskDataError, match="available: E/global_supply"):
        eu_hhi_wgi(shares, scores, material="widget", stage=EuStage.PROCESSING)
    with pytest.raises(RiskInputError, match="stage"):
        eu_hhi_wgi(shares, scores, material="widget", stage="X")


def test_eu_bundled_materials_have_full_governance_coverage(
    eu_shares: pd.DataFrame, scores: pd.DataFrame
) -> None:
    names = sorted({str(m) for m in eu_shares["material"]})
    assert len(names) == 14
    for name in names:
        g = eu_hhi_wgi(
            eu_shares,
            scores,
            material=name,
            stage=str(eu_shares[eu_shares["material"] == name]["stage"].iloc[0]),
            scope=EuScope.GLOBAL_SUPPLY,
        )
        assert g.value is not None and 0 < g.value <= 10
        assert not g.uncovered, (name, g.uncovered)


def test_eu_gallium_processing_is_china_dominated(
    eu_shares: pd.DataFrame, scores: pd.DataFrame
) -> None:
    g = eu_hhi_wgi(eu_shares, scores, material="Gallium", stage="P")
    rows = eu_shares[
        (eu_shares["material"] == "Gallium")
        & (eu_shares["stage"] == "P")
        & (eu_shares["scope"] == "global_supply")
    ]
    china = float(rows[rows["country"] == "China"]["share_pct"].iloc[0]) / 100
    lower = (
        china**2
        * float(scores.at["CHN", "wgi_scaled"])
        * float(rows[rows["country"] == "China"]["trade_param_t"].iloc[0])
    )
    assert g.value is not None and g.value >= lower * 0.999
