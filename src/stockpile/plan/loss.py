"""Value of lost use: what one unit of unmet demand costs, per priority class.

These are policy assumptions, not data: no published figure prices a ton of antimony missing
from a munitions line. Defaults (each overridable per material):

* defence: 10 x the material's reference price [USD/unit],
* essential civilian: 3 x the reference price,
* other: 0 (the planner does not buy for it).

Rationale of the defaults (an assumption, stated so it can be argued with): a unit of demand
that cannot be met is worth at least the price that would clear the shortage. In the
isoelastic market of domain.md section 4 with a short-run demand elasticity of -0.2 (inside the
built-in scenarios' assumed range -0.30 to -0.05), a 20 % shortfall clears at
``0.8^(1/-0.2) = 3.05`` times the price and a 37 % shortfall at ``0.63^(-5) = 10.1`` times:
essential civilian use is valued at the first, defence use (the stockpile's purpose under
50 U.S.C. 98) at the second. Buying is worth it only while the loss avoided per dollar exceeds
one, so these multiples set how deep into the tail of the shortfall distribution a plan buys.

A per-material override gives either multiples of the price or USD per unit of the material,
with its source or rationale. :meth:`LossValues.class_values` builds the
``ShortfallSample.class_values`` matrix [USD/material unit].
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.errors import PlanInputError

__all__ = ["CLASS_ORDER", "LossValues", "MaterialLossValue", "parse_loss_value"]

#: Priority classes in release order.
CLASS_ORDER = ("defence", "essential", "other")


@dataclass(frozen=True)
class MaterialLossValue:
    """A material's value of lost use per class.

    Attributes
    ----------
    material : str
        Material key.
    values : tuple of float
        Value per class in :data:`CLASS_ORDER` (defence, essential, other): multiples of the
        reference price [-] when ``unit`` is empty, else USD per ``unit`` [USD/unit].
    unit : str
        Mass unit of USD values (``"metric_ton"``, ``"kilogram"``); empty for multiples.
    source : str
        Source or rationale of the figures.
    """

    material: str
    values: tuple[float, float, float]
    unit: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        name = f"loss_values[{self.material}]"
        if len(self.values) != 3:
            raise PlanInputError(
                name, f"needs 3 values (defence, essential, other), got {self.values}"
            )
        if any(not (math.isfinite(v) and v >= 0) for v in self.values):
            raise PlanInputError(name, f"values must be finite and >= 0, got {self.values}")
        if any(b > a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise PlanInputError(
                name, f"must not rise from defence to other (release order), got {self.values}"
            )


@dataclass(frozen=True)
class LossValues:
    """Default multiples of the reference price per class, and per-material overrides.

    Attributes
    ----------
    defence, essential, other : float
        Multiples of the reference price [-]; non-increasing.
    overrides : mapping of str to MaterialLossValue
        Per-material values by material key.
    """

    defence: float = 10.0
    essential: float = 3.0
    other: float = 0.0
    overrides: Mapping[str, MaterialLossValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        MaterialLossValue("default", (self.defence, self.essential, self.other))

    def class_values(
        self,
        materials: Sequence[str],
        classes: Sequence[str],
        unit_prices: NDArray[np.float64],
        kg_per_unit: Sequence[float],
    ) -> NDArray[np.float64]:
        """Value of lost use per material and class, shape (M, K) [USD/material unit].

        Parameters
        ----------
        materials : sequence of str
            Material keys.
        classes : sequence of str
            Classes planned for (a prefix of :data:`CLASS_ORDER`).
        unit_prices : ndarray, shape (M,)
            Reference price [USD/material unit].
        kg_per_unit : sequence of float
            Kilograms per material unit (to convert USD-per-unit overrides).
        """
        from stockpile.units import UnitError, exact_factor

        idx = [CLASS_ORDER.index(c) for c in classes]
        out = np.zeros((len(materials), len(idx)))
        base = np.array([self.defence, self.essential, self.other])
        for i, mat in enumerate(materials):
            ov = self.overrides.get(mat)
            if ov is None:
                out[i] = base[idx] * unit_prices[i]
            elif not ov.unit:
                out[i] = np.array(ov.values)[idx] * unit_prices[i]
            else:
                try:
                    f = exact_factor(ov.unit, "kilogram")
                except UnitError as exc:
                    raise PlanInputError(f"loss_values[{mat}].unit", str(exc)) from None
                per_kg = np.array(ov.values)[idx] / (f.numerator / f.denominator)
                out[i] = per_kg * kg_per_unit[i]
        return out

    def describe(self) -> list[str]:
        """The assumptions in words (printed with every plan)."""
        lines = [
            f"value of lost use: defence {self.defence:g}x, essential "
            f"{self.essential:g}x, other {self.other:g}x the reference price per unit short"
        ]
        for ov in self.overrides.values():
            per = f" USD/{ov.unit}" if ov.unit else "x price"
            vals = ", ".join(f"{c} {v:g}{per}" for c, v in zip(CLASS_ORDER, ov.values, strict=True))
            lines.append(f"value of lost use for {ov.material}: {vals} [{ov.source or 'user'}]")
        return lines


_LOSS = re.compile(
    r"^\s*(?P<mat>[^=]+?)\s*=\s*(?P<vals>[\d.eE+\-]+(?:\s*,\s*[\d.eE+\-]+){1,2})"
    r"\s*(?:USD\s*/\s*(?P<unit>[A-Za-z_ ]+))?\s*$"
)


def parse_loss_value(text: str, source: str = "command line") -> MaterialLossValue:
    """Parse ``"antimony=5,2"`` (multiples) or ``"antimony=400000,200000 USD/metric_ton"``.

    A missing third value (other) is 0. The material name is resolved by the caller.
    """
    m = _LOSS.match(text)
    if m is None:
        raise PlanInputError(
            "--loss-value",
            f"cannot read {text!r}; write MATERIAL=DEFENCE,ESSENTIAL[,OTHER] (multiples of the "
            "price) or ...=D,E USD/UNIT",
        )
    try:
        vals = [float(v) for v in m.group("vals").split(",")]
    except ValueError:
        raise PlanInputError("--loss-value", f"bad number in {text!r}") from None
    while len(vals) < 3:
        vals.append(0.0)
    unit = (m.group("unit") or "").strip()
    return MaterialLossValue(m.group("mat").strip(), (vals[0], vals[1], vals[2]), unit, source)
