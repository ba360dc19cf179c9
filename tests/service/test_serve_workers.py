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
