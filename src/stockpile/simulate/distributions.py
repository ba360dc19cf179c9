"""Declarative probability distributions for uncertain scenario inputs.

A scenario states each uncertain number as a distribution spec (``{dist: uniform, low: 0.1,
high: 0.3}``; a bare number means a fixed value). Specs are pydantic models that check their own
parameters; :meth:`sample` draws through an explicit :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import special

__all__ = [
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "describe",
]

FloatArray = npt.NDArray[np.float64]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def support(self) -> tuple[float, float]:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:  # pragma: no cover
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError


class Fixed(_Spec):
    """A known value (draws nothing from the generator)."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(allow_inf_nan=False)

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value."""
        return (self.value, self.value)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` copies of the value."""
        return np.full(n, self.value, dtype=np.float64)

    def mean(self) -> float:
        """Expected value."""
        return self.value


class Uniform(_Spec):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"uniform needs low <= high, got low={self.low}, high={self.high}")
        return self

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws."""
        return rng.uniform(self.low, self.high, n)

    def mean(self) -> float:
        """Expected value."""
        return 0.5 * (self.low + self.high)


class Triangular(_Spec):
    """Triangular with minimum ``low``, mode ``mode`` and maximum ``high``."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "triangular needs low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws."""
        return rng.triangular(self.low, self.mode, self.high, n)

    def mean(self) -> float:
        """Expected value."""
        return (self.low + self.mode + self.high) / 3.0


class Normal(_Spec):
    """Normal with mean ``mean`` and standard deviation ``sd``, optionally truncated to
    [low, high] (sampled exactly by the inverse CDF, not by clipping)."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean", allow_inf_nan=False)
    sd: float = Field(allow_inf_nan=False)
    low: float = -math.inf
    high: float = math.inf

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if not self.sd > 0:
            raise ValueError(f"normal needs sd > 0, got sd={self.sd}")
        if not self.low < self.high:
            raise ValueError(f"normal needs low < high, got low={self.low}, high={self.high}")
        a, b = self._cdf_bounds()
        if not b - a > 1e-12:
            raise ValueError("normal truncation interval has (almost) no probability mass")
        return self

    def _cdf_bounds(self) -> tuple[float, float]:
        a = float(special.ndtr((self.low - self.mean_) / self.sd))
        b = float(special.ndtr((self.high - self.mean_) / self.sd))
        return a, b

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws."""
        a, b = self._cdf_bounds()
        p = a + rng.random(n) * (b - a)
        x = self.mean_ + self.sd * special.ndtri(p)
        return np.clip(x, self.low, self.high)

    def mean(self) -> float:
        """Expected value (of the truncated distribution)."""
        alpha = (self.low - self.mean_) / self.sd
        beta = (self.high - self.mean_) / self.sd
        a, b = self._cdf_bounds()
        pdf_a = (
            math.exp(-0.5 * alpha * alpha) / math.sqrt(2 * math.pi) if math.isfinite(alpha) else 0.0
        )
        pdf_b = (
            math.exp(-0.5 * beta * beta) / math.sqrt(2 * math.pi) if math.isfinite(beta) else 0.0
        )
        return self.mean_ + self.sd * (pdf_a - pdf_b) / (b - a)


class LogNormal(_Spec):
    """Log-normal with median ``median`` and log-space standard deviation ``sigma``."""

    dist: Literal["lognormal"]
    median: float = Field(allow_inf_nan=False)
    sigma: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if not self.median > 0:
            raise ValueError(f"lognormal needs median > 0, got median={self.median}")
        if not self.sigma >= 0:
            raise ValueError(f"lognormal needs sigma >= 0, got sigma={self.sigma}")
        return self

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value."""
        return (0.0, math.inf) if self.sigma > 0 else (self.median, self.median)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws."""
        return rng.lognormal(math.log(self.median), self.sigma, n)

    def mean(self) -> float:
        """Expected value."""
        return self.median * math.exp(0.5 * self.sigma**2)


def _coerce(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, got a boolean")
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value and set(value) == {"value"}:
        return {"dist": "fixed", **value}
    return value


Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | LogNormal,
    Field(discriminator="dist"),
    BeforeValidator(_coerce),
]
"""A distribution spec: a bare number (fixed) or a mapping with ``dist`` and its parameters."""


def describe(spec: Fixed | Uniform | Triangular | Normal | LogNormal) -> str:
    """Short text form of a distribution spec, e.g. ``"uniform(0.1, 0.3)"``."""
    if isinstance(spec, Fixed):
        return f"{spec.value:g}"
    if isinstance(spec, Uniform):
        return f"uniform({spec.low:g}, {spec.high:g})"
    if isinstance(spec, Triangular):
        return f"triangular({spec.low:g}, {spec.mode:g}, {spec.high:g})"
    if isinstance(spec, Normal):
        return f"normal({spec.mean_:g}, {spec.sd:g}; [{spec.low:g}, {spec.high:g}])"
    return f"lognormal(median {spec.median:g}, sigma {spec.sigma:g})"
