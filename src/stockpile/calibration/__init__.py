"""Calibration of the market dynamics on past export controls, and the hindcast.

Pure computation on the episode targets of :mod:`stockpile.reference.history`
(:mod:`.targets`), a Bayesian fit by MCMC (:mod:`.fit`), the hindcast in-sample and leaving one
episode out (:mod:`.hindcast`), and the shipped posterior (:mod:`.store`). See ``docs/model.md``.
"""

from stockpile.calibration.fit import (
    DEMAND_SHARE,
    PRIORS,
    FitOptions,
    Posterior,
    fit,
    parameter_names,
    predict,
)
from stockpile.calibration.hindcast import (
    Hindcast,
    HindcastRow,
    HindcastStatus,
    Interval,
    hindcast_rows,
    rows_frame,
    run_hindcast,
)
from stockpile.calibration.store import (
    ShippedCalibration,
    calibration_summary,
    load_calibration,
    scenario_dynamics,
    scenario_elasticities,
    shipped_hindcast,
    write_calibration,
)
from stockpile.calibration.targets import (
    OBSERVATION_ERROR,
    Family,
    Target,
    cut_paths,
    family_of,
    model_ratios,
    targets_from_table,
)

__all__ = [
    "DEMAND_SHARE",
    "OBSERVATION_ERROR",
    "PRIORS",
    "Family",
    "FitOptions",
    "Hindcast",
    "HindcastRow",
    "HindcastStatus",
    "Interval",
    "Posterior",
    "ShippedCalibration",
    "Target",
    "calibration_summary",
    "cut_paths",
    "family_of",
    "fit",
    "hindcast_rows",
    "load_calibration",
    "model_ratios",
    "parameter_names",
    "predict",
    "rows_frame",
    "run_hindcast",
    "scenario_dynamics",
    "scenario_elasticities",
    "shipped_hindcast",
    "targets_from_table",
    "write_calibration",
]
