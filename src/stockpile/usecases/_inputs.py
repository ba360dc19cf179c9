"""Reference inputs of the planning use cases: programme caps and world production."""

from __future__ import annotations

import csv
from pathlib import Path

from stockpile.plan import ProgramCap, caps_from_rows, program_caps, world_production
from stockpile.reference import load_production, load_stockpile_programs
from stockpile.usecases.errors import UseCaseInputError


def programme_caps(use_caps: bool, caps_file: Path | None) -> dict[str, ProgramCap]:
    """Caps by material: none, a caps CSV's, or the 2025 DLA programmes' (the default)."""
    if not use_caps:
        return {}
    if caps_file is None:
        return program_caps(load_stockpile_programs())
    try:
        with caps_file.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UseCaseInputError("caps_file", f"{caps_file}: {exc.strerror}") from None
    return dict(caps_from_rows(rows, f"caps {caps_file}"))


def world_output(materials: tuple[str, ...], units: tuple[str, ...]) -> dict[str, float]:
    """World production per material [unit/yr] (NaN where the reference data has none)."""
    production = load_production()
    return {m: world_production(production, m, u) for m, u in zip(materials, units, strict=True)}
