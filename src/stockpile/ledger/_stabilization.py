"""Market stabilisation: price-triggered auction releases and floor-priced purchases.

Under a regime with ``price_rules`` (``market-stabilization``, the way China's state reserve
works) the figures are data, one :class:`~stockpile.ledger.models.StabilizationRule` per
material (or one for the whole stockpile, material ``''``; a material's own rule wins):

* a release is an auction batch: allowed only while the market price is **above** the
  release trigger; every award goes to a bidder of an eligible class (e.g. ``processor``),
  no bidder gets more than the per-bidder cap in the batch, the batch is at most the batch
  limit, and each award carries the no-resale condition;
* a purchase (receipt) is allowed only while the market price is **below** the floor.

The market price is the one the caller passes [USD/kg], recorded as "given", or else the
ledger's reference price (the same series that values the lots, see
:mod:`stockpile.ledger.valuation`), recorded with its source, year and basis.

China's NFSRA 2021 batches (``stockpile_programs.csv`` CN-NFSRA-2021-B1, -B2, -B4) were
copper 20-30 kt, zinc 30-50 kt and aluminium 50-90 kt, sold online to processors only with
no resale; its 2005 copper auctions capped each bidder at 1,000 t. No trigger or floor
prices are published: rules carry only the figures their user gives, with a source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger._ops import OperationKind, Role, material_key, operation, text
from stockpile.ledger.errors import GovernanceError, InvalidInputError, LimitExceededError
from stockpile.ledger.models import AuctionAward, AuctionBatch, StabilizationRule

__all__ = [
    "AuctionBid",
    "AwardView",
    "MarketPrice",
    "StabilizationRuleView",
    "list_auction_awards",
    "list_stabilization_rules",
    "set_stabilization_rule",
]

STOCKPILE_WIDE = ""
_PRICE_MAX = Decimal(10) ** 12  # [USD per unit]: stored in 10**-6 USD in a 64-bit integer


@dataclass(frozen=True)
class AuctionBid:
    """A winning bid of an auction batch, as given to ``request_release``.

    Attributes
    ----------
    bidder
        Name of the buyer.
    bidder_class
        Its class (e.g. ``processor``, ``trader``), checked against the eligible classes.
    quantity
        Quantity awarded [release unit].
    price
        Price paid [USD per release unit].
    """

    bidder: str
    bidder_class: str
    quantity: num.Number
    price: num.Number


@dataclass(frozen=True)
class MarketPrice:
    """The market price a price rule was checked against [USD/kg] and where it came from."""

    usd_per_kg: Decimal
    source: str


@dataclass(frozen=True)
class StabilizationRuleView:
    """A price rule (material ``''``: the whole stockpile) [USD/kg; ``unit``]."""

    material: str
    release_trigger: Decimal | None
    purchase_floor: Decimal | None
    eligible_classes: tuple[str, ...]
    bidder_cap: Decimal | None
    batch_limit: Decimal | None
    unit: str
    source: str


@dataclass(frozen=True)
class AwardView:
    """An award of an auction batch [unit; USD per unit; USD]."""

    batch: str
    release_id: int
    bidder: str
    bidder_class: str
    quantity: Decimal
    unit: str
    price: Decimal
    proceeds: Decimal
    no_resale: bool
    reference_price: Decimal
    price_source: str


def _optional_price(value: num.Number | None, field: str) -> Decimal | None:
    if value is None:
        return None
    price = num.to_decimal(value, field)
    if not 0 < price < _PRICE_MAX:
        raise InvalidInputError(field, f"must be positive and below {_PRICE_MAX}, got {price}")
    return price.quantize(Decimal("0.000001"))


def _classes(values: Sequence[str]) -> tuple[str, ...]:
    out = []
    for v in values:
        c = text(v, "eligible_classes").lower()
        if "," in c:
            raise InvalidInputError("eligible_classes", f"{v!r}: one class per item")
        out.append(c)
    return tuple(sorted(set(out)))


def set_stabilization_rule(
    session: Session,
    *,
    unit: str,
    actor: str,
    material: str | None = None,
    release_trigger: num.Number | None = None,
    purchase_floor: num.Number | None = None,
    eligible_classes: Sequence[str] = (),
    bidder_cap: num.Number | None = None,
    batch_limit: num.Number | None = None,
    source: str = "",
) -> None:
    """Create or replace the price rule of a material (None: of the whole stockpile).

    Parameters
    ----------
    unit
        Unit of ``bidder_cap`` and ``batch_limit`` (a mass unit, e.g. ``t``).
    release_trigger
        Releases only while the market price is above it [USD/kg]; None: no releases.
    purchase_floor
        Purchases only while the market price is below it [USD/kg]; None: no purchases.
    eligible_classes
        Bidder classes that may be awarded (e.g. ``("processor",)``); empty: any class.
    bidder_cap, batch_limit
        Most one bidder may get in a batch, and the most a batch may hold [unit];
        None: no limit.
    """
    unit = num.check_unit(unit)
    mat = STOCKPILE_WIDE if material is None else material_key(material)
    trigger = _optional_price(release_trigger, "release_trigger")
    floor = _optional_price(purchase_floor, "purchase_floor")
    if trigger is not None and floor is not None and floor > trigger:
        raise InvalidInputError(
            "purchase_floor", f"floor {floor} USD/kg is above the release trigger {trigger}"
        )
    classes = _classes(eligible_classes)
    cap = None if bidder_cap is None else num.quantity(bidder_cap, "bidder_cap")
    limit = None if batch_limit is None else num.quantity(batch_limit, "batch_limit")
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=frozenset({Role.ADMIN}),
        at=None,
        summary={
            "stabilization_rule": mat,
            "trigger": trigger,
            "floor": floor,
            "classes": ",".join(classes),
            "bidder_cap": cap,
            "batch_limit": limit,
            "unit": unit,
        },
    ) as op:
        row = op.session.scalars(
            select(StabilizationRule).where(StabilizationRule.material == mat)
        ).first()
        if row is None:
            row = StabilizationRule(material=mat)
            op.session.add(row)
        row.release_trigger, row.purchase_floor = trigger, floor
        row.eligible_classes = ",".join(classes)
        row.bidder_cap, row.batch_limit, row.unit, row.source = cap, limit, unit, source


def _rule_view(row: StabilizationRule) -> StabilizationRuleView:
    return StabilizationRuleView(
        row.material,
        row.release_trigger,
        row.purchase_floor,
        tuple(c for c in row.eligible_classes.split(",") if c),
        row.bidder_cap,
        row.batch_limit,
        row.unit,
        row.source,
    )


def list_stabilization_rules(session: Session) -> list[StabilizationRuleView]:
    """Every price rule, the stockpile-wide one (material ``''``) first."""
    rows = session.scalars(select(StabilizationRule).order_by(StabilizationRule.material))
    return [_rule_view(r) for r in rows]


def list_auction_awards(session: Session, *, release_id: int | None = None) -> list[AwardView]:
    """Awards of every auction batch (or of one release), in batch then award order."""
    stmt = (
        select(AuctionAward, AuctionBatch)
        .join(AuctionBatch, AuctionBatch.id == AuctionAward.batch_id)
        .order_by(AuctionBatch.id, AuctionAward.id)
    )
    if release_id is not None:
        stmt = stmt.where(AuctionBatch.release_id == release_id)
    return [
        AwardView(
            b.name,
            b.release_id,
            a.bidder,
            a.bidder_class,
            a.quantity,
            a.unit,
            a.price,
            a.proceeds,
            a.no_resale,
            b.reference_price,
            b.price_source,
        )
        for a, b in session.execute(stmt)
    ]


def rule_for(session: Session, material: str) -> StabilizationRule:
    """The material's price rule, else the stockpile-wide one.

    Raises
    ------
    GovernanceError
        Neither exists.
    """
    rows = {
        r.material: r
        for r in session.scalars(
            select(StabilizationRule).where(
                StabilizationRule.material.in_([material, STOCKPILE_WIDE])
            )
        )
    }
    row = rows.get(material) or rows.get(STOCKPILE_WIDE)
    if row is None:
        raise GovernanceError(
            "stabilization_rule", f"no price rule for {material} (set_stabilization_rule)"
        )
    return row


def market_price(material: str, given: num.Number | None, field: str) -> MarketPrice:
    """The price given by the caller [USD/kg], else the ledger's reference price."""
    price = _optional_price(given, field)
    if price is not None:
        return MarketPrice(price, "given by the caller")
    from stockpile.ledger.valuation import reference_book

    ref = reference_book().prices.get(material)
    if ref is None:
        raise GovernanceError(field, f"no reference price for {material}; give one [USD/kg]")
    return MarketPrice(
        ref.usd_per_kg,
        f"reference price {ref.source_id} {ref.year} ({ref.price_basis}; USD/kg {ref.substance})",
    )


def check_purchase_price(session: Session, material: str, price: MarketPrice) -> str:
    """Refuse a purchase unless the price is below the floor; returns the memo to record."""
    rule = rule_for(session, material)
    floor = rule.purchase_floor
    if floor is None:
        raise GovernanceError("purchase_floor", f"no purchase floor is set for {material}")
    if price.usd_per_kg >= floor:
        raise GovernanceError(
            "price_usd_per_kg",
            f"{material} at {price.usd_per_kg} USD/kg ({price.source}) is not below the "
            f"purchase floor {floor}",
        )
    return f"price {price.usd_per_kg} USD/kg below floor {floor} ({price.source})"


def record_auction(
    session: Session,
    *,
    release_id: int,
    material: str,
    quantity: Decimal,
    unit: str,
    batch: str | None,
    bids: Sequence[AuctionBid],
    price: MarketPrice,
) -> None:
    """Check an auction batch against the material's price rule and record it with its awards.

    Raises
    ------
    LedgerError
        No batch name or awards, a batch name used before, awards that do not add up to the
        release, a price not above the trigger, an ineligible bidder class, a bidder above
        the cap, a batch above the limit (the field is named in each case).
    """
    name = text(batch, "batch")
    if session.scalars(select(AuctionBatch).where(AuctionBatch.name == name)).first():
        raise InvalidInputError("batch", f"batch {name!r} was already auctioned")
    if not bids:
        raise InvalidInputError("awards", "an auction batch needs at least one award")
    rule = rule_for(session, material)
    trigger = rule.release_trigger
    if trigger is None:
        raise GovernanceError("release_trigger", f"no release trigger is set for {material}")
    if price.usd_per_kg <= trigger:
        raise GovernanceError(
            "price_usd_per_kg",
            f"{material} at {price.usd_per_kg} USD/kg ({price.source}) is not above the "
            f"release trigger {trigger}",
        )
    eligible = {c for c in rule.eligible_classes.split(",") if c}
    awards: list[AuctionAward] = []
    per_bidder: dict[str, Decimal] = {}
    for i, bid in enumerate(bids):
        field = f"awards[{i}]"
        bidder = text(bid.bidder, f"{field}.bidder")
        cls = text(bid.bidder_class, f"{field}.bidder_class").lower()
        if eligible and cls not in eligible:
            raise GovernanceError(
                f"{field}.bidder_class",
                f"{bidder!r} is a {cls!r}; eligible: {', '.join(sorted(eligible))}",
            )
        qty = num.quantity(bid.quantity, f"{field}.quantity")
        unit_price = _optional_price(bid.price, f"{field}.price")
        if unit_price is None:
            raise InvalidInputError(f"{field}.price", "a bid needs a price [USD per unit]")
        key = bidder.casefold()
        per_bidder[key] = per_bidder.get(key, Decimal(0)) + num.convert(qty, unit, rule.unit)
        if rule.bidder_cap is not None and per_bidder[key] > rule.bidder_cap:
            raise LimitExceededError(
                f"{field}.quantity",
                f"{bidder!r} would get {per_bidder[key]} {rule.unit} in batch {name!r}; "
                f"the per-bidder cap is {rule.bidder_cap}",
            )
        proceeds = num.round_money(qty * unit_price)
        if proceeds >= _PRICE_MAX * 1000:
            raise InvalidInputError(f"{field}.price", f"proceeds of {proceeds} USD are implausible")
        awards.append(
            AuctionAward(
                bidder=bidder,
                bidder_class=cls,
                quantity=qty,
                unit=unit,
                price=unit_price,
                proceeds=proceeds,
                no_resale=True,
            )
        )
    total = sum((a.quantity for a in awards), Decimal(0))
    if total != quantity:
        raise InvalidInputError(
            "awards", f"the awards add up to {total} {unit}, the release is {quantity}"
        )
    in_rule_unit = num.convert(total, unit, rule.unit)
    if rule.batch_limit is not None and in_rule_unit > rule.batch_limit:
        raise LimitExceededError(
            "quantity",
            f"batch {name!r} of {in_rule_unit} {rule.unit} exceeds the batch limit "
            f"{rule.batch_limit}",
        )
    from stockpile.ledger.movements import _transaction_fund

    _transaction_fund(session, None)
    row = AuctionBatch(
        name=name,
        release_id=release_id,
        reference_price=price.usd_per_kg,
        price_source=price.source,
        release_trigger=trigger,
    )
    session.add(row)
    session.flush()
    for a in awards:
        a.batch_id = row.id
    session.add_all(awards)


def auction_proceeds(session: Session, release_id: int) -> tuple[str, Decimal] | None:
    """The batch name and total proceeds [USD] of a release, None if it is not an auction."""
    row = session.scalars(select(AuctionBatch).where(AuctionBatch.release_id == release_id)).first()
    if row is None:
        return None
    total = sum(
        session.scalars(select(AuctionAward.proceeds).where(AuctionAward.batch_id == row.id)),
        Decimal(0),
    )
    return row.name, total
