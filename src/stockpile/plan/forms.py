"""Purchase price of a material in a form of its chain: ore or concentrate against metal.

A plan may buy a material in an upstream form (``mine`` = ore or concentrate) that serves
demand only through conversion (:mod:`stockpile.simulate.routes`). Its price comes from the
reference data only:

* the arrival form (the stage at which U.S. imports arrive) is priced as every purchase is
  (:func:`stockpile.plan.purchase_prices`: the reference series at the price year, or a
  programme contract);
* the ``mine`` form is priced when the material's reference series in ``prices.csv`` is itself
  a price of ore or concentrate (its name says ``concentrate``, ``ore`` or ``flake``: tungsten
  concentrate per metric ton unit of WO3, natural flake graphite), converted to the material's
  contained basis by :func:`stockpile.pricing.unit_price` (tungsten: 7.93 kg W per mtu, USGS);
* any other case is unpriced, and the reason names the series that exists. No price is
  inferred from another form's price.

Where the arrival form is priced from an ore or concentrate series (tungsten, graphite), the
price says so: the data has no price of the processed form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockpile.plan.terms import PriceUsed

__all__ = ["FormPrice", "form_price", "is_mine_form_series"]

_MINE_WORDS = re.compile(r"\b(concentrates?|ore|flake)\b", re.IGNORECASE)


def is_mine_form_series(series: str) -> bool:
    """Whether a ``prices.csv`` series name prices ore or concentrate (the mine form)."""
    return bool(_MINE_WORDS.search(series))


@dataclass(frozen=True)
class FormPrice:
    """The purchase price of a material in one form.

    Attributes
    ----------
    material, form : material key and form (stage name).
    price : price [USD/material unit] with its provenance; None when unpriced.
    note : why unpriced, or what the price stands for.
    """

    material: str
    form: str
    price: PriceUsed | None
    note: str

    @property
    def priced(self) -> bool:
        """Whether a price exists for the form."""
        return self.price is not None


def form_price(
    material: str,
    unit: str,
    form: str,
    *,
    arrival: str,
    year: int | None = None,
    arrival_price: PriceUsed | None = None,
) -> FormPrice:
    """Price of ``material`` bought in ``form`` [USD/``unit`` of contained material].

    Parameters
    ----------
    material : catalogue key.
    unit : unit of account of the material (``"metric_ton"``).
    form : the form bought (stage name).
    arrival : the stage at which U.S. imports arrive (the form demand uses).
    year : price year (default: the latest with a price).
    arrival_price : the plan's price of the arrival form (a contract's, for instance);
        default the reference series.
    """
    from stockpile.pricing import PriceError, unit_price

    try:
        ref = unit_price(material, year=year)
    except PriceError as exc:
        if form == arrival and arrival_price is not None:
            return FormPrice(material, form, arrival_price, "")
        return FormPrice(material, form, None, f"unpriced: {exc.problem}")
    mine_series = is_mine_form_series(ref.series)
    if form == arrival:
        price = arrival_price or PriceUsed(
            ref.per(unit), ref.year, ref.basis, f"{ref.label()}; {ref.series}"
        )
        note = (
            f"priced from an ore/concentrate series ({ref.series}): the reference data has "
            f"no price of {material} in the {arrival} form"
            if mine_series and arrival_price is None
            else ""
        )
        return FormPrice(material, form, price, note)
    if form == "mine" and mine_series:
        label = f"{ref.label()}; {ref.series} (an ore/concentrate price, on {ref.basis})"
        return FormPrice(material, form, PriceUsed(ref.per(unit), ref.year, ref.basis, label), "")
    return FormPrice(
        material,
        form,
        None,
        f"unpriced: the reference data has no price of {material} in the {form} form "
        f"(prices.csv has {ref.series!r}, a price of the {arrival} form)",
    )
