"""Exceptions raised by the risk functions.

Every message names the offending field (or material, year, stage) and the problem, so that a
caller never has to read a traceback from inside numpy or pandas.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["NoRiskDataError", "RiskError", "RiskInputError"]


class RiskError(Exception):
    """Base class of the errors raised by :mod:`stockpile.risk`."""


class RiskInputError(RiskError, ValueError):
    """An argument or an input column is invalid.

    Parameters
    ----------
    field : str
        Name of the argument or column at fault.
    problem : str
        What is wrong with it.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class NoRiskDataError(RiskError, LookupError):
    """The data hold nothing for the requested material, stage or year.

    Parameters
    ----------
    what : str
        What was asked for, e.g. ``"production of 'antimony' in 2023"``.
    available : Iterable[object]
        The values that do exist (years, stages...), listed in the message.
    """

    def __init__(self, what: str, available: Iterable[object] = ()) -> None:
        self.what = what
        self.available = tuple(available)
        listed = ", ".join(str(a) for a in self.available) if self.available else "none"
        super().__init__(f"no data for {what}; available: {listed}")
