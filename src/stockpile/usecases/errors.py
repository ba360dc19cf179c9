"""Errors a use case raises for bad input, and the progress callback it reports through."""

from __future__ import annotations

from collections.abc import Callable

from stockpile.plan import PlanError
from stockpile.reference import ReferenceDataError, UnknownMaterialError
from stockpile.risk import RiskError
from stockpile.simulate import ScenarioError, SimulationInputError
from stockpile.units import UnitError

__all__ = ["INPUT_ERRORS", "Progress", "UseCaseInputError"]


class UseCaseInputError(ValueError):
    """A request a use case cannot run, naming the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


INPUT_ERRORS: tuple[type[Exception], ...] = (
    UseCaseInputError,
    PlanError,
    ReferenceDataError,
    UnknownMaterialError,
    RiskError,
    ScenarioError,
    SimulationInputError,
    UnitError,
)
"""Errors that mean "the input is wrong" (a shell shows their one-line message)."""

Progress = Callable[[float, str], None]
"""``progress(fraction done [0-1], message)``; may raise to cancel the run."""
