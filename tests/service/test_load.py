"""Overload: the excess is answered at once with 503 and Retry-After, never with 5xx errors;
read models carry ETags and answer conditional GETs with 304."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from stockpile.service.app import create_app
from stockpile.service.load import LoadLimits
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings

SERVICE_S = 0.4  # how long the test route holds its slot [s]


def _slow_app(settings: ServiceSettings, limits: LoadLimits) -> FastAPI:
    app = create_app(settings, job_kinds={}, web=False, load_limits=limits)

    def slow() -> dict[str, bool]:  # a synchronous route: runs in a worker thread
        time.sleep(SERVICE_S)
        return {"ok": True}

    app.add_api_route("/slow", slow, methods=["GET"])
    return app


@contextmanager
def _served(app: FastAPI) -> Iterator[int]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _burst(
    port: int, path: str, n: int, headers: dict[str, str] | None = None
) -> list[tuple[int, float, dict[str, str]]]:
    """``n`` simultaneous GETs on connections opened beforehand: (status, seconds, headers)."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(n)]
    for conn in conns:
        conn.connect()
    barrier = threading.Barrier(n)

    def send(i: int) -> tuple[int, float, dict[str, str]]:
        barrier.wait()
        t0 = time.perf_counter()
        conns[i].request("GET", path, headers=headers or {})
        resp = conns[i].getresponse()
        resp.read()
        return resp.status, time.perf_counter() - t0, {k.lower(): v for k, v in resp.getheaders()}

    try:
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(send, range(n)))
    finally:
        for conn in conns:
            conn.close()


def test_overload_sheds_with_fast_503(settings: ServiceSettings) -> None:
    limits = LoadLimits(slots=2, queue=2, max_wait_s=0.2, retry_after_s=3)
    with _served(_slow_app(settings, limits)) as port:
        assert _get(port, "/slow") == 200  # warm up
        answers = _burst(port, "/slow", 16)
    codes = [code for code, _, _ in answers]
    assert set(codes) <= {200, 503}, codes
    assert codes.count(200) >= limits.slots
    shed = sorted((dt, h) for code, dt, h in answers if code == 503)
    assert len(shed) >= 16 - limits.slots - limits.queue
    assert all(h["retry-after"] == "3" for _, h in shed)
    # Refused at once (queue full) or after the queue wait, never after a pool timeout.
    assert shed[-1][0] < 2.0
    # Those refused because the queue was full did not wait for a slot.
    assert shed[0][0] < SERVICE_S / 2


def test_queued_requests_are_served_when_slots_free(settings: ServiceSettings) -> None:
    limits = LoadLimits(slots=2, queue=8, max_wait_s=5.0)
    with _served(_slow_app(settings, limits)) as port:
        answers = _burst(port, "/slow", 6)
    assert [code for code, _, _ in answers] == [200] * 6


def test_holdings_under_overload_never_5xx(app: FastAPI, headers: Any) -> None:
    with _served(app) as port:
        answers = _burst(port, "/api/v1/holdings", 48, headers[Role.VIEWER])
    assert {code for code, _, _ in answers} <= {200, 503}


def test_etag_and_conditional_get(client: TestClient, headers: Any) -> None:
    viewer, admin = headers[Role.VIEWER], headers[Role.ADMIN]
    first = client.get("/api/v1/holdings", headers=viewer)
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
    etag = first.headers["etag"]
    again = client.get("/api/v1/holdings", headers={**viewer, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    journal = client.get("/api/v1/journal", headers=headers[Role.AUDITOR])
    assert journal.status_code == 200 and journal.headers["etag"] != etag
    # A change to the books gives a new version: the old ETag no longer matches.
    r = client.post(
        "/api/v1/depots", headers=admin, json={"code": "NEW1", "name": "New", "location": "X"}
    )
    assert r.status_code == 201, r.text
    after = client.get("/api/v1/holdings", headers={**viewer, "If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert after.json() == first.json()
