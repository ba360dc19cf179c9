"""`stockpile serve --workers N`: several processes on one port over SQLite in WAL mode."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stockpile.service import supervisor


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_two_workers_on_sqlite_wal(tmp_path: Path) -> None:
    db = tmp_path / "multi.sqlite3"
    port = _free_port()
    exe = Path(sys.executable).with_name("stockpile")
    proc = subprocess.Popen(
        [str(exe), "serve", "--db", f"sqlite:///{db}", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        statuses = []
        while time.monotonic() < deadline and len(statuses) < 20:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/auth/me")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                statuses.append(resp.status)
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                time.sleep(0.2)
        assert statuses and set(statuses) == {401}, statuses  # served, refused without token
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    text = out.decode()
    assert text.count("Started server process") >= 2, text[-3000:]


def test_worker_preamble_does_not_load_the_command_line() -> None:
    # A spawned worker first runs its parent's __main__ again; the supervisor's module must
    # stay small so that the worker answers the supervisor's health check in time.
    code = (
        "import runpy, sys; runpy.run_module('stockpile.service.supervisor', "
        "run_name='__mp_main__'); "
        "print(sorted(m for m in sys.modules if m.startswith(('stockpile.service.cli', "
        "'stockpile.service.app', 'stockpile.ledger', 'typer', 'fastapi'))))"
    )
    out = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_supervisor_command_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(supervisor, "run", lambda **kw: seen.update(kw))
    argv = supervisor.command(
        host="0.0.0.0", port=8123, workers=3, trusted_proxies=("10.0.0.1", "10.1.0.0/16")
    )
    assert argv[:4] == [sys.executable, "-P", "-m", "stockpile.service.supervisor"]
    supervisor.main(argv[4:])
    assert seen == {
        "host": "0.0.0.0",
        "port": 8123,
        "workers": 3,
        "trusted_proxies": ["10.0.0.1", "10.1.0.0/16"],
    }
