"""Service benchmark: read endpoints under a bounded load on loopback.

The service runs as its own process (``uvicorn --factory stockpile.service.app:app_from_env``,
one worker) on 127.0.0.1 over a database prepared as ``stockpile serve --init-demo`` prepares
it (demo stockpile). A load generator in this process keeps ``CONCURRENCY`` keep-alive
connections busy for at most ``REQUESTS`` requests or ``SECONDS`` seconds per endpoint and
reports requests per second, p50 and p99 latency [ms]. The baseline is ``GET
/api/v1/auth/me`` (token check only) measured in the same run; ``ratio`` = endpoint rps /
baseline rps.

Then, on the same server, open-loop runs (requests sent at fixed times, latency counted from
the scheduled send time, so a backlog shows): ``TARGET_RATE`` req/s for the baseline and for
``/materials``, ``/holdings`` and ``/journal`` (target: p99 < 25 ms, every request answered
200); and ``/holdings`` at twice its closed-loop rate (target: no 5xx other than 503, nobody
waiting more than 2 s, the excess answered 503). ``holdings_speedup`` compares the closed-loop
``/holdings`` rate with the rate this benchmark measured before its read model was cached
(``HOLDINGS_BEFORE_RPS``, the table in docs/service.md; target >= 5).

Runs on SQLite (a temporary file) and on PostgreSQL (a fresh database on the server of
``STOCKPILE_TEST_PG_URL``, else on a throwaway server started with ``scripts/pg.sh`` when
PostgreSQL is installed).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from bench._pg import postgres_server

CONCURRENCY = 8
REQUESTS = 400
SECONDS = 10.0
TARGET_RATE = 250.0  # open-loop rate of the latency target [req/s]
TARGET_P99_MS = 25.0
TARGET_ENDPOINTS = ("/api/v1/materials?limit=50", "/api/v1/holdings", "/api/v1/journal?limit=50")
OPEN_LOOP_S = 4.0  # duration of each open-loop run [s]
OVERLOAD_S = 4.0
OPEN_LOOP_TIMEOUT_S = 10.0
#: /holdings [req/s] measured by this benchmark before the read-model cache (docs/service.md).
HOLDINGS_BEFORE_RPS = {"sqlite": 178.0, "postgresql": 160.0}
ENDPOINTS = (
    "/api/v1/auth/me",
    "/api/v1/materials?limit=50",
    "/api/v1/holdings",
    "/api/v1/lots?limit=50",
    "/api/v1/contracts",
    "/api/v1/journal?limit=50",
    "/api/v1/materials/antimony/production",
)
_SECRET = "bench-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(url: str) -> str:
    """Prepare the database (migrations, demo) and return an administrator's bearer token."""
    from stockpile.service.accounts import TokenKind, issue_token
    from stockpile.service.db import open_database
    from stockpile.service.models import UserRow
    from stockpile.service.settings import ServiceSettings
    from stockpile.service.setup import prepare

    settings = ServiceSettings(database_url=url, secret_key=_SECRET)
    prepare(settings, demo=True, admin="admin")
    db = open_database(url)
    try:
        with db.sessions() as session:
            from sqlalchemy import select

            user = session.scalars(select(UserRow).where(UserRow.username == "admin")).one()
            issued = issue_token(session, user=user, kind=TokenKind.API, ttl_s=3600)
            session.commit()
    finally:
        db.dispose()
    return issued.token


@contextmanager
def _server(url: str) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "STOCKPILE_DATABASE_URL": url, "STOCKPILE_SECRET_KEY": _SECRET}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "stockpile.service.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"service did not start: {err[-2000:]}") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _load(port: int, path: str, token: str) -> dict[str, Any]:
    """Bounded closed-loop load: CONCURRENCY connections, at most REQUESTS or SECONDS."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    stop_at = time.monotonic() + SECONDS
    headers = {"Authorization": f"Bearer {token}"}

    def worker() -> None:
        nonlocal issued, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    if issued >= REQUESTS or time.monotonic() >= stop_at:
                        return
                    issued += 1
                t0 = time.perf_counter()
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if resp.status != 200:
                        errors += 1
        finally:
            conn.close()

    for _ in range(3):  # warm-up
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", path, headers=headers)
        c.getresponse().read()
        c.close()
    t_start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t_start
    lat = np.array(latencies) * 1000.0
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
    }


async def _get(
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None],
    port: int,
    request: bytes,
) -> int:
    """One GET over a pooled keep-alive connection (a new one if none is free): status."""
    conn = pool.get_nowait() if not pool.empty() else None
    if conn is None:
        conn = await asyncio.open_connection("127.0.0.1", port)
    reader, writer = conn
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    pool.put_nowait(conn)
    return int(status_line.split()[1])


async def _open_loop_async(
    port: int, path: str, token: str, rate: float, seconds: float
) -> dict[str, Any]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    pool: asyncio.Queue[Any] = asyncio.Queue()
    n = int(rate * seconds)
    waits: list[float] = []
    lags: list[float] = []  # how late the generator itself sent each request [s]
    statuses: list[int] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        lags.append(loop.time() - scheduled)
        try:
            status = await asyncio.wait_for(_get(pool, port, request), timeout=OPEN_LOOP_TIMEOUT_S)
        except (TimeoutError, OSError):
            status = 0  # no answer within the timeout (or the connection failed)
        statuses.append(status)
        waits.append(loop.time() - scheduled)

    await asyncio.gather(*(one(i) for i in range(n)))
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    lat = np.array(waits) * 1000.0
    ok = np.array([s == 200 for s in statuses])
    shed = np.array([s == 503 for s in statuses])
    other = [s for s in statuses if s not in (200, 503)]
    return {
        "rate_per_s": rate,
        "requests": n,
        "ok": int(ok.sum()),
        "shed_503": int(shed.sum()),
        "errors_other": len(other),
        "errors_5xx_not_503": sum(1 for s in other if s >= 500),
        "no_answer": sum(1 for s in other if s == 0),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "p99_ok_ms": round(float(np.percentile(lat[ok], 99)), 2) if ok.any() else None,
        "max_ms": round(float(lat.max()), 1),
        "max_503_ms": round(float(lat[shed].max()), 1) if shed.any() else None,
        "client_send_lag_p99_ms": round(float(np.percentile(np.array(lags) * 1000.0, 99)), 1),
    }


def _open_loop(port: int, path: str, token: str, rate: float, seconds: float) -> dict[str, Any]:
    """Open-loop load: requests sent at fixed times (``rate`` per second for ``seconds``),
    each latency counted from its scheduled send time [ms], whatever the server's backlog.
    ``client_send_lag_p99_ms`` is how late the generator itself sent (a generator starved of
    CPU shows up there, not as the server's fault)."""
    return asyncio.run(_open_loop_async(port, path, token, rate, seconds))


def _run_on(url: str, kind: str) -> dict[str, Any]:
    token = _token(url)
    out: dict[str, Any] = {}
    with _server(url) as port:
        figures = {path: _load(port, path, token) for path in ENDPOINTS}
        base = figures[ENDPOINTS[0]]["rps"] or 1.0
        for f in figures.values():
            f["ratio"] = round(f["rps"] / base, 3)
        out["closed_loop"] = figures
        steady: dict[str, Any] = {}
        for path in (ENDPOINTS[0], *TARGET_ENDPOINTS):
            steady[path] = _open_loop(port, path, token, TARGET_RATE, OPEN_LOOP_S)
            steady[path]["target_p99_ms"] = TARGET_P99_MS
            steady[path]["met"] = bool(
                steady[path]["p99_ms"] < TARGET_P99_MS
                and steady[path]["ok"] == TARGET_RATE * OPEN_LOOP_S
            )
        out[f"open_loop_{int(TARGET_RATE)}_per_s"] = steady
        sustainable = figures["/api/v1/holdings"]["rps"]
        over = _open_loop(port, "/api/v1/holdings", token, 2 * sustainable, OVERLOAD_S)
        over["sustainable_rps"] = sustainable
        over["met"] = bool(
            over["errors_other"] == 0 and over["max_ms"] <= 2000 and over["shed_503"] > 0
        )
        out["overload_2x_holdings"] = over
    speedup = sustainable / HOLDINGS_BEFORE_RPS[kind]
    out["holdings_speedup"] = {
        "rps": sustainable,
        "before_rps": HOLDINGS_BEFORE_RPS[kind],
        "ratio": round(speedup, 2),
        "met": speedup >= 5.0,
    }
    return out


@contextmanager
def _postgres_url() -> Iterator[str | None]:
    """A fresh database on the PostgreSQL server of the benchmarks, or ``None``."""
    with postgres_server(54398) as url:
        if url is None:
            yield None
            return
        with _database(url) as db_url:
            yield db_url


@contextmanager
def _database(url: str) -> Iterator[str]:
    """A fresh database on the server at ``url``, dropped at the end."""
    from sqlalchemy import create_engine, text

    name = f"stockpile_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        parts = urllib.parse.urlsplit(url)
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run() -> dict[str, Any]:
    """Figures per database and endpoint (rps, p50/p99 [ms], ratio to the baseline)."""
    out: dict[str, Any] = {
        "setup": {
            "concurrency": CONCURRENCY,
            "max_requests": REQUESTS,
            "max_seconds": SECONDS,
            "baseline": ENDPOINTS[0],
            "server": "uvicorn, 1 worker, 127.0.0.1",
            "open_loop_rate": TARGET_RATE,
            "open_loop_s": OPEN_LOOP_S,
            "overload_s": OVERLOAD_S,
        },
    }
    with tempfile.TemporaryDirectory() as folder:
        out["sqlite"] = _run_on(f"sqlite:///{folder}/bench.sqlite3", "sqlite")
    with _postgres_url() as pg:
        out["postgresql"] = _run_on(pg, "postgresql") if pg else "skipped: no PostgreSQL server"
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
