"""States of the ledger's records, as stored (the values are the stored text).

A contract is active until it is cancelled or closed; a delivery order is open until its
receipt; a loan is open until it is returned; a fund is an appropriation (money voted for
named fiscal years) or a transaction fund (revolving, fed by disposals). Lots carry no state:
a lot exists while its quantity is above zero.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ContractStatus", "FundKind", "LoanStatus", "OrderStatus"]


class ContractStatus(StrEnum):
    """Life cycle of a contract."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class OrderStatus(StrEnum):
    """Life cycle of a delivery order."""

    OPEN = "open"
    RECEIVED = "received"


class LoanStatus(StrEnum):
    """Life cycle of a loan of material."""

    OPEN = "open"
    RETURNED = "returned"


class FundKind(StrEnum):
    """Kinds of fund."""

    APPROPRIATION = "appropriation"
    TRANSACTION = "transaction"
