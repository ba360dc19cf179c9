"""Errors raised by the simulation: each names where the problem is and what it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FieldError", "Problem", "ScenarioError", "SimulationInputError"]


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario.

    Attributes
    ----------
    path : field path inside the scenario, e.g. ``"events[0].withheld_share.high"``.
    reason : what is wrong, in words.
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.reason}"


class FieldError(ValueError):
    """A problem found by a scenario validator above the field it concerns.

    Parameters
    ----------
    path : field path from the validated model (``"responses[1].ramp"``); the scenario
        parser prefixes the path of that model.
    reason : what is wrong, in words.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ScenarioError(ValueError):
    """A scenario file or object was refused.

    Parameters
    ----------
    source : the file (or ``"<scenario>"`` for an in-memory object).
    problems : the problems found, each with its field path and reason.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {p}" for p in self.problems]
        super().__init__("invalid scenario\n" + "\n".join(lines))


class SimulationInputError(ValueError):
    """Invalid input to a simulation run (holdings, options, baseline): names field and problem."""
