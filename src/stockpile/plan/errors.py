"""Errors raised by the planner: each names the field or the constraint at fault."""

from __future__ import annotations

__all__ = ["InfeasiblePlanError", "PlanError", "PlanInputError", "SolverError"]


class PlanError(ValueError):
    """Base class of every planning error."""


class PlanInputError(PlanError):
    """An input field is missing, malformed or inconsistent.

    Parameters
    ----------
    field : str
        Name of the offending field (e.g. ``"budget"``, ``"gaps"``).
    problem : str
        What is wrong with it, in words.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InfeasiblePlanError(PlanError):
    """No plan satisfies the constraints; ``binding`` names the constraint(s) that cannot hold.

    Parameters
    ----------
    binding : tuple of str
        Human-readable names of the constraints that cannot all be met.
    detail : str
        Explanation with the figures involved.
    """

    def __init__(self, binding: tuple[str, ...], detail: str) -> None:
        self.binding = binding
        self.detail = detail
        super().__init__(f"infeasible: {', '.join(binding)}: {detail}")


class SolverError(PlanError):
    """The LP/MILP solver failed for a reason other than infeasibility of the data."""
