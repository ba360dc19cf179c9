"""strategic-stockpile: plan, run and stress-test a strategic stockpile of critical minerals.

Layers (dependencies point down only)::

    service/   CLI, REST API, dashboard, reports          <- IO and people
    ledger/    the book of record (SQLAlchemy 2 + Alembic)
    plan/      sizing, robust sizing, procurement, buffer stock   <- pure computation
    simulate/  Monte Carlo of supply disruptions                  <- pure computation
    risk/      concentration, import reliance, criticality methods
    market     partial-equilibrium price clearing
    reference/ bundled, sourced data and its loaders
    units      one pint registry
"""

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("strategic-stockpile")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
