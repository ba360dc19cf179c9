"""Purchase programmes: which materials may be bought, up to what, and what must be held.

A programme (YAML) names its eligible materials; per material a dollar cap, a quantity cap, an
optional requirement (a quantity to hold, as the official requirement process gives) and an
optional contract whose own unit price (ceiling / quantity) prices the purchase, each with a
source. Built in: ``dla-2025`` (``programmes/dla-2025.yaml``). Parsing is pure; the built-in
files are package data.

Format::

    name: dla-2025
    title: ...
    source: ...
    materials:
      antimony:
        spend_cap_usd: 245000000
        contract_min_usd: 0            # optional
        quantity_cap: {quantity: 6700000, unit: pound}   # optional
        stock_ceiling: {quantity: ..., unit: ...}        # optional: holdings + purchase
        requirement: {quantity: ..., unit: ..., source: ...}  # optional
        contract: US-DLA-SB-2025       # optional: price = spend_cap_usd / quantity_cap
        contract_year: 2025
        source: ...                    # required
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from stockpile.plan.errors import PlanInputError
from stockpile.plan.inputs import ProgramCap
from stockpile.plan.problem import MaterialLimits

__all__ = [
    "Programme",
    "ProgrammeEntry",
    "ProgrammeQuantity",
    "builtin_programme",
    "builtin_programmes",
    "parse_programme",
]


@dataclass(frozen=True)
class ProgrammeQuantity:
    """A quantity with its unit and (for requirements) its source."""

    quantity: float
    unit: str
    source: str = ""

    def to(self, unit: str) -> float:
        """The quantity in ``unit`` [unit]."""
        from stockpile.units import exact_factor

        f = exact_factor(self.unit, unit)
        return self.quantity * f.numerator / f.denominator


@dataclass(frozen=True)
class ProgrammeEntry:
    """One eligible material of a programme.

    Attributes
    ----------
    material : str
        Material key.
    spend_cap_usd : float
        Dollar cap [USD] (``inf`` for none).
    contract_min_usd : float
        Guaranteed minimum of the contract [USD] (0 for none).
    quantity_cap : ProgrammeQuantity or None
        Largest purchase.
    stock_ceiling : ProgrammeQuantity or None
        Largest holding after the purchase.
    requirement : ProgrammeQuantity or None
        Quantity to hold, with its source.
    contract : str
        Contract id whose ceiling / quantity prices the purchase ("" for the reference price).
    contract_year : int or None
        Year of the contract's award (its price year).
    source : str
        Source of the caps.
    """

    material: str
    spend_cap_usd: float
    contract_min_usd: float
    quantity_cap: ProgrammeQuantity | None
    stock_ceiling: ProgrammeQuantity | None
    requirement: ProgrammeQuantity | None
    contract: str
    contract_year: int | None
    source: str


@dataclass(frozen=True)
class Programme:
    """A purchase programme: its eligible materials and their caps."""

    name: str
    title: str
    source: str
    entries: tuple[ProgrammeEntry, ...]

    @property
    def materials(self) -> tuple[str, ...]:
        """Eligible material keys."""
        return tuple(e.material for e in self.entries)

    def entry(self, material: str) -> ProgrammeEntry | None:
        """The entry of ``material`` (None if not eligible)."""
        return next((e for e in self.entries if e.material == material), None)

    def caps(self) -> dict[str, ProgramCap]:
        """The caps as :class:`~stockpile.plan.ProgramCap` (quantities in their own unit)."""
        out: dict[str, ProgramCap] = {}
        for e in self.entries:
            q = e.quantity_cap
            out[e.material] = ProgramCap(
                e.material,
                e.spend_cap_usd,
                e.contract_min_usd,
                q.quantity if q else math.inf,
                q.unit if q else "",
                f"programme {self.name}: {e.source}",
            )
        return out

    def limits(
        self,
        materials: Sequence[str],
        units: Sequence[str],
        holdings: Sequence[float],
    ) -> MaterialLimits:
        """Limits of the sample's materials [material unit]; materials outside get zero.

        Raises
        ------
        PlanInputError
            A stock ceiling below what is already held.
        """
        m = len(materials)
        spend = np.zeros(m)
        qty = np.zeros(m)
        ceiling = np.full(m, np.inf)
        sources = [f"not in programme {self.name}"] * m
        held = np.asarray(holdings, dtype=np.float64)
        for i, mat in enumerate(materials):
            e = self.entry(mat)
            if e is None:
                continue
            spend[i] = e.spend_cap_usd
            qty[i] = e.quantity_cap.to(units[i]) if e.quantity_cap else math.inf
            sources[i] = f"programme {self.name}: {e.source}"
            if e.stock_ceiling is not None:
                ceiling[i] = e.stock_ceiling.to(units[i])
                if held[i] > ceiling[i]:
                    raise PlanInputError(
                        f"programme.materials.{mat}.stock_ceiling",
                        f"{e.stock_ceiling.quantity:g} {e.stock_ceiling.unit} is below the "
                        f"{held[i]:g} {units[i]} already held",
                    )
        return MaterialLimits(held, spend, qty, ceiling, tuple(sources))


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PlanInputError(where, f"expected a number, got {value!r}")
    try:
        out = float(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise PlanInputError(where, f"expected a number, got {value!r}") from None
    if math.isnan(out) or out < 0:
        raise PlanInputError(where, f"must be >= 0, got {value!r}")
    return out


def _quantity(value: Any, where: str, need_source: bool = False) -> ProgrammeQuantity:
    from stockpile.units import UnitError, exact_factor

    if not isinstance(value, Mapping):
        raise PlanInputError(where, "expected a mapping {quantity: Q, unit: U}")
    extra = set(value) - {"quantity", "unit", "source"}
    if extra:
        raise PlanInputError(f"{where}.{sorted(extra)[0]}", "unknown field")
    q = _number(value.get("quantity"), f"{where}.quantity")
    unit = str(value.get("unit") or "").strip()
    if not unit:
        raise PlanInputError(f"{where}.unit", "is missing")
    try:
        exact_factor(unit, "kilogram")
    except UnitError as exc:
        raise PlanInputError(f"{where}.unit", f"not a mass unit ({exc})") from None
    source = str(value.get("source") or "").strip()
    if need_source and not source:
        raise PlanInputError(f"{where}.source", "a requirement needs its source")
    return ProgrammeQuantity(q, unit, source)


_ENTRY_FIELDS = {
    "spend_cap_usd",
    "contract_min_usd",
    "quantity_cap",
    "stock_ceiling",
    "requirement",
    "contract",
    "contract_year",
    "source",
}


def parse_programme(data: Any, origin: str = "<programme>") -> Programme:
    """Validate a programme mapping (from YAML).

    Raises
    ------
    PlanInputError
        Naming the field: an unknown material, a negative cap, a requirement without a
        source, a contract without a quantity cap, an unknown field.
    """
    from stockpile.reference import UnknownMaterialError, get_material

    if not isinstance(data, Mapping):
        raise PlanInputError(f"programme {origin}", "expected a mapping at the top level")
    name = str(data.get("name") or "").strip()
    if not name:
        raise PlanInputError("programme.name", "is missing")
    mats = data.get("materials")
    if not isinstance(mats, Mapping) or not mats:
        raise PlanInputError("programme.materials", "needs at least one material")
    entries: list[ProgrammeEntry] = []
    seen: set[str] = set()
    for raw, spec in mats.items():
        where = f"programme.materials.{raw}"
        try:
            key = get_material(str(raw)).key
        except UnknownMaterialError:
            raise PlanInputError(where, f"unknown material {raw!r}") from None
        if key in seen:
            raise PlanInputError(where, f"{key} is listed twice")
        seen.add(key)
        if not isinstance(spec, Mapping):
            raise PlanInputError(where, "expected a mapping of caps")
        extra = set(spec) - _ENTRY_FIELDS
        if extra:
            raise PlanInputError(f"{where}.{sorted(extra)[0]}", "unknown field")
        source = str(spec.get("source") or "").strip()
        if not source:
            raise PlanInputError(f"{where}.source", "is missing: every cap needs its source")
        cap = spec.get("spend_cap_usd")
        spend = math.inf if cap is None else _number(cap, f"{where}.spend_cap_usd")
        low = _number(spec.get("contract_min_usd", 0), f"{where}.contract_min_usd")
        if low > spend:
            raise PlanInputError(f"{where}.contract_min_usd", "exceeds spend_cap_usd")
        qcap = spec.get("quantity_cap")
        ceil = spec.get("stock_ceiling")
        req = spec.get("requirement")
        contract = str(spec.get("contract") or "").strip()
        year = spec.get("contract_year")
        if contract and (qcap is None or not math.isfinite(spend)):
            raise PlanInputError(
                f"{where}.contract", "a contract price needs spend_cap_usd and quantity_cap"
            )
        if contract and year is None:
            raise PlanInputError(f"{where}.contract_year", "is missing (the contract's price year)")
        entries.append(
            ProgrammeEntry(
                material=key,
                spend_cap_usd=spend,
                contract_min_usd=low,
                quantity_cap=None if qcap is None else _quantity(qcap, f"{where}.quantity_cap"),
                stock_ceiling=None if ceil is None else _quantity(ceil, f"{where}.stock_ceiling"),
                requirement=None
                if req is None
                else _quantity(req, f"{where}.requirement", need_source=True),
                contract=contract,
                contract_year=None
                if year is None
                else int(_number(year, f"{where}.contract_year")),
                source=source,
            )
        )
    return Programme(
        name=name,
        title=str(data.get("title") or name),
        source=str(data.get("source") or ""),
        entries=tuple(entries),
    )


def builtin_programmes() -> tuple[str, ...]:
    """Names of the built-in programmes."""
    folder = resources.files("stockpile.plan") / "programmes"
    return tuple(
        sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def builtin_programme(name: str) -> Programme:
    """A built-in programme by name (e.g. ``"dla-2025"``)."""
    import yaml

    if name not in builtin_programmes():
        raise PlanInputError(
            "--programme",
            f"unknown programme {name!r}; built in: {', '.join(builtin_programmes())}",
        )
    text = (resources.files("stockpile.plan") / "programmes" / f"{name}.yaml").read_text("utf-8")
    return parse_programme(yaml.safe_load(text), f"builtin:{name}.yaml")
