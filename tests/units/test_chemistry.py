"""Formula parsing, molar masses and compound <-> element conversions of ``stockpile.units``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import stockpile
from stockpile.units import (
    Q_,
    UnitError,
    atomic_weight,
    bases,
    basis,
    convert,
    element_fraction,
    molar_mass,
    parse_formula,
    to_compound,
    to_element,
)

DATA = Path(stockpile.__file__).parent / "reference" / "data"

# IUPAC CIAAW abridged standard atomic weights, typed here from the table for hand checks.
A = {"Li": 6.94, "C": 12.011, "O": 15.999, "W": 183.84, "V": 50.942, "Sc": 44.956,
     "Sb": 121.76, "Pr": 140.91, "Nd": 144.24, "H": 1.0080, "Ta": 180.95, "Co": 58.933}  # fmt: skip


def test_atomic_weight_table_covers_required_elements_and_is_sourced() -> None:
    required = {
        "H", "C", "N", "O", "Li", "Be", "Al", "Sc", "Ti", "V", "Cr", "Mn", "Co", "Ni", "Cu",
        "Ga", "Ge", "Y", "Nb", "Mo", "In", "Sn", "Sb", "Te", "La", "Ce", "Pr", "Nd", "Sm",
        "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Yb", "Lu", "Ta", "W", "Pt", "Pd", "Bi",
    }  # fmt: skip
    with (DATA / "atomic_weights.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    symbols = [r["symbol"] for r in rows]
    assert required <= set(symbols)
    assert len(symbols) == len(set(symbols))
    numbers = [int(r["atomic_number"]) for r in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert all(float(r["atomic_weight"]) > 0 for r in rows)
    from stockpile.reference import load_sources

    assert {r["source_id"] for r in rows} <= set(load_sources()["source_id"])


@pytest.mark.parametrize(("symbol", "weight"), sorted(A.items()))
def test_atomic_weights(symbol: str, weight: float) -> None:
    assert atomic_weight(symbol) == weight


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li2CO3", 2 * A["Li"] + A["C"] + 3 * A["O"]),  # 73.888
        ("WO3", A["W"] + 3 * A["O"]),
        ("Pr6O11", 6 * A["Pr"] + 11 * A["O"]),
        ("LiOH·H2O", A["Li"] + 2 * A["O"] + 3 * A["H"]),
        ("Co3(CO3)2", 3 * A["Co"] + 2 * A["C"] + 6 * A["O"]),
        ("Sb", A["Sb"]),
    ],
)
def test_molar_mass_hand_values(formula: str, expected: float) -> None:
    assert molar_mass(formula) == pytest.approx(expected, rel=1e-12)


def test_molar_mass_li2co3_printed_value() -> None:
    assert molar_mass("Li2CO3") == pytest.approx(73.888, abs=1e-9)


@pytest.mark.parametrize(
    ("formula", "counts"),
    [
        ("Pr6O11", {"Pr": 6, "O": 11}),
        ("Ca5(PO4)3F", {"Ca": 5, "P": 3, "O": 12, "F": 1}),
        ("CoSO4.7H2O", {"Co": 1, "S": 1, "O": 11, "H": 14}),
        ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
        ("LiOH·H2O", {"Li": 1, "O": 2, "H": 3}),
    ],
)
def test_parse_formula(formula: str, counts: dict[str, int]) -> None:
    assert dict(parse_formula(formula)) == counts


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("", "non-empty"),
        ("Xx2O3", r"'Xx2O3'.*'Xx'"),
        ("Li2(CO3", "missing"),
        ("Li2CO3)", "unexpected"),
        ("Li0O", "zero count"),
        ("li2co3", "unexpected 'l'"),
        ("Li2CO3·", "empty part"),
    ],
)
def test_parse_formula_errors(formula: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_formula(formula)


@pytest.mark.parametrize(
    ("compound", "element", "expected"),
    [
        # hand-computed n*A(el)/M(compound) with the abridged atomic weights
        ("Li2CO3", None, 2 * 6.94 / 73.888),  # ~0.1878
        ("WO3", None, 183.84 / 231.837),  # ~0.7930
        ("V2O5", None, 2 * 50.942 / (2 * 50.942 + 5 * 15.999)),
        ("Sc2O3", None, 2 * 44.956 / (2 * 44.956 + 3 * 15.999)),
        ("Sb2O3", None, 2 * 121.76 / (2 * 121.76 + 3 * 15.999)),
        ("Ta2O5", None, 2 * 180.95 / (2 * 180.95 + 5 * 15.999)),
        ("REO", "Nd", 2 * 144.24 / (2 * 144.24 + 3 * 15.999)),
        ("REO", "Pr", 6 * 140.91 / (6 * 140.91 + 11 * 15.999)),
        ("Co", None, 1.0),
        ("Li2CO3", "O", 3 * 15.999 / 73.888),
    ],
)
def test_element_fraction_hand_values(compound: str, element: str | None, expected: float) -> None:
    assert element_fraction(compound, element) == pytest.approx(expected, rel=1e-12)


def test_published_factors() -> None:
    assert element_fraction("Li2CO3") == pytest.approx(0.1878, abs=1e-4)
    # 1 t Li = 5.323 t lithium carbonate equivalent (the factor used by the lithium trade).
    assert to_compound(Q_(1.0, "t"), "LCE").magnitude == pytest.approx(5.323, abs=5e-4)
    # USGS: one metric ton unit (10 kg) of WO3 contains 7.93 kg W.
    assert element_fraction("WO3") == pytest.approx(0.7930, abs=5e-5)
    assert to_element(Q_(10.0, "kg"), "WO3").magnitude == pytest.approx(7.93, abs=5e-3)
    assert convert(Q_(1, "mtu_WO3"), "kg").magnitude == pytest.approx(
        to_element(Q_(10.0, "kg"), "WO3").magnitude, abs=5e-3
    )
    # 1 kg V = 1.785 kg V2O5 (USGS vanadium conversion).
    assert 1 / element_fraction("V2O5") == pytest.approx(1.785, abs=5e-4)


def test_basis_names_and_aliases() -> None:
    assert basis("LCE") is basis("lithium carbonate") is basis("Li2CO3")
    assert basis("Sb content").element == "Sb"
    assert basis("Sb").formula == "Sb"
    assert basis("REO equivalent").is_mixture
    assert basis("TREO") is basis("REO")
    assert basis("TiO2 content").element == "Ti"
    assert basis("Y2O3 equivalent").element == "Y"
    assert basis("CoSO4·7H2O").element == "Co"
    keys = [b.key for b in bases()]
    assert len(keys) == len(set(keys))
    assert {"REO", "Li2CO3", "WO3", "V2O5", "Sc2O3", "Ta2O5", "Sb2O3", "Nd2O3"} <= set(keys)


def test_unknown_basis() -> None:
    with pytest.raises(UnitError, match="unknown basis 'gross weight'"):
        basis("gross weight")


def test_reo_without_element_is_a_clear_error() -> None:
    with pytest.raises(UnitError, match=r"mixture.*name the element"):
        to_element(Q_(100.0, "t"), "REO")
    with pytest.raises(UnitError, match="not a rare-earth"):
        element_fraction("REO", "Fe")


def test_element_not_in_compound() -> None:
    with pytest.raises(UnitError, match="'Nd' is not in compound 'WO3'"):
        element_fraction("WO3", "Nd")


def test_ambiguous_compound_needs_element() -> None:
    with pytest.raises(UnitError, match="name the element"):
        element_fraction("FeCr2O4")
    assert element_fraction("FeCr2O4", "Cr") == pytest.approx(
        2 * 51.996 / (55.845 + 2 * 51.996 + 4 * 15.999), rel=1e-12
    )


def test_contained_units_refuse_to_element() -> None:
    with pytest.raises(UnitError, match="already measures contained element"):
        to_element(Q_(5, "mtu_WO3"), "WO3")
    wo3 = to_compound(Q_(1, "mtu_WO3"), "WO3")
    assert convert(wo3, "kg").magnitude == pytest.approx(7.93 / (183.84 / 231.837), rel=1e-12)


def test_to_element_needs_a_mass() -> None:
    with pytest.raises(UnitError, match="must be a mass"):
        to_element(Q_(1.0, "m"), "WO3")
    with pytest.raises(UnitError, match="must be a mass quantity, a number"):
        to_element("12 t", "WO3")
    with pytest.raises(UnitError, match="must be a mass quantity, a number"):
        to_compound(np.array(["a"]), "WO3")


def test_plain_numbers_and_arrays() -> None:
    out = to_element(np.array([100.0, 200.0]), "Sc2O3")
    np.testing.assert_allclose(out, np.array([100.0, 200.0]) * element_fraction("Sc2O3"))
    q = to_element(Q_(np.array([1.0, 2.0]), "short_ton"), "Sb2O3")
    assert str(q.units) == "short_ton"


_COMPOUNDS = [b.key for b in bases() if not b.is_mixture]
_REE = ["Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Yb", "Lu"]


@given(
    st.floats(min_value=1e-6, max_value=1e12),
    st.sampled_from(_COMPOUNDS),
    st.sampled_from(["t", "kg", "lb", "short_ton"]),
)
def test_to_compound_inverts_to_element(mass: float, compound: str, unit: str) -> None:
    element = to_element(Q_(mass, unit), compound)
    assert element.magnitude <= mass
    back = to_compound(element, compound)
    assert str(back.units) == str(Q_(mass, unit).units)
    assert back.magnitude == pytest.approx(mass, rel=1e-13)


@given(st.floats(min_value=1e-6, max_value=1e12), st.sampled_from(_REE))
def test_reo_round_trip_with_named_element(mass: float, element: str) -> None:
    back = to_compound(to_element(Q_(mass, "t"), "REO", element), "REO", element)
    assert back.magnitude == pytest.approx(mass, rel=1e-13)


_ELEMENTS = ["H", "Li", "C", "N", "O", "Al", "Co", "Ni", "W", "Nd", "Pr", "Sb", "Ta", "Ga"]


@given(st.dictionaries(st.sampled_from(_ELEMENTS), st.integers(1, 12), min_size=1, max_size=5))
def test_mass_fractions_sum_to_one(counts: dict[str, int]) -> None:
    formula = "".join(f"{el}{n}" for el, n in counts.items())
    assert dict(parse_formula(formula)) == counts
    total = sum(element_fraction(formula, el) for el in counts)
    assert total == pytest.approx(1.0, rel=1e-12)


def test_catalogue_bases_resolve() -> None:
    from stockpile.reference import catalogue

    for material in catalogue():
        if material.compound:
            b = basis(material.compound)
            if not b.is_mixture:
                fraction = element_fraction(material.compound, material.element or None)
                assert 0 < fraction <= 1, material.key
        if material.element:
            assert basis(f"{material.element} content").element == material.element


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("symbol,name,atomic_weight\nH,hydrogen,1.008\n", "header"),
        (
            "symbol,name,atomic_number,atomic_weight,source_id\nh,hydrogen,1,1.008,X\n",
            r"line 2, column 'symbol'",
        ),
        (
            "symbol,name,atomic_number,atomic_weight,source_id\nH,hydrogen,1,-1,X\n",
            r"line 2, column 'atomic_weight'.*positive",
        ),
        (
            "symbol,name,atomic_number,atomic_weight,source_id\nH,hydrogen,1,1.008,X\n"
            "H,hydrogen,1,1.008,X\n",
            r"line 3: duplicate symbol 'H'",
        ),
    ],
)
def test_atomic_weight_table_errors(text: str, message: str) -> None:
    from stockpile._units_chem import _parse_atomic_weights

    with pytest.raises(UnitError, match=message):
        _parse_atomic_weights(text)
