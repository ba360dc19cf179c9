"""Money spent and still open under contracts and spending caps, and the books by depot."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from stockpile.ledger import CapView, ContractStatus, ContractView, LotView

__all__ = ["DepotTotal", "SpendBars", "cap_spending", "contract_spending", "depot_totals"]


class SpendBars(BaseModel):
    """Per label, money spent and money still open [million USD] (stacked bars)."""

    model_config = ConfigDict(frozen=True)

    labels: tuple[str, ...]
    spent: tuple[float, ...]
    open: tuple[float, ...]


def _musd(value: Decimal) -> float:
    return float(value) / 1e6


def contract_spending(contracts: Sequence[ContractView]) -> SpendBars:
    """Spent and remaining under each contract's ceiling [million USD].

    Only an active contract has money remaining (never below zero); a cancelled or closed
    one shows what it spent, with its status in the label.
    """
    active = [c.status == ContractStatus.ACTIVE for c in contracts]
    return SpendBars(
        labels=tuple(
            c.number if a else f"{c.number} ({c.status})"
            for c, a in zip(contracts, active, strict=True)
        ),
        spent=tuple(_musd(c.spent) for c in contracts),
        open=tuple(
            _musd(max(c.ceiling - c.spent, Decimal(0))) if a else 0.0
            for c, a in zip(contracts, active, strict=True)
        ),
    )


def cap_spending(caps: Sequence[CapView], contracts: Sequence[ContractView]) -> SpendBars:
    """Spent and unspent ceiling of each spending cap [million USD] (never below zero); a cap
    with no active contract for its material says so in its label."""
    active = {c.material for c in contracts if c.status == ContractStatus.ACTIVE}
    return SpendBars(
        labels=tuple(
            c.material if c.material in active else f"{c.material} (no active contract)"
            for c in caps
        ),
        spent=tuple(_musd(c.spent) for c in caps),
        open=tuple(_musd(max(c.ceiling - c.spent, Decimal(0))) for c in caps),
    )


class DepotTotal(BaseModel):
    """Lots, materials and cost basis [USD] held at one depot."""

    model_config = ConfigDict(frozen=True)

    depot: str
    lots: int
    materials: tuple[str, ...]
    cost_basis: Decimal


def depot_totals(lots: Sequence[LotView]) -> dict[str, DepotTotal]:
    """Per depot code: its lots, the materials among them (sorted) and their cost basis."""
    codes = sorted({lot.depot for lot in lots})
    return {
        code: DepotTotal(
            depot=code,
            lots=sum(1 for lot in lots if lot.depot == code),
            materials=tuple(sorted({lot.material for lot in lots if lot.depot == code})),
            cost_basis=sum((lot.cost_basis for lot in lots if lot.depot == code), Decimal(0)),
        )
        for code in codes
    }
