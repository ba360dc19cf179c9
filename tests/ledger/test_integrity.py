"""``ledger verify`` runs the database's own integrity check as well as the journal's."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from stockpile import ledger
from stockpile.service.cli import main


def _ledger(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = ledger.make_engine(url)
    ledger.upgrade(engine)
    engine.dispose()
    return url


def _corrupt_an_index(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE scratch (x INTEGER, y INTEGER)")
    con.execute("CREATE INDEX scratch_x ON scratch (x)")
    con.executemany("INSERT INTO scratch VALUES (?, ?)", [(i, -i) for i in range(50)])
    con.commit()
    con.execute("PRAGMA writable_schema=ON")
    con.execute(
        "UPDATE sqlite_master SET sql='CREATE INDEX scratch_x ON scratch (y)' "
        "WHERE name='scratch_x'"
    )
    con.commit()
    con.close()


def test_integrity_problems_of_a_sound_and_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    url = _ledger(path)
    engine = ledger.make_engine(url)
    with ledger.make_sessionmaker(engine)() as s:
        assert ledger.integrity_problems(s) == []
    engine.dispose()
    _corrupt_an_index(path)
    engine = ledger.make_engine(url)
    with ledger.make_sessionmaker(engine)() as s:
        assert ledger.verify_journal(s).ok  # the journal alone does not see it
        problems = ledger.integrity_problems(s)
    engine.dispose()
    assert problems and any("scratch_x" in p for p in problems)


def test_cli_verify_fails_on_a_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "l.db"
    url = _ledger(path)
    _corrupt_an_index(path)
    monkeypatch.setattr(sys, "argv", ["stockpile", "ledger", "verify", "--db", url])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 1
    out = capsys.readouterr().out
    assert "journal OK" in out
    assert "database integrity check FAILED" in out
