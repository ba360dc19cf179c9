"""Bayesian fit of the market dynamics to the episodes (affine-invariant MCMC, ``emcee``).

Parameters (uniform priors on the bounds of :data:`PRIORS`): the short-run elasticity per
:class:`~stockpile.calibration.targets.Family` (in logs), the long-run multiplier ``k``, the
adjustment time ``T`` [month], the inventory cover ``c`` [month], the price-ratio cap (in logs),
and a model error ``sigma_m`` [-]; plus, per fitted episode, its cut [-] and duration [month]
within the measured ranges (latent, uniform). Likelihood of target i:

    log(observed_i) ~ Normal(log(model_i), sigma_obs(grade_i)^2 + sigma_m^2)

The posterior predictive of a target adds the same noise to the model's ratio, so its interval
says where an observation of that grade is expected to fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import emcee
import numpy as np
import numpy.typing as npt
import pandas as pd

from stockpile.calibration.targets import Family, Target, model_ratios
from stockpile.market_dynamics import DynamicsParams

__all__ = [
    "DEMAND_SHARE",
    "PRIORS",
    "FitOptions",
    "Posterior",
    "fit",
    "parameter_names",
    "predict",
]

_FloatArray = npt.NDArray[np.float64]

# ASSUMPTION: half of the price response on the demand side; price data identify only es - ed.
DEMAND_SHARE = 0.5

PRIORS: dict[str, tuple[float, float]] = {
    **{f"log_eta_{f.value}": (math.log(0.02), math.log(5.0)) for f in Family},
    "long_run_multiplier": (1.0, 10.0),
    "adjustment_months": (1.0, 60.0),
    "inventory_cover_months": (0.0, 6.0),
    "log_max_price_ratio": (math.log(2.0), math.log(100.0)),
    "model_error": (0.01, 1.0),
}
"""Uniform prior bounds of the shared parameters (logs of elasticities and of the cap)."""


@dataclass(frozen=True)
class FitOptions:
    """MCMC settings: walkers, steps, burn-in (discarded), thinning, seed."""

    walkers: int = 64
    steps: int = 3000
    burn: int = 1500
    thin: int = 10
    seed: int = 20251206


def _latent_bounds(targets: list[Target]) -> dict[str, tuple[float, float]]:
    bounds: dict[str, tuple[float, float]] = {}
    for t in targets:
        if t.cut is None or t.duration is None:
            continue
        if t.cut[1] > t.cut[0]:
            bounds[f"cut:{t.episode_id}"] = t.cut
        if t.duration[1] > t.duration[0]:
            bounds[f"duration:{t.episode_id}"] = t.duration
    return bounds


def parameter_names(targets: list[Target]) -> list[str]:
    """Names of the sampled parameters for the fitted ``targets`` (shared, then latent)."""
    return [*PRIORS, *_latent_bounds([t for t in targets if t.fit])]


@dataclass(frozen=True)
class Posterior:
    """Posterior draws (rows) of the named parameters (columns), in sampling units.

    Attributes
    ----------
    names : parameter names (``log_eta_<family>``, ..., ``cut:<episode>``, ...).
    samples : [n, len(names)] draws.
    acceptance : mean acceptance fraction of the walkers [-].
    episodes : the episodes whose targets were fitted.
    autocorr_steps : largest integrated autocorrelation time of the parameters [step]
        (NaN when not known); the kept chain should be many times longer.
    """

    names: tuple[str, ...]
    samples: _FloatArray
    acceptance: float
    episodes: tuple[str, ...]
    autocorr_steps: float = float("nan")

    def column(self, name: str) -> _FloatArray:
        """Draws of one parameter."""
        return np.asarray(self.samples[:, self.names.index(name)])

    def frame(self) -> pd.DataFrame:
        """Draws in natural units: ``eta_<family>`` [-], ``max_price_ratio`` [-], ..."""
        out: dict[str, _FloatArray] = {}
        for i, name in enumerate(self.names):
            col = self.samples[:, i]
            if name.startswith("log_"):
                out[name[4:]] = np.exp(col)
            else:
                out[name] = col
        return pd.DataFrame(out)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, acceptance: float = float("nan")) -> Posterior:
        """Inverse of :meth:`frame`."""
        names: list[str] = []
        cols: list[_FloatArray] = []
        for name in frame.columns:
            values = frame[name].to_numpy(dtype=np.float64)
            logged = name.startswith("eta_") or name == "max_price_ratio"
            names.append(f"log_{name}" if logged else str(name))
            cols.append(np.log(values) if logged else values)
        episodes = sorted({n.split(":", 1)[1] for n in names if ":" in n})
        return cls(tuple(names), np.column_stack(cols), acceptance, tuple(episodes))


def _dynamics(theta: _FloatArray, names: list[str], targets: list[Target]) -> DynamicsParams:
    col = {n: theta[:, i] for i, n in enumerate(names)}
    eta = np.column_stack([np.exp(col[f"log_eta_{t.family.value}"]) for t in targets])
    shape = eta.shape
    return DynamicsParams(
        short_run_elasticity=eta,
        long_run_multiplier=np.broadcast_to(col["long_run_multiplier"][:, None], shape),
        adjustment_months=np.broadcast_to(col["adjustment_months"][:, None], shape),
        inventory_cover_months=np.broadcast_to(col["inventory_cover_months"][:, None], shape),
        max_price_ratio=np.broadcast_to(np.exp(col["log_max_price_ratio"])[:, None], shape),
        demand_share=DEMAND_SHARE,
    )


def _cuts(
    theta: _FloatArray,
    names: list[str],
    targets: list[Target],
    rng: np.random.Generator | None,
) -> tuple[_FloatArray, _FloatArray]:
    """Cut and duration per draw and target: the sampled latent if the episode has one, a fixed
    measured value if its range is a point, else a fresh uniform draw from ``rng``."""
    n = theta.shape[0]
    cut = np.empty((n, len(targets)))
    dur = np.empty((n, len(targets)))
    drawn: dict[str, _FloatArray] = {}
    for j, t in enumerate(targets):
        if t.cut is None or t.duration is None:
            raise ValueError(f"{t.target_id}: cut and duration not measured, cannot simulate it")
        for out, key, (lo, hi) in ((cut, "cut", t.cut), (dur, "duration", t.duration)):
            name = f"{key}:{t.episode_id}"
            if name in names:
                out[:, j] = theta[:, names.index(name)]
            elif hi == lo:
                out[:, j] = lo
            else:
                if rng is None:
                    raise ValueError(f"{name}: not sampled and no generator to draw it")
                if name not in drawn:
                    drawn[name] = np.asarray(rng.uniform(lo, hi, n), dtype=np.float64)
                out[:, j] = drawn[name]
    return cut, dur


def _log_prob(
    theta: _FloatArray, names: list[str], targets: list[Target], lo: _FloatArray, hi: _FloatArray
) -> _FloatArray:
    theta = np.atleast_2d(theta)
    inside = np.all((theta >= lo) & (theta <= hi), axis=1)
    out = np.full(theta.shape[0], -np.inf)
    if not inside.any():
        return out
    th = theta[inside]
    cut, dur = _cuts(th, names, targets, None)
    ratio = model_ratios(targets, cut, dur, _dynamics(th, names, targets))
    obs = np.log([t.observed_ratio for t in targets])
    s_obs = np.array([t.sigma for t in targets])
    s_m = th[:, names.index("model_error")][:, None]
    var = s_obs**2 + s_m**2
    resid = obs - np.log(ratio)
    out[inside] = -0.5 * np.sum(resid**2 / var + np.log(2 * np.pi * var), axis=1)
    return out


def fit(targets: list[Target], options: FitOptions | None = None) -> Posterior:
    """Sample the posterior of the parameters given the fitted (``fit``) targets.

    Parameters
    ----------
    targets : calibration targets; those with ``fit`` False are ignored.
    options : MCMC settings (:class:`FitOptions`).

    Returns
    -------
    Posterior
        Thinned draws after burn-in, all walkers pooled.
    """
    opts = options or FitOptions()
    used = [t for t in targets if t.fit]
    if not used:
        raise ValueError("targets: none is marked for fitting")
    names = parameter_names(used)
    bounds = [PRIORS.get(n) or _latent_bounds(used)[n] for n in names]
    rng = np.random.default_rng(opts.seed)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    start = lo + (hi - lo) * rng.uniform(0.05, 0.95, (opts.walkers, len(names)))
    sampler = emcee.EnsembleSampler(
        opts.walkers,
        len(names),
        _log_prob,
        args=(names, used, lo, hi),
        vectorize=True,
        moves=[(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)],
    )
    sampler.random_state = np.random.RandomState(opts.seed).get_state()
    sampler.run_mcmc(start, opts.steps, progress=False)
    chain = sampler.get_chain(discard=opts.burn, thin=opts.thin, flat=True)
    tau = sampler.get_autocorr_time(discard=opts.burn, tol=0, quiet=True)
    return Posterior(
        tuple(names),
        np.asarray(chain, dtype=np.float64),
        float(np.mean(sampler.acceptance_fraction)),
        tuple(sorted({t.episode_id for t in used})),
        float(np.max(tau)),
    )


def predict(
    targets: list[Target], posterior: Posterior, rng: np.random.Generator
) -> tuple[_FloatArray, _FloatArray]:
    """Simulated ratios of ``targets`` under the posterior draws (targets need a measured cut).

    An episode's cut and duration come from the posterior when it was fitted, otherwise they are
    drawn uniformly over the measured ranges (as for a scenario run with the measured cut).

    Returns
    -------
    tuple of numpy.ndarray
        Model ratios [n, len(targets)] [-] and predictive ratios, the model's with the
        observation and model error added [-].
    """
    theta = posterior.samples
    names = list(posterior.names)
    cut, dur = _cuts(theta, names, targets, rng)
    ratio = model_ratios(targets, cut, dur, _dynamics(theta, names, targets))
    s_obs = np.array([t.sigma for t in targets])
    s_m = posterior.column("model_error")[:, None]
    noise = rng.standard_normal(ratio.shape) * np.sqrt(s_obs**2 + s_m**2)
    return ratio, ratio * np.exp(noise)
