"""Domain exceptions of the ledger.

Every refusal names the field (or object) at fault and the problem, so that the CLI and the
REST API can show it as it is. All of them derive from :class:`LedgerError`, itself a
:class:`ValueError`.
"""

from __future__ import annotations

__all__ = [
    "AuthorisationError",
    "CapacityExceededError",
    "ConcurrencyError",
    "GovernanceError",
    "InsufficientHoldingsError",
    "InvalidInputError",
    "JournalIntegrityError",
    "LedgerError",
    "LimitExceededError",
    "NotFoundError",
    "StateError",
]


class LedgerError(ValueError):
    """Base class: an operation on the books was refused.

    Parameters
    ----------
    field
        The input field, object or rule that caused the refusal (e.g. ``"quantity"``).
    problem
        What is wrong, in words.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InvalidInputError(LedgerError):
    """An input value is malformed (negative quantity, unknown unit, empty reason...)."""


class NotFoundError(LedgerError):
    """A referenced object (depot, lot, fund, contract, user...) does not exist."""


class InsufficientHoldingsError(LedgerError):
    """A draw exceeds what the lots hold."""


class CapacityExceededError(LedgerError):
    """A depot's monthly release capacity (or storage capacity) would be exceeded."""


class LimitExceededError(LedgerError):
    """A contract ceiling, a spending cap, an Annual Materials Plan line or a fund would be
    exceeded."""


class AuthorisationError(LedgerError):
    """The acting user lacks the role, or is the same person as the requester."""


class GovernanceError(LedgerError):
    """The stockpile's governance regime refuses the operation (purpose, legal basis, notice)."""


class StateError(LedgerError):
    """The object is not in a state that allows the operation (e.g. release not approved)."""


class ConcurrencyError(LedgerError):
    """Another transaction changed the same rows first; nothing was written."""


class JournalIntegrityError(LedgerError):
    """The journal's hash chain or balances do not check (raised only on request)."""
