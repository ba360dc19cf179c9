"""Run every benchmark module in this folder and print its figures as JSON.

Each ``bench/bench_<area>.py`` defines ``run() -> dict`` returning measured figures,
reported as ratios to a baseline measured in the same run (machines are noisy).
Usage: ``python -m bench [AREA ...]``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = set(argv)
    results: dict[str, object] = {}
    for name in names:
        area = name.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        print(f"== {area}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        results[area] = module.run()
        print(json.dumps({area: results[area]}, indent=2, default=str), flush=True)
    out = here / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
