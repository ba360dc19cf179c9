"""One unit registry for the package, and conversions between compound and contained element.

Mass units
----------
:data:`ureg` is the package's single :class:`pint.UnitRegistry`. Besides pint's defaults
(``kilogram``/``kg``, ``metric_ton``/``t``/``tonne``, ``short_ton`` = 2000 lb, ``long_ton``
= 2240 lb, ``pound``/``lb`` = 0.45359237 kg, ``troy_ounce`` = 0.0311034768 kg, and SI
prefixes, so ``kilometric_ton`` is the USGS "thousand metric tons") it defines

``metric_ton_unit`` / ``mtu``
    10 kg of the substance named by the price or quantity (1/100 metric ton).
``mtu_WO3``
    7.93 kg of **contained tungsten**. USGS: "a metric ton unit of tungsten trioxide contains
    7.93 kilograms of tungsten" (10 kg WO3 x W/WO3 = 7.9297 kg, rounded). A quantity in
    ``mtu_WO3`` is therefore already a mass of W, not of WO3.
``mtu_Mn``
    10 kg of **contained manganese** (USGS manganese ore price basis).

Pint's own ``ton`` is the short ton and its ``kt`` is the knot; :func:`parse_unit` (and so
:func:`convert` and :func:`parse_quantity`) reject ``ton``/``tons``/``mt`` as ambiguous and
read ``kt`` as thousand metric tons, as mineral statistics use it.

Exact factors
-------------
Conversion factors are taken from a second registry with :class:`fractions.Fraction`
arithmetic, so 1 short ton = 907.18474 kg and 1 lb = 0.45359237 kg exactly
(:func:`exact_factor`); :func:`convert` applies the exact factor (as a Fraction when asked for
``exact=True``, else rounded once to a float).

Compound and element bases
--------------------------
Factors between a compound and its contained element are computed from the IUPAC CIAAW
abridged standard atomic weights bundled in ``reference/data/atomic_weights.csv``
(source ``IUPAC_CIAAW_ABRIDGED``): mass fraction = n x A(element) / M(compound). REO
(rare-earth oxide) is a mixture with no single factor: converting it needs a named rare-earth
element, whose conventional reporting oxide is then used (CeO2, Pr6O11, Tb4O7, R2O3 otherwise).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import decimal
import difflib
import fractions
import functools
import math
import numbers
import re
import typing
import unicodedata
import warnings

import numpy as np
import pint

from stockpile._units_chem import UnitError, atomic_weight, molar_mass, parse_formula

__all__ = [
    "Q_",
    "Basis",
    "UnitError",
    "atomic_weight",
    "bases",
    "basis",
    "convert",
    "element_fraction",
    "exact_factor",
    "molar_mass",
    "parse_formula",
    "parse_quantity",
    "parse_unit",
    "to_compound",
    "to_element",
    "ureg",
]


_DEFINITIONS = (
    "metric_ton_unit = 10 * kilogram = mtu",
    "mtu_WO3 = 7.93 * kilogram",
    "mtu_Mn = 10 * kilogram",
)

#: Units that measure contained element already (see module docstring).
_CONTAINED_UNITS = frozenset({"mtu_WO3", "mtu_Mn"})


def _build_registry(non_int_type: type = float) -> pint.UnitRegistry:
    registry: pint.UnitRegistry = pint.UnitRegistry(non_int_type=non_int_type)
    with warnings.catch_warnings():
        # pint's canonical name of the short ton is "ton"; give it its own name so that a
        # quantity in short tons prints as "short_ton", never as the ambiguous "ton".
        warnings.simplefilter("ignore")
        registry.define("short_ton = 2000 * pound")
    for definition in _DEFINITIONS:
        registry.define(definition)
    return registry


#: The package's one unit registry.
ureg: pint.UnitRegistry = _build_registry()
#: Quantity class of :data:`ureg`: ``Q_(3040, "t")``.
Q_ = ureg.Quantity


@functools.cache
def _exact_registry() -> pint.UnitRegistry:
    return _build_registry(fractions.Fraction)


# --------------------------------------------------------------------------- units

_AMBIGUOUS = {
    "ton": "'ton' is ambiguous: write metric_ton (t), short_ton or long_ton",
    "tons": "'tons' is ambiguous: write metric tons (t), short tons or long tons",
    "mt": "'mt' is ambiguous (metric ton or millitonne): write t or metric_ton",
    "MT": "'MT' is ambiguous (metric ton or megatonne): write t, metric_ton or Mt",
}
_PHRASES = {
    "thousand metric tons": "kilometric_ton",
    "thousand metric ton": "kilometric_ton",
    "thousand tonnes": "kilometric_ton",
    "million metric tons": "megametric_ton",
    "kt": "kilometric_ton",
    "metric ton unit": "metric_ton_unit",
    "metric ton units": "metric_ton_unit",
}
_WORD_GAP = re.compile(r"(?<=[A-Za-z])\s+(?=[A-Za-z])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_UNIT_LEN = 200


def _known_unit_names() -> list[str]:
    return sorted((set(ureg) | set(_PHRASES)) - set(_AMBIGUOUS))


def parse_unit(text: str | pint.Unit) -> pint.Unit:
    """Parse a unit name or expression such as ``"t"``, ``"short tons"``, ``"lb/short_ton"``.

    Parameters
    ----------
    text : str or pint.Unit
        Unit text. Words separated by spaces are joined (``"short tons"`` -> ``short_ton``);
        the USGS phrases ``"thousand metric tons"`` and ``"kt"`` mean ``kilometric_ton``.

    Returns
    -------
    pint.Unit
        A unit of :data:`ureg`.

    Raises
    ------
    UnitError
        For an unknown unit (with the closest known names) or an ambiguous one (``ton``).
    """
    if isinstance(text, pint.Unit):
        return ureg.Unit(str(text))
    if not isinstance(text, str) or not text.strip():
        raise UnitError(f"unit must be a non-empty string, got {text!r}")
    if len(text) > _MAX_UNIT_LEN:
        raise UnitError(f"unit text is longer than {_MAX_UNIT_LEN} characters")
    bad = next((c for c in text if unicodedata.category(c)[0] == "C"), None)
    if bad is not None:
        raise UnitError(f"unit {text!r}: control character {bad!r} is not allowed")
    cleaned = " ".join(text.split())
    phrase = _PHRASES.get(cleaned.lower()) or _PHRASES.get(cleaned)
    if phrase is not None:
        return ureg.Unit(phrase)
    joined = _WORD_GAP.sub("_", cleaned)
    for word in _IDENT.findall(joined):
        if word in _AMBIGUOUS or word.lower() in ("ton", "tons"):
            raise UnitError(f"unit {text!r}: {_AMBIGUOUS.get(word, _AMBIGUOUS['ton'])}")
    try:
        unit = ureg.Unit(joined)
    except pint.errors.UndefinedUnitError as exc:
        bad = str(getattr(exc, "unit_names", "") or joined)
        close = difflib.get_close_matches(bad.strip("'()"), _known_unit_names(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnitError(f"unknown unit {text!r}{hint}") from None
    except Exception as exc:  # pint's tokenizer and parser raise many kinds of error
        reason = str(exc) or type(exc).__name__
        raise UnitError(f"cannot parse unit {text!r}: {reason}") from None
    exponents = [complex(e) for e in unit._units.values()]
    if not all(e.imag == 0 and math.isfinite(e.real) and e.real != 0 for e in exponents):
        raise UnitError(f"cannot parse unit {text!r}: exponents must be finite and non-zero")
    return unit


def _unit_text(unit: str | pint.Unit) -> str:
    return str(parse_unit(unit))


@functools.lru_cache(maxsize=512)
def _exact_factor_cached(source: str, target: str) -> fractions.Fraction:
    registry = _exact_registry()
    try:
        value = registry.Quantity(fractions.Fraction(1), source).to(target).magnitude
    except pint.errors.DimensionalityError:
        raise UnitError(
            f"cannot convert {source!r} {ureg.Unit(source).dimensionality} "
            f"to {target!r} {ureg.Unit(target).dimensionality}"
        ) from None
    except pint.errors.OffsetUnitCalculusError:
        raise UnitError(f"no multiplicative factor from {source!r} to {target!r}") from None
    if isinstance(value, int):
        return fractions.Fraction(value)
    if not isinstance(value, fractions.Fraction):
        raise UnitError(f"no exact factor from {source!r} to {target!r}")
    return value


def exact_factor(source: str | pint.Unit, target: str | pint.Unit) -> fractions.Fraction:
    """Exact multiplicative factor from ``source`` to ``target`` units.

    Examples
    --------
    >>> exact_factor("short_ton", "kg")
    Fraction(45359237, 50000)
    """
    return _exact_factor_cached(_unit_text(source), _unit_text(target))


def _check_quantity(quantity: object, what: str) -> pint.Quantity:
    if not isinstance(quantity, pint.Quantity):
        raise UnitError(
            f"{what} must be a quantity with units (e.g. Q_(3040, 't')), got {quantity!r}"
        )
    if quantity._REGISTRY is not ureg:
        raise UnitError(
            f"{what} {quantity!r} belongs to another unit registry; use stockpile.units.Q_"
        )
    return quantity


def _as_fraction(value: object) -> fractions.Fraction:
    if isinstance(value, bool):
        raise UnitError(f"magnitude must be a number, got {value!r}")
    if isinstance(value, int | fractions.Fraction):
        return fractions.Fraction(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise UnitError(f"magnitude must be finite, got {value!r}")
        return fractions.Fraction(value)
    raise UnitError(
        f"exact conversion needs an int, Fraction or Decimal magnitude, got {type(value).__name__}"
    )


def convert(
    quantity: pint.Quantity, unit: str | pint.Unit, *, exact: bool = False
) -> pint.Quantity:
    """Convert ``quantity`` to ``unit`` with an exact factor.

    Parameters
    ----------
    quantity : pint.Quantity
        A quantity of :data:`ureg` (scalar or array magnitude).
    unit : str or pint.Unit
        Target unit (see :func:`parse_unit`).
    exact : bool
        If True the magnitude must be an int, Fraction or Decimal and the result is an exact
        :class:`~fractions.Fraction`; otherwise the exact factor is rounded once to a float.

    Raises
    ------
    UnitError
        Unknown unit, incompatible dimensions, or a float magnitude with ``exact=True``.
    """
    q = _check_quantity(quantity, "quantity")
    target = parse_unit(unit)
    source = str(q.units)
    try:
        factor = _exact_factor_cached(source, str(target))
    except UnitError:
        if exact or q.dimensionality != target.dimensionality:
            raise
        return q.to(target)
    if exact:
        return Q_(_as_fraction(q.magnitude) * factor, target)
    return Q_(q.magnitude * float(factor), target)


_NUMBER = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"\s*(?P<scale>thousand|million|billion)?(?:\s+|(?=[^\s\d.,])|$)(?P<unit>.*?)\s*$"
)
_SCALE = {None: 1, "thousand": 10**3, "million": 10**6, "billion": 10**9}


def parse_quantity(text: str, *, exact: bool = False) -> pint.Quantity:
    """Read a printed quantity such as ``"3,040 t"``, ``"6.7 million lb"``, ``"22,575 short tons"``.

    Parameters
    ----------
    text : str
        A number (thousands separated by commas; optional ``thousand``/``million``/``billion``)
        followed by a unit.
    exact : bool
        Return a :class:`~fractions.Fraction` magnitude (the decimal as written) instead of a float.

    Raises
    ------
    UnitError
        No number, no unit, or an unknown unit; the message quotes the text.
    """
    if not isinstance(text, str):
        raise UnitError(f"quantity text must be a string, got {text!r}")
    match = _NUMBER.match(text)
    if match is None:
        raise UnitError(f"cannot read a number at the start of {text!r}")
    unit_text, scale = match.group("unit"), match.group("scale")
    if scale is not None and " ".join(f"{scale} {unit_text}".split()).lower() in _PHRASES:
        unit_text, scale = f"{scale} {unit_text}", None  # "2,300 thousand metric tons"
    if not unit_text:
        raise UnitError(f"quantity {text!r} has no unit")
    try:
        unit = parse_unit(unit_text)
    except UnitError as exc:
        raise UnitError(f"in quantity {text!r}: {exc}") from None
    try:
        number = decimal.Decimal(match.group("num").replace(",", ""))
    except decimal.InvalidOperation:  # pragma: no cover - the pattern only admits valid decimals
        raise UnitError(f"cannot read the number in {text!r}") from None
    value = fractions.Fraction(number) * _SCALE[scale]
    return Q_(value if exact else float(value), unit)


@dataclasses.dataclass(frozen=True)
class Basis:
    """A basis in which a quantity of material is reported.

    Attributes
    ----------
    key : str
        Canonical name: a formula (``"Li2CO3"``, ``"WO3"``, ``"Co"``) or ``"REO"``.
    name : str
        Plain-language name.
    formula : str or None
        Chemical formula; None for a mixture (REO), which has no single element factor.
    element : str or None
        Element of account (the contained element); None for a mixture.
    aliases : tuple of str
        Other names accepted by :func:`basis`.
    """

    key: str
    name: str
    formula: str | None
    element: str | None
    aliases: tuple[str, ...] = ()

    @property
    def is_mixture(self) -> bool:
        """True when no single compound-to-element factor exists (REO)."""
        return self.formula is None


#: Oxide in which each rare-earth element is conventionally reported within REO.
_REE_OXIDES: cabc.Mapping[str, str] = {
    "Sc": "Sc2O3", "Y": "Y2O3", "La": "La2O3", "Ce": "CeO2", "Pr": "Pr6O11", "Nd": "Nd2O3",
    "Sm": "Sm2O3", "Eu": "Eu2O3", "Gd": "Gd2O3", "Tb": "Tb4O7", "Dy": "Dy2O3", "Ho": "Ho2O3",
    "Er": "Er2O3", "Tm": "Tm2O3", "Yb": "Yb2O3", "Lu": "Lu2O3",
}  # fmt: skip

_NAMED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Li2CO3", "lithium carbonate (lithium carbonate equivalent, LCE)",
     ("LCE", "lithium carbonate", "lithium carbonate equivalent")),
    ("LiOH·H2O", "lithium hydroxide monohydrate", ("LHM", "lithium hydroxide monohydrate")),
    ("WO3", "tungsten trioxide", ("tungsten trioxide",)),
    ("V2O5", "vanadium pentoxide", ("vanadium pentoxide",)),
    ("Sc2O3", "scandium oxide", ("scandia", "scandium oxide")),
    ("Ta2O5", "tantalum pentoxide", ("tantalum pentoxide",)),
    ("Sb2O3", "antimony trioxide", ("antimony trioxide",)),
    ("Y2O3", "yttrium oxide", ("yttria", "yttrium oxide")),
    ("Nb2O5", "niobium pentoxide", ("niobium pentoxide",)),
    ("TiO2", "titanium dioxide", ("titanium dioxide",)),
    ("Cr2O3", "chromium(III) oxide", ("chromium oxide",)),
    ("Ga2O3", "gallium oxide", ("gallium oxide",)),
    ("GeO2", "germanium dioxide", ("germanium dioxide",)),
    ("MoO3", "molybdenum trioxide", ("molybdenum trioxide",)),
    ("Al2O3", "aluminium oxide (alumina)", ("alumina",)),
    ("La2O3", "lanthanum oxide", ()), ("CeO2", "cerium dioxide", ()),
    ("Pr6O11", "praseodymium oxide", ()), ("Nd2O3", "neodymium oxide", ()),
    ("Sm2O3", "samarium oxide", ()), ("Eu2O3", "europium oxide", ()),
    ("Gd2O3", "gadolinium oxide", ()), ("Tb4O7", "terbium oxide", ()),
    ("Dy2O3", "dysprosium oxide", ()), ("Ho2O3", "holmium oxide", ()),
    ("Er2O3", "erbium oxide", ()), ("Tm2O3", "thulium oxide", ()),
    ("Yb2O3", "ytterbium oxide", ()), ("Lu2O3", "lutetium oxide", ()),
)  # fmt: skip

_REO = Basis(
    key="REO",
    name="rare-earth oxide (a mixture; no single element factor)",
    formula=None,
    element=None,
    aliases=("TREO", "rare-earth oxide", "rare earth oxide", "rare earth oxides"),
)
_SUFFIXES = (" content", " equivalent", " metal", " contained")
_ANION_ELEMENTS = frozenset({"C", "N", "S", "F", "Cl", "P"})


def _default_element(counts: cabc.Mapping[str, int]) -> str | None:
    """The element of account of a formula, or None when it is not unique."""
    if len(counts) == 1:
        return next(iter(counts))
    candidates = [el for el in counts if el not in ("O", "H")]
    if len(candidates) > 1:
        candidates = [el for el in candidates if el not in _ANION_ELEMENTS]
    return candidates[0] if len(candidates) == 1 else None


@functools.cache
def _named_bases() -> dict[str, Basis]:
    table: dict[str, Basis] = {}
    for formula, name, aliases in _NAMED:
        counts = parse_formula(formula)
        b = Basis(formula, name, formula, _default_element(counts), aliases)
        for label in (formula, *aliases):
            table[label.lower()] = b
    for label in (_REO.key, *_REO.aliases):
        table[label.lower()] = _REO
    return table


def bases() -> tuple[Basis, ...]:
    """The named compound bases (REO, LCE, WO3, V2O5, Sc2O3, the REE oxides, ...)."""
    seen: dict[str, Basis] = {}
    for b in _named_bases().values():
        seen.setdefault(b.key, b)
    return tuple(seen.values())


def basis(name: str) -> Basis:
    """Look up a basis by name, alias or formula.

    ``"LCE"``, ``"lithium carbonate"`` and ``"Li2CO3"`` are one basis; ``"Sb content"`` and
    ``"Sb"`` are contained antimony; ``"REO equivalent"`` is the REO mixture; any other
    formula is parsed (``"CoSO4·7H2O"``).

    Raises
    ------
    UnitError
        Neither a known name nor a valid formula.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnitError(f"basis must be a non-empty string, got {name!r}")
    text = " ".join(name.split())
    for suffix in _SUFFIXES:
        if text.lower().endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    named = _named_bases().get(text.lower())
    if named is not None:
        return named
    try:
        counts = parse_formula(text)
    except UnitError as exc:
        close = difflib.get_close_matches(text.lower(), list(_named_bases()), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnitError(f"unknown basis {name!r} ({exc}){hint}") from None
    return Basis(text, text, text, _default_element(counts))


def element_fraction(compound: str, element: str | None = None) -> float:
    """Mass fraction of ``element`` in ``compound`` [kg element / kg compound].

    Parameters
    ----------
    compound : str
        A basis name or formula (see :func:`basis`).
    element : str, optional
        Element symbol. Defaults to the basis's element of account. Required for REO, where
        it selects the element's reporting oxide (``"Nd"`` -> Nd2O3).

    Raises
    ------
    UnitError
        REO without an element, an element absent from the compound, or an unknown basis.
    """
    b = basis(compound)
    formula = b.formula
    if formula is None:
        if element is None:
            raise UnitError(
                f"{compound!r} is a mixture of rare-earth oxides with no single element factor; "
                "name the element (e.g. element='Nd' uses Nd2O3)"
            )
        if element not in _REE_OXIDES:
            raise UnitError(
                f"{element!r} is not a rare-earth element; REO holds {sorted(_REE_OXIDES)}"
            )
        formula = _REE_OXIDES[element]
    counts = parse_formula(formula)
    el = element if element is not None else b.element
    if el is None:
        raise UnitError(
            f"compound {formula!r} has no single element of account; name the element "
            f"(one of {sorted(counts)})"
        )
    if el not in counts:
        raise UnitError(f"element {el!r} is not in compound {formula!r} ({sorted(counts)})")
    return counts[el] * atomic_weight(el) / molar_mass(formula)


def _check_mass(quantity: typing.Any, what: str) -> None:
    if isinstance(quantity, pint.Quantity):
        _check_quantity(quantity, what)
        if quantity.dimensionality != ureg.kilogram.dimensionality:
            raise UnitError(
                f"{what} must be a mass, got {quantity.units} ({quantity.dimensionality})"
            )
    elif isinstance(quantity, bool) or not (
        isinstance(quantity, numbers.Real)
        or (isinstance(quantity, np.ndarray) and np.issubdtype(quantity.dtype, np.number))
    ):
        raise UnitError(
            f"{what} must be a mass quantity, a number or a numeric array, got {quantity!r}"
        )


def to_element(quantity: typing.Any, compound: str, element: str | None = None) -> typing.Any:
    """Mass of contained element in a mass of compound (same units) [mass].

    Parameters
    ----------
    quantity : pint.Quantity, float or numpy.ndarray
        Mass of compound [mass]; a plain number or array is taken in any mass unit.
    compound : str
        Basis name or formula, e.g. ``"WO3"``, ``"LCE"``, ``"REO"``.
    element : str, optional
        Element symbol; required for REO.

    Raises
    ------
    UnitError
        Not a mass, a unit that is already contained element (``mtu_WO3``, ``mtu_Mn``), or
        see :func:`element_fraction`.
    """
    _check_mass(quantity, "quantity")
    if isinstance(quantity, pint.Quantity):
        contained = _CONTAINED_UNITS.intersection(name for name, _ in quantity.unit_items())
        if contained:
            raise UnitError(
                f"quantity in {sorted(contained)} already measures contained element; "
                "convert it with convert(), not to_element()"
            )
    return quantity * element_fraction(compound, element)


def to_compound(quantity: typing.Any, compound: str, element: str | None = None) -> typing.Any:
    """Mass of compound that contains a given mass of element (same units) [mass].

    The inverse of :func:`to_element`: ``to_compound(to_element(m, c), c) == m``.
    """
    _check_mass(quantity, "quantity")
    return quantity / element_fraction(compound, element)
