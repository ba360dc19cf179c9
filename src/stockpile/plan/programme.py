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

from stockpile.plan.adapters import restrict_sample
from stockpile.plan.errors import PlanInputError
from stockpile.plan.inputs import ProgramCap
from stockpile.plan.loss import LossValues
from stockpile.plan.problem import MaterialLimits, ShortfallSample
from stockpile.plan.terms import PriceUsed, add_requirements

__all__ = [
    "Programme",
    "ProgrammeEntry",
    "ProgrammeInputs",
    "ProgrammeQuantity",
    "builtin_programme",
    "builtin_programmes",
    "parse_programme",
    "programme_inputs",
    "purchase_prices",
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
    form : str
        Form bought (a stage of the material's chain, or a scenario's ``form_comparison``
        option id); "" for the arrival form.
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
    form: str = ""


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
    "form",
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
                form=str(spec.get("form") or "").strip().lower(),
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


def purchase_prices(
    materials: Sequence[str],
    units: Sequence[str],
    *,
    year: int | None = None,
    programme: Programme | None = None,
) -> dict[str, PriceUsed]:
    """Purchase price of each material [USD/material unit] from the one price path.

    A programme entry naming a contract is priced at the contract's own unit price (ceiling /
    quantity, :func:`stockpile.pricing.contract_price`); every other material at its reference
    price of ``year`` (:func:`stockpile.pricing.unit_price`; default the latest year).

    Raises
    ------
    PlanInputError
        ``price_year`` without a price for a material, or a material without a price.
    """
    from stockpile.pricing import PriceError, contract_price, unit_price

    out: dict[str, PriceUsed] = {}
    for mat, unit in zip(materials, units, strict=True):
        entry = None if programme is None else programme.entry(mat)
        try:
            if entry is not None and entry.contract and entry.quantity_cap is not None:
                p = contract_price(
                    mat,
                    entry.contract,
                    entry.spend_cap_usd,
                    entry.quantity_cap.quantity,
                    entry.quantity_cap.unit,
                    year=int(entry.contract_year or 0),
                )
                label = (
                    f"contract {entry.contract}: ceiling / quantity = {entry.spend_cap_usd:,.0f} "
                    f"USD / {entry.quantity_cap.quantity:,.0f} {entry.quantity_cap.unit} "
                    f"= {p.usd_per_kg:,.2f} USD/kg {p.basis}"
                )
            else:
                p = unit_price(mat, year=year)
                label = f"{p.label()}; {p.series}"
        except PriceError as exc:
            raise PlanInputError(
                exc.field if exc.field == "price_year" else f"price[{mat}]", exc.problem
            ) from None
        out[mat] = PriceUsed(p.per(unit), p.year, p.basis, label)
    return out


@dataclass(frozen=True)
class ProgrammeInputs:
    """A sample restricted to a programme, with requirements added, and its limits.

    Attributes
    ----------
    sample : ShortfallSample
        Programme materials only; requirement-planned materials added.
    limits : MaterialLimits
        The programme's caps [material unit, USD].
    prices : dict
        Purchase price of each material.
    notes : tuple of str
        Materials left out and why; requirement sources.
    """

    sample: ShortfallSample
    limits: MaterialLimits
    prices: dict[str, PriceUsed]
    notes: tuple[str, ...]


def programme_inputs(
    sample: ShortfallSample,
    programme: Programme,
    holdings: Mapping[str, float],
    *,
    price_year: int | None = None,
    loss_values: LossValues | None = None,
) -> ProgrammeInputs:
    """Restrict ``sample`` to the programme's materials and add requirement-planned ones.

    A programme material absent from the sample (no U.S. consumption figure, or not in the
    scenario) is planned against its requirement when the programme gives one (unmet defence
    demand = requirement - holdings, in every scenario); without a requirement it is left out
    with a note.

    Parameters
    ----------
    sample : ShortfallSample
        From the simulation.
    programme : Programme
        Eligible materials and caps.
    holdings : mapping
        Material -> quantity held [material unit].
    price_year : int, optional
        Price year of reference prices (default the latest).
    loss_values : LossValues, optional
        Values of lost use for requirement-planned materials (default the sample's weights).
    """
    from stockpile.reference import get_material

    notes: list[str] = []
    present = [m for m in programme.materials if m in sample.materials]
    req: dict[str, float] = {}
    req_units: dict[str, str] = {}
    for e in programme.entries:
        if e.material in sample.materials:
            continue
        if e.requirement is None:
            notes.append(
                f"{e.material}: in programme {programme.name} but not plannable here (no "
                "simulated shortfall: not in the scenario or no U.S. consumption figure) and "
                "no requirement given; nothing bought"
            )
            continue
        unit = get_material(e.material).unit or "metric_ton"
        req_units[e.material] = unit
        req[e.material] = e.requirement.to(unit)
        notes.append(
            f"{e.material}: planned against its requirement {e.requirement.quantity:,g} "
            f"{e.requirement.unit} [{e.requirement.source}]"
        )
    if not present and not req:
        raise PlanInputError(
            "programme", f"none of the materials of {programme.name} can be planned here"
        )
    base = sample if not present else restrict_sample(sample, present)
    ref = purchase_prices(tuple(req), tuple(req_units[m] for m in req), year=price_year)
    values = None
    if loss_values is not None and req:
        kg = [ProgrammeQuantity(1.0, req_units[m]).to("kilogram") for m in req]
        mat_values = loss_values.class_values(
            tuple(req), base.class_names, np.array([ref[m].usd_per_unit for m in req]), kg
        )
        values = {m: list(mat_values[i]) for i, m in enumerate(req)}
    if not present:
        # only requirement-planned materials: an empty base with the sample's scenarios
        base = ShortfallSample(
            materials=("_none",),
            gaps=np.zeros((sample.shape[0], 1, sample.shape[2])),
            class_names=sample.class_names,
            class_weights=sample.class_weights,
            scenario_weights=sample.scenario_weights,
            unit_prices=np.ones(1),
            units=("metric_ton",),
            scenario_names=sample.scenario_names,
        )
    out = add_requirements(
        base, req, req_units, {m: p.usd_per_unit for m, p in ref.items()}, values
    )
    if not present:
        out = restrict_sample(out, tuple(req))
    held = [float(holdings.get(m, 0.0)) for m in out.materials]
    limits = programme.limits(out.materials, out.units, held)
    prices = purchase_prices(out.materials, out.units, year=price_year, programme=programme)
    return ProgrammeInputs(out, limits, prices, tuple(notes))
