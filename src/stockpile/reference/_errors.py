"""Exceptions raised by the reference-data layer."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ReferenceDataError(ValueError):
    """A bundled or imported data file is malformed.

    The message names the file, and where known the row (1-based line number in the file,
    header = line 1) and the column.
    """

    def __init__(
        self, message: str, *, file: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = file
        if row is not None:
            where += f", line {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UnknownMaterialError(KeyError, ValueError):
    """A material name that the catalogue does not know; suggests the closest names."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.suggestions = tuple(difflib.get_close_matches(name.lower(), list(known), n=3))
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?"
        msg = f"unknown material {name!r}" + (hint if self.suggestions else "")
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0])


class NoDataError(LookupError):
    """A request for data that the reference tables do not hold (a year, a stage...)."""
