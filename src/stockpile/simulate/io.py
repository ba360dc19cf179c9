"""Files in and out of the simulation: scenario files (YAML or TOML), holdings files (CSV or
YAML), built-in scenarios shipped with the package, and result tables (Parquet or CSV).

All file access of :mod:`stockpile.simulate` lives here; the engine only sees objects.
"""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stockpile.simulate.errors import FieldError, Problem, ScenarioError, SimulationInputError
from stockpile.simulate.results import SimulationResult
from stockpile.simulate.scenario import Scenario

__all__ = [
    "builtin_scenarios",
    "load_holdings",
    "load_scenario",
    "parse_scenario",
    "read_scenario_text",
    "resolve_scenario",
    "write_results",
]

_KIND_TAGS = frozenset(
    {
        "export_control",
        "outage",
        "conflict",
        "spare_capacity",
        "new_supply",
        "recycling",
        "substitution",
        "austerity",
        "fixed",
        "uniform",
        "triangular",
        "normal",
        "lognormal",
        "function-after",
        "function-before",
    }
)


def _path_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _KIND_TAGS or part.startswith("function-"):
            continue
        else:
            out += f".{part}" if out else part
    return out


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping.

    Raises
    ------
    ScenarioError
        Naming ``source``, the field path and the reason of each problem.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", "a scenario must be a mapping of fields")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = str(err["msg"]).removeprefix("Value error, ")
            path = _path_of(tuple(err["loc"]))
            located = err.get("ctx", {}).get("error")
            if isinstance(located, FieldError):
                # a validator above the field names the field itself
                path = f"{path}.{located.path}" if path else located.path
                msg = located.reason
            problems.append(Problem(path, msg))
        raise ScenarioError(source, problems) from None


def read_scenario_text(text: str, source: str, *, toml: bool = False) -> Any:
    """Parse YAML (default) or TOML text into plain data, with errors naming ``source``."""
    try:
        return tomllib.loads(text) if toml else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(
            source, [Problem("", f"not valid {'TOML' if toml else 'YAML'}: {exc}")]
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (``.yaml``/``.yml`` or ``.toml``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            str(p), [Problem("", f"cannot read the file: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(p), [Problem("", "not a UTF-8 text file")]) from None
    data = read_scenario_text(text, str(p), toml=p.suffix.lower() == ".toml")
    return parse_scenario(data, str(p))


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names mapped to their file's text."""
    root = resources.files("stockpile.simulate") / "scenarios"
    out: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out[entry.name.removesuffix(".yaml")] = entry.read_text(encoding="utf-8")
    return out


def resolve_scenario(name_or_path: str) -> tuple[Scenario, str]:
    """A built-in scenario by name, or a scenario file by path; returns it and its source.

    ``NAME#VARIANT`` names one of the scenario's own ``variants:`` (the base with that
    variant's changes), e.g. ``supplier-answers-2025#recycling-25``.
    """
    if "#" in name_or_path and not Path(name_or_path).exists():
        from stockpile.simulate.compare import apply_variant

        base_name, _, variant_name = name_or_path.rpartition("#")
        base, source = resolve_scenario(base_name)
        for variant in base.variants:
            if variant.name == variant_name:
                return apply_variant(base, variant), f"{source}#{variant_name}"
        known = ", ".join(v.name for v in base.variants) or "none"
        raise ScenarioError(
            name_or_path, [Problem("variants", f"no variant {variant_name!r}; variants: {known}")]
        )
    builtins = builtin_scenarios()
    if name_or_path in builtins:
        source = f"builtin:{name_or_path}.yaml"
        return parse_scenario(read_scenario_text(builtins[name_or_path], source), source), source
    p = Path(name_or_path)
    if p.exists():
        return load_scenario(p), str(p)
    raise ScenarioError(
        name_or_path,
        [
            Problem(
                "",
                "neither a built-in scenario nor an existing file; built-in: "
                + ", ".join(sorted(builtins)),
            )
        ],
    )


def load_holdings(path: str | Path) -> dict[str, tuple[float, str]]:
    """Read initial holdings: CSV with columns ``material, quantity, unit`` or YAML with a list
    of such mappings (optionally under a ``holdings`` key).

    Returns
    -------
    dict
        Material name -> (quantity, unit); quantities of repeated materials must share a unit.

    Raises
    ------
    SimulationInputError
        Naming the file, the row and the field.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulationInputError(f"{p}: cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SimulationInputError(f"{p}: not a UTF-8 text file") from None
    rows: list[dict[str, Any]]
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SimulationInputError(f"{p}: not valid YAML: {exc}") from None
        if isinstance(data, dict):
            data = data.get("holdings")
        if not isinstance(data, list):
            raise SimulationInputError(f"{p}: expected a list of {{material, quantity, unit}}")
        rows = data
        where = "item"
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = {"material", "quantity", "unit"} - set(reader.fieldnames or [])
        if missing:
            raise SimulationInputError(f"{p}: missing column(s) {', '.join(sorted(missing))}")
        rows = list(reader)
        where = "line"
    out: dict[str, tuple[float, str]] = {}
    for i, row in enumerate(rows):
        label = f"{p}, {where} {i + 2 if where == 'line' else i}"
        if not isinstance(row, dict):
            raise SimulationInputError(f"{label}: expected a mapping")
        name = str(row.get("material", "")).strip()
        unit = str(row.get("unit", "")).strip()
        if not name:
            raise SimulationInputError(f"{label}, field material: empty")
        if not unit:
            raise SimulationInputError(f"{label}, field unit: empty")
        try:
            quantity = float(row.get("quantity", ""))
        except (TypeError, ValueError):
            raise SimulationInputError(
                f"{label}, field quantity: not a number: {row.get('quantity')!r}"
            ) from None
        if not quantity >= 0 or quantity == float("inf"):
            raise SimulationInputError(f"{label}, field quantity: must be >= 0, got {quantity}")
        if name in out:
            prev_q, prev_u = out[name]
            if prev_u != unit:
                raise SimulationInputError(
                    f"{label}, field unit: {name!r} given in {prev_u!r} and {unit!r}"
                )
            quantity += prev_q
        out[name] = (quantity, unit)
    return out


def write_results(result: SimulationResult, path: str | Path, *, paths: bool = False) -> Path:
    """Write per-scenario totals (or per-month paths) as Parquet (``.parquet``) or CSV.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    p = Path(path)
    frame = result.paths_frame() if paths else result.to_frame()
    if p.suffix.lower() == ".parquet":
        frame.to_parquet(p, index=False)
    elif p.suffix.lower() == ".csv":
        frame.to_csv(p, index=False)
    else:
        raise SimulationInputError(f"out: {p}: use a .parquet or .csv file name")
    return p
