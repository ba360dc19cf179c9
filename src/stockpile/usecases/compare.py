"""Compare a scenario with its variants on common random numbers: the use case.

The base is a built-in scenario or a file; the variants are other scenarios named by the user,
or, when none is named, the base's own ``variants:`` section. All run on the same seed, so each
difference is the effect of what the variant changes (see :mod:`stockpile.simulate.compare`).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from stockpile.display import unit_label
from stockpile.simulate import parse_scenario, resolve_scenario
from stockpile.simulate.compare import Comparison, Difference, apply_variant, compare_scenarios
from stockpile.simulate.io import read_scenario_text
from stockpile.usecases.errors import Progress, UseCaseInputError
from stockpile.usecases.holdings import ModelHoldings

__all__ = ["CompareReport", "CompareRequest", "DifferenceBars", "compare_variants"]


class CompareRequest(BaseModel):
    """A base scenario and its variants, run on the same draws."""

    model_config = ConfigDict(frozen=True)

    base: str = Field(
        default="", description="Built-in scenario name or scenario file (or give base_text)"
    )
    base_text: str | None = Field(
        default=None, max_length=200_000, description="The base scenario as YAML text"
    )
    variants: tuple[str, ...] = Field(
        default=(),
        description="Scenarios to compare with the base (default: the base's own variants)",
    )
    only: tuple[str, ...] = Field(
        default=(), description="Names of the base's own variants to run (default: all)"
    )
    runs: int = Field(default=2000, ge=1, le=200_000, description="Monte Carlo scenarios S")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


def _d(diff: Difference | None, fmt: str) -> str:
    if diff is None:
        return "(base)"
    if diff.mean is None:
        return "n/a"
    if diff.low == diff.high == diff.mean:
        return f"{diff.mean:+{fmt}}"
    return f"{diff.mean:+{fmt}} [{diff.low:+{fmt}}, {diff.high:+{fmt}}]"


def _v(value: float | None, fmt: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, fmt)


class DifferenceBars(BaseModel):
    """One material: each variant's difference from the base (mean) and the distance from
    the mean up to the 95% interval's upper end, in shortfall [unit] and peak price ratio [-].

    A difference that cannot be computed counts as 0 with no interval."""

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    variants: tuple[str, ...]
    shortfall: tuple[float, ...]
    shortfall_up: tuple[float, ...]
    peak_price_ratio: tuple[float, ...]
    peak_price_ratio_up: tuple[float, ...]


def _bar(diff: Difference | None) -> tuple[float, float]:
    mean = diff.mean if diff is not None and diff.mean is not None else 0.0
    high = diff.high if diff is not None and diff.high is not None else mean
    return mean, high - mean


class CompareReport(Comparison):
    """The comparison table, with a plain-text rendering and the difference bars."""

    def difference_bars(self) -> list[DifferenceBars]:
        """Per material (in the base's order), the variants' differences from the base; the
        variant names drop the ``base--`` prefix of the base's own variants."""
        out = []
        for j, first in enumerate(self.variants[0].materials):
            rows = [v.materials[j] for v in self.variants[1:]]
            short = [_bar(m.diff_shortfall) for m in rows]
            peak = [_bar(m.diff_peak_price_ratio) for m in rows]
            out.append(
                DifferenceBars(
                    material=first.material,
                    unit=first.unit,
                    variants=tuple(
                        v.name.removeprefix(f"{self.base}--") for v in self.variants[1:]
                    ),
                    shortfall=tuple(m for m, _ in short),
                    shortfall_up=tuple(u for _, u in short),
                    peak_price_ratio=tuple(m for m, _ in peak),
                    peak_price_ratio_up=tuple(u for _, u in peak),
                )
            )
        return out

    def to_text(self) -> str:
        """One block per material: each variant's figures and its difference from the base."""
        lines = [
            f"base {self.base}: {self.runs} runs, seed {self.seed}, {self.horizon_months} "
            "months; differences are variant - base on the same draws, mean [95% interval]",
            f"holdings: {self.holdings_note}",
        ]
        keys = [m.material for m in self.variants[0].materials]
        for j, key in enumerate(keys):
            unit = self.variants[0].materials[j].unit
            lines += [
                "",
                f"{key} [{unit_label(unit)}]",
                f"  {'variant':<28} {'shortfall':>12} {'P(prio short)':>13} "
                f"{'cover left d':>12} {'peak P/P0':>9}  difference in shortfall; in peak price",
            ]
            for v in self.variants:
                m = next((x for x in v.materials if x.material == key), None)
                if m is None:
                    continue
                name = v.name.removeprefix(f"{self.base}--")
                lines.append(
                    f"  {name:<28} {_v(m.shortfall, ',.0f'):>12} "
                    f"{_v(m.priority_short_probability, '.3f'):>13} "
                    f"{_v(m.days_of_cover_end, ',.1f'):>12} {_v(m.peak_price_ratio, '.2f'):>9}"
                    f"  {_d(m.diff_shortfall, ',.0f')}"
                    + (
                        ""
                        if m.diff_shortfall is None
                        else f"; {_d(m.diff_peak_price_ratio, '.2f')}"
                    )
                )
        notes = [(v.name, n) for v in self.variants for n in v.lever_notes]
        if notes:
            lines += ["", "levers (source or ASSUMPTION):"]
            lines += [f"  {name}: {note}" for name, note in notes]
        return "\n".join(lines)


def compare_variants(
    request: CompareRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
) -> CompareReport:
    """Run the base scenario and its variants on the same draws and compare them."""
    if request.base_text is not None:
        base = parse_scenario(
            read_scenario_text(request.base_text, "<uploaded scenario>"), "<uploaded scenario>"
        )
    elif request.base:
        base, _ = resolve_scenario(request.base)
    else:
        raise UseCaseInputError("base", "name a scenario or give its text")
    if request.variants:
        variants = [resolve_scenario(name)[0] for name in request.variants]
    else:
        known = {v.name: v for v in base.variants}
        unknown = [n for n in request.only if n not in known]
        if unknown:
            raise UseCaseInputError(
                "only", f"no variant {', '.join(map(repr, unknown))} in {base.name}"
            )
        chosen = [known[n] for n in request.only] if request.only else list(base.variants)
        if not chosen:
            raise UseCaseInputError(
                "variants", f"{base.name} has no variants: name the scenarios to compare"
            )
        variants = [apply_variant(base, v) for v in chosen]
    if progress is not None:
        progress(0.0, f"simulating {1 + len(variants)} variants x {request.runs} runs")
    comparison = compare_scenarios(
        base,
        variants,
        runs=request.runs,
        seed=request.seed,
        holdings=holdings.simulation_input() if holdings is not None else None,
        holdings_note=holdings.note if holdings is not None else None,
        release_capacity=holdings.release_capacity_input() if holdings is not None else None,
        release_capacity_note=holdings.capacity_note if holdings is not None else None,
    )
    if progress is not None:
        progress(1.0, "done")
    return CompareReport.model_validate(comparison.model_dump())
