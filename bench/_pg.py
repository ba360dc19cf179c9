"""A PostgreSQL server for the benchmarks: the test server if one is given, else a throwaway one."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PG_SH = Path(__file__).resolve().parents[1] / "scripts" / "pg.sh"


@contextmanager
def postgres_server(port: int) -> Iterator[str | None]:
    """Yield the SQLAlchemy URL of a PostgreSQL server, or ``None`` if none can be started.

    Uses ``$STOCKPILE_TEST_PG_URL`` when set; otherwise starts a throwaway server on loopback
    with ``scripts/pg.sh`` on ``port`` and stops it afterwards.
    """
    url = os.environ.get("STOCKPILE_TEST_PG_URL")
    if url:
        yield url
        return
    folder = tempfile.mkdtemp(prefix="stockpile-bench-pg-")
    os.chmod(folder, 0o755)
    proc = subprocess.run(
        ["bash", str(_PG_SH), "start", folder, str(port)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        yield None
        return
    try:
        yield proc.stdout.strip()
    finally:
        subprocess.run(["bash", str(_PG_SH), "stop", folder], check=False, capture_output=True)
