"""Governance regimes as data, plus small rule functions.

A regime says which legal bases and purposes may release material, whether a written report
follows each release, how long the notice period before a disposal is, whether disposals need
an authorisation by law, whether acquisitions need an Annual Materials Plan line, and the
release lead times. New regimes are added with :func:`register_regime`; the ledger core only
calls :func:`check_release`, :func:`check_disposal` and :func:`get_regime`.

Sources: 50 U.S.C. 98 et seq. (98a(c), 98d(b), 98f(a)-(b)) and Executive Order 14051 for
``us-nds``; JOGMEC/METI International Resource Strategy (2020) for ``japan-jogmec``; the Korean
National Program for Metal Stockpiling (IEA policy entry, Jan 2024) for ``korea-pps``;
Regulation (EU) 2024/1252 art. 22 for ``eu-crma``; China's NFSRA 2021 auctions for
``market-stabilization`` (see ``docs/ledger.md`` and ``/reference-data/stockpile_programs.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from stockpile.ledger.errors import GovernanceError, InvalidInputError

__all__ = [
    "LegalBasis",
    "Purpose",
    "Regime",
    "ReleaseContext",
    "ReleaseDecision",
    "Verdict",
    "check_disposal",
    "check_release",
    "get_regime",
    "regimes",
    "register_regime",
]


class Purpose(StrEnum):
    """Why material is released."""

    NATIONAL_DEFENCE = "national-defence"
    DEFENCE_PRODUCTION = "defence-production"
    ESSENTIAL_CIVILIAN = "essential-civilian"
    SUPPLY_DISRUPTION = "supply-disruption"
    PRICE_STABILISATION = "price-stabilisation"
    COMMERCIAL = "commercial"
    ECONOMIC = "economic"
    BUDGETARY = "budgetary"


class LegalBasis(StrEnum):
    """The instrument that orders a release."""

    PRESIDENTIAL_ORDER = "presidential-order"
    DESIGNATED_OFFICER_ORDER = "designated-officer-order"
    USD_AS_DETERMINATION = "usd-as-determination"
    MINISTERIAL_REQUEST = "ministerial-request"
    COMMISSION_DECISION = "commission-decision"
    PRICE_TRIGGER = "price-trigger"
    BOARD_DECISION = "board-decision"
    NONE = "none"


class Verdict(StrEnum):
    """Outcome of a rule check."""

    ALLOWED = "allowed"
    REFUSED = "refused"


@dataclass(frozen=True)
class ReleaseContext:
    """Facts a release rule may depend on.

    Attributes
    ----------
    emergency
        A war declared by Congress or a declared national emergency (U.S.), or an emergency
        release (Korea: 8-day lead time instead of 30).
    """

    emergency: bool = False


@dataclass(frozen=True)
class ReleaseDecision:
    """Decision of a regime on a release request."""

    verdict: Verdict
    reason: str
    report_required: bool
    lead_time_days: int | None

    @property
    def allowed(self) -> bool:
        """True when the release may proceed to approval."""
        return self.verdict is Verdict.ALLOWED


@dataclass(frozen=True)
class Regime:
    """A governance regime.

    Attributes
    ----------
    key, name
        Identifier and display name.
    purposes
        Purposes accepted for a release.
    bases
        Legal bases accepted, each with the purposes it covers (subset of ``purposes``).
    emergency_only_bases
        Bases valid only when ``ReleaseContext.emergency`` is true.
    forbidden_purposes
        Purposes refused whatever the basis (U.S.: economic, budgetary).
    report_to
        Addressee of the written report each executed release creates ('' = none).
    disposal_needs_law
        Disposals need an authorisation by law (a recorded reference with a quantity).
    disposal_notice_days
        Notice period before an authorised disposal can take effect [day].
    goal_notice_days
        Notice period before a change of a stockpile goal takes effect [day].
    acquisition_needs_plan
        Receipts must fit an Annual Materials Plan line for the material and fiscal year.
    lead_time_days, emergency_lead_time_days
        Release lead times [day] (None: not set by the regime).
    target_days
        Stock target in days of consumption or net imports [day] (None: not published).
    price_rules
        Market stabilisation: a release is an auction batch allowed only while the market
        price is above the release trigger, to eligible bidders within a per-bidder cap and
        a batch limit, with no resale; a purchase only while the price is below the floor
        (the figures are data: ``set_stabilization_rule``).
    source
        Where the rules come from.
    """

    key: str
    name: str
    purposes: frozenset[Purpose]
    bases: dict[LegalBasis, frozenset[Purpose]]
    emergency_only_bases: frozenset[LegalBasis] = frozenset()
    forbidden_purposes: frozenset[Purpose] = frozenset()
    report_to: str = ""
    disposal_needs_law: bool = False
    disposal_notice_days: int = 0
    goal_notice_days: int = 0
    acquisition_needs_plan: bool = False
    lead_time_days: int | None = None
    emergency_lead_time_days: int | None = None
    target_days: int | None = None
    price_rules: bool = False
    source: str = ""
    notes: tuple[str, ...] = field(default=())


_DEFENCE = frozenset({Purpose.NATIONAL_DEFENCE, Purpose.DEFENCE_PRODUCTION})
_SUPPLY = frozenset({Purpose.SUPPLY_DISRUPTION, Purpose.ESSENTIAL_CIVILIAN})

_REGIMES: dict[str, Regime] = {}


def register_regime(regime: Regime) -> None:
    """Add (or replace) a regime in the registry."""
    bad = {p for ps in regime.bases.values() for p in ps} - regime.purposes
    if bad:
        raise InvalidInputError("regime.bases", f"purposes {sorted(bad)} not in regime.purposes")
    _REGIMES[regime.key] = regime


def regimes() -> tuple[Regime, ...]:
    """All registered regimes, by key."""
    return tuple(_REGIMES[k] for k in sorted(_REGIMES))


def get_regime(key: str) -> Regime:
    """Look a regime up by key.

    Raises
    ------
    InvalidInputError
        Unknown key (the message lists the known ones).
    """
    try:
        return _REGIMES[key]
    except KeyError:
        raise InvalidInputError(
            "regime", f"unknown regime {key!r}; known: {', '.join(sorted(_REGIMES))}"
        ) from None


def check_release(
    regime: Regime, basis: LegalBasis, purpose: Purpose, context: ReleaseContext
) -> ReleaseDecision:
    """Decide whether a release with this basis and purpose may proceed under ``regime``."""
    lead = regime.emergency_lead_time_days if context.emergency else regime.lead_time_days
    report = bool(regime.report_to)

    def refuse(reason: str) -> ReleaseDecision:
        return ReleaseDecision(Verdict.REFUSED, reason, report, lead)

    if purpose in regime.forbidden_purposes:
        return refuse(f"purpose {purpose.value!r} is never allowed under {regime.key}")
    if purpose not in regime.purposes:
        return refuse(f"purpose {purpose.value!r} is not a release purpose under {regime.key}")
    covered = regime.bases.get(basis)
    if covered is None:
        return refuse(f"legal basis {basis.value!r} is not accepted under {regime.key}")
    if basis in regime.emergency_only_bases and not context.emergency:
        return refuse(
            f"legal basis {basis.value!r} needs a declared war or national emergency "
            f"under {regime.key}"
        )
    if purpose not in covered:
        return refuse(f"legal basis {basis.value!r} does not cover purpose {purpose.value!r}")
    return ReleaseDecision(Verdict.ALLOWED, "accepted", report, lead)


def check_disposal(regime: Regime, *, authorisation_effective_on: date | None, on: date) -> None:
    """Refuse a disposal the regime does not allow yet.

    Raises
    ------
    GovernanceError
        No authorisation by law where one is needed, or the notice period has not run.
    """
    if not regime.disposal_needs_law:
        return
    if authorisation_effective_on is None:
        raise GovernanceError(
            "authorisation", f"disposals under {regime.key} need an authorisation by law"
        )
    if on < authorisation_effective_on:
        raise GovernanceError(
            "date",
            f"the {regime.disposal_notice_days}-day notice period runs until "
            f"{authorisation_effective_on.isoformat()}",
        )


def notice_end(regime: Regime, notified_on: date) -> date:
    """Date an authorised disposal may take effect (notice date + notice period)."""
    return notified_on + timedelta(days=regime.disposal_notice_days)


register_regime(
    Regime(
        key="us-nds",
        name="U.S. National Defense Stockpile (50 U.S.C. 98 et seq.)",
        purposes=_DEFENCE,
        bases={
            LegalBasis.PRESIDENTIAL_ORDER: _DEFENCE,
            LegalBasis.DESIGNATED_OFFICER_ORDER: _DEFENCE,
            LegalBasis.USD_AS_DETERMINATION: frozenset({Purpose.DEFENCE_PRODUCTION}),
        },
        emergency_only_bases=frozenset({LegalBasis.DESIGNATED_OFFICER_ORDER}),
        forbidden_purposes=frozenset({Purpose.ECONOMIC, Purpose.BUDGETARY}),
        report_to="Senate and House Armed Services Committees",
        disposal_needs_law=True,
        disposal_notice_days=45,
        goal_notice_days=45,
        acquisition_needs_plan=True,
        source="50 U.S.C. 98a(c), 98d, 98f(a)-(b); Executive Order 14051 (2021)",
    )
)
register_regime(
    Regime(
        key="japan-jogmec",
        name="Japan, JOGMEC national rare-metal stockpile",
        purposes=_SUPPLY,
        bases={LegalBasis.MINISTERIAL_REQUEST: _SUPPLY},
        target_days=60,
        source="METI International Resource Strategy (2020), via IEA policy 16639",
        notes=("target 60 days, up to 180 for high geopolitical risk; holdings undisclosed",),
    )
)
register_regime(
    Regime(
        key="korea-pps",
        name="Korea, PPS / KOMIR metal stockpile",
        purposes=_SUPPLY,
        bases={LegalBasis.MINISTERIAL_REQUEST: _SUPPLY},
        lead_time_days=30,
        emergency_lead_time_days=8,
        target_days=100,
        source="National Program for Metal Stockpiling (IEA policy 17940, Jan 2024)",
        notes=("rare metals 100 days, non-ferrous 60 days",),
    )
)
register_regime(
    Regime(
        key="eu-crma",
        name="EU Critical Raw Materials Act (Regulation (EU) 2024/1252)",
        purposes=_SUPPLY | _DEFENCE,
        bases={LegalBasis.COMMISSION_DECISION: _SUPPLY | _DEFENCE},
        source="Regulation (EU) 2024/1252, art. 22 (stocks in days of average net imports)",
        notes=(
            "the regulation sets benchmarks in days of net imports and leaves release rules to "
            "member states; commission-decision stands for a coordinated release",
        ),
    )
)
register_regime(
    Regime(
        key="market-stabilization",
        name="State reserve with price-stabilisation auctions (China NFSRA, 2021)",
        purposes=frozenset({Purpose.PRICE_STABILISATION}),
        bases={LegalBasis.PRICE_TRIGGER: frozenset({Purpose.PRICE_STABILISATION})},
        price_rules=True,
        source="NFSRA 2021 auctions (stockpile_programs.csv CN-NFSRA-2021-B1, -B2, -B4)",
        notes=(
            "sold by auction in batches to eligible bidders (2021: processors only), with a "
            "per-bidder cap (2005 copper: 1,000 t) and no resale; bought below a price floor",
        ),
    )
)
register_regime(
    Regime(
        key="company",
        name="Company or consortium reserve",
        purposes=_SUPPLY | frozenset({Purpose.COMMERCIAL}),
        bases={LegalBasis.BOARD_DECISION: _SUPPLY | frozenset({Purpose.COMMERCIAL})},
        source="a company's own rules: a board decision releases material for its own use",
    )
)
