"""Broken databases and files: the CLI answers with one line ``error: ...``, never a traceback."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from stockpile.service.cli import main


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setattr(sys, "argv", ["stockpile", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code not in (0, None)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[0].startswith("error: "), err
    if argv[0] not in ("scenario", "simulate"):  # these list a file's problems, one a line
        assert len(lines) == 1, err
    return err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    text = tmp_path / "notes.db"
    text.write_text("hello, this is not a database\n" * 20)
    good = tmp_path / "good.db"
    con = sqlite3.connect(good)
    con.execute("CREATE TABLE t (x)")
    con.executemany("INSERT INTO t VALUES (?)", [(str(i) * 50,) for i in range(2000)])
    con.commit()
    con.close()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[:6000])
    binary = tmp_path / "scenario.yaml"
    binary.write_bytes(bytes(range(256)) * 20)
    return {"text": text, "truncated": truncated, "binary": binary, "empty": tmp_path / "e.db"}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["ledger", "holdings", "--db", "sqlite:////no/such/dir/x.db"], "database"),
        (["ledger", "holdings", "--db", "postgresql+psycopg://u@127.0.0.1:9/x"], "database"),
        (["ledger", "holdings", "--db", "sqlite:///{text}"], "database"),
        (["ledger", "verify", "--db", "sqlite:///{truncated}"], "database"),
        (["ledger", "holdings", "--db", "sqlite:///{empty}"], "stockpile db upgrade"),
        (["serve", "--db", "sqlite:///{text}"], "database"),
        (
            ["simulate", "china-export-ban-us-2024", "--from-ledger", "--db", "sqlite:///{empty}"],
            "stockpile db upgrade",
        ),
        (["scenario", "validate", "{binary}"], "UTF-8"),
        (["simulate", "{binary}", "--runs", "2"], "UTF-8"),
        (
            ["plan", "size", "--budget", "1000000", "--from-ledger", "--db", "sqlite:///{empty}"],
            "stockpile db upgrade",
        ),
    ],
)
def test_one_line_errors(
    argv: list[str],
    says: str,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [a.format(**files) for a in argv]
    assert says in _run(argv, monkeypatch, capsys)


@pytest.mark.parametrize("quantity", ["1e309", "1E+999999", "1_000"])
def test_huge_or_odd_quantity_is_one_line(
    quantity: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from stockpile import ledger

    url = f"sqlite:///{tmp_path / 'l.db'}"
    engine = ledger.make_engine(url)
    ledger.upgrade(engine)
    with ledger.make_sessionmaker(engine)() as s:
        ledger.add_user(s, name="ada", roles=["admin"], actor="ada")
    engine.dispose()
    argv = ["ledger", "set-goal", "antimony", quantity, "lb", "--notified-on", "2025-01-02"]
    line = _run([*argv, "--reason", "test", "--user", "ada", "--db", url], monkeypatch, capsys)
    assert "quantity" in line
