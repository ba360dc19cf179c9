"""The governance table: every legal basis x purpose x regime (x emergency), by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from stockpile import ledger
from stockpile.ledger import LegalBasis as B
from stockpile.ledger import Purpose as P

from .conftest import seed_users

_ALL_DEFENCE = {P.NATIONAL_DEFENCE, P.DEFENCE_PRODUCTION}
_SUPPLY = {P.SUPPLY_DISRUPTION, P.ESSENTIAL_CIVILIAN}

# (regime, emergency) -> the allowed (basis, purpose) pairs; everything else is refused.
EXPECTED: dict[tuple[str, bool], set[tuple[B, P]]] = {
    # 50 U.S.C. 98f(a)(1): the President, for national defence, at any time;
    # 98f(a)(3) + EO 14051: USD(A&S) for use, manufacture or production for national defence.
    ("us-nds", False): {(B.PRESIDENTIAL_ORDER, p) for p in _ALL_DEFENCE}
    | {(B.USD_AS_DETERMINATION, P.DEFENCE_PRODUCTION)},
    # 98f(a)(2): in war or national emergency, also a designated officer.
    ("us-nds", True): {(B.PRESIDENTIAL_ORDER, p) for p in _ALL_DEFENCE}
    | {(B.USD_AS_DETERMINATION, P.DEFENCE_PRODUCTION)}
    | {(B.DESIGNATED_OFFICER_ORDER, p) for p in _ALL_DEFENCE},
    ("japan-jogmec", False): {(B.MINISTERIAL_REQUEST, p) for p in _SUPPLY},
    ("japan-jogmec", True): {(B.MINISTERIAL_REQUEST, p) for p in _SUPPLY},
    ("korea-pps", False): {(B.MINISTERIAL_REQUEST, p) for p in _SUPPLY},
    ("korea-pps", True): {(B.MINISTERIAL_REQUEST, p) for p in _SUPPLY},
    ("eu-crma", False): {(B.COMMISSION_DECISION, p) for p in _SUPPLY | _ALL_DEFENCE},
    ("eu-crma", True): {(B.COMMISSION_DECISION, p) for p in _SUPPLY | _ALL_DEFENCE},
    ("market-stabilization", False): {(B.PRICE_TRIGGER, P.PRICE_STABILISATION)},
    ("market-stabilization", True): {(B.PRICE_TRIGGER, P.PRICE_STABILISATION)},
    ("company", False): {(B.BOARD_DECISION, p) for p in _SUPPLY | {P.COMMERCIAL}},
    ("company", True): {(B.BOARD_DECISION, p) for p in _SUPPLY | {P.COMMERCIAL}},
}


def test_every_registered_regime_is_in_the_table() -> None:
    assert {r.key for r in ledger.regimes()} == {k for k, _ in EXPECTED}


@pytest.mark.parametrize(("regime", "emergency"), sorted(EXPECTED))
def test_governance_table(regime: str, emergency: bool) -> None:
    r = ledger.get_regime(regime)
    allowed = EXPECTED[(regime, emergency)]
    wrong = []
    for basis in B:
        for purpose in P:
            d = ledger.check_release(r, basis, purpose, ledger.ReleaseContext(emergency))
            if d.allowed != ((basis, purpose) in allowed):
                wrong.append((basis.value, purpose.value, d.verdict.value, d.reason))
            if not d.allowed:
                assert d.reason and d.reason != "accepted"
    assert wrong == []


@pytest.mark.parametrize("basis", list(B))
def test_economic_and_budgetary_never_released_under_us_nds(basis: B) -> None:
    r = ledger.get_regime("us-nds")
    for emergency in (False, True):
        for purpose in (P.ECONOMIC, P.BUDGETARY):
            d = ledger.check_release(r, basis, purpose, ledger.ReleaseContext(emergency))
            assert not d.allowed
            assert "never allowed" in d.reason


def test_reports_and_lead_times() -> None:
    nds = ledger.check_release(
        ledger.get_regime("us-nds"),
        B.PRESIDENTIAL_ORDER,
        P.NATIONAL_DEFENCE,
        ledger.ReleaseContext(),
    )
    assert nds.report_required and nds.lead_time_days is None
    korea = ledger.get_regime("korea-pps")
    normal = ledger.check_release(
        korea, B.MINISTERIAL_REQUEST, P.SUPPLY_DISRUPTION, ledger.ReleaseContext(False)
    )
    urgent = ledger.check_release(
        korea, B.MINISTERIAL_REQUEST, P.SUPPLY_DISRUPTION, ledger.ReleaseContext(True)
    )
    assert (normal.lead_time_days, urgent.lead_time_days) == (30, 8)
    assert not normal.report_required
    assert ledger.get_regime("us-nds").disposal_notice_days == 45


def test_disposal_rules() -> None:
    nds = ledger.get_regime("us-nds")
    with pytest.raises(ledger.GovernanceError, match="authorisation by law"):
        ledger.check_disposal(nds, authorisation_effective_on=None, on=date(2026, 1, 1))
    with pytest.raises(ledger.GovernanceError, match="45-day"):
        ledger.check_disposal(
            nds, authorisation_effective_on=date(2026, 2, 15), on=date(2026, 2, 14)
        )
    ledger.check_disposal(nds, authorisation_effective_on=date(2026, 2, 15), on=date(2026, 2, 15))
    ledger.check_disposal(
        ledger.get_regime("company"), authorisation_effective_on=None, on=date(2026, 1, 1)
    )


def test_unknown_regime_names_the_known_ones() -> None:
    with pytest.raises(ledger.InvalidInputError, match="us-nds"):
        ledger.get_regime("utopia")


def test_a_new_regime_plugs_in_without_touching_the_core(session: Session) -> None:
    seed_users(session)
    ledger.register_regime(
        ledger.Regime(
            key="test-oil-style",
            name="collective action",
            purposes=frozenset({P.SUPPLY_DISRUPTION}),
            bases={B.COMMISSION_DECISION: frozenset({P.SUPPLY_DISRUPTION})},
        )
    )
    try:
        ledger.configure_stockpile(session, name="x", regime="test-oil-style", actor="ada")
        rid = ledger.request_release(
            session,
            material="cobalt",
            quantity=1,
            unit="t",
            recipient="members",
            purpose="supply-disruption",
            legal_basis="commission-decision",
            actor="ann",
        )
        assert rid == 1
        with pytest.raises(ledger.GovernanceError):
            ledger.request_release(
                session,
                material="cobalt",
                quantity=1,
                unit="t",
                recipient="members",
                purpose="commercial",
                legal_basis="commission-decision",
                actor="ann",
            )
    finally:
        from stockpile.ledger import governance

        governance._REGIMES.pop("test-oil-style")
