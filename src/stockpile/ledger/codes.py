"""One grammar for the codes of the books, shared by the ledger and the API.

Depot and fund codes, contract and delivery-order numbers and lot codes start with a letter
or a digit and go on with letters, digits, ``.``, ``_``, ``-``, ``@`` and ``>`` (the last two
appear in the lot codes the ledger derives: ``LOT@DEPOT-17`` for a transfer,
``LOT>material-18`` for a conversion). No ``/`` (a code is one URL path segment), no
spaces, no markup characters. Depot and fund codes have at most 64 characters, the others
at most 80 (the widths of their columns).
"""

from __future__ import annotations

import re

from stockpile.ledger.errors import InvalidInputError

__all__ = ["CODE_MAX_LEN", "CODE_PATTERN", "SHORT_CODE_MAX_LEN", "check_code", "derived_code"]

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@>-]*$"
"""Regular expression of a code (the API's schemas use the same)."""
CODE_MAX_LEN = 80
"""Longest contract number, delivery-order number or lot code [characters]."""
SHORT_CODE_MAX_LEN = 64
"""Longest depot or fund code [characters]."""

_CODE = re.compile(CODE_PATTERN)


def check_code(value: str | None, field: str, *, max_len: int = CODE_MAX_LEN) -> str:
    """``value`` stripped, if it follows the grammar; else :class:`InvalidInputError`.

    Parameters
    ----------
    value
        The code as given.
    field
        Name of the field, for the error message.
    max_len
        Longest allowed code [characters].
    """
    code = (value or "").strip()
    if not code:
        raise InvalidInputError(field, "must not be empty")
    if len(code) > max_len:
        raise InvalidInputError(field, f"has {len(code)} characters, at most {max_len} allowed")
    if not _CODE.match(code):
        raise InvalidInputError(
            field,
            f"{code!r} must start with a letter or digit and use only letters, digits "
            "and . _ - @ >",
        )
    return code


def derived_code(stem: str, suffix: str, *, max_len: int = CODE_MAX_LEN) -> str:
    """A generated code ``stem + suffix``, the stem shortened to fit ``max_len``.

    The suffix (``-<operation id>``) keeps a shortened code unique.
    """
    return stem[: max(1, max_len - len(suffix))] + suffix
