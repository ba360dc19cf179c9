"""``stockpile data``: list, show, sources, and the importers, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stockpile.reference import data_path
from stockpile.service.cli import app

RAW_MCS = data_path("mcs/release/usgs_mcs2026_commodities_data.csv.gz")
runner = CliRunner()


def test_list_json_has_every_material() -> None:
    result = runner.invoke(app, ["data", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 32
    sb = next(r for r in rows if r["key"] == "antimony")
    assert sb["symbol"] == "Sb" and sb["hts4_specific"] == ["8110"]


def test_show_json_antimony() -> None:
    result = runner.invoke(app, ["data", "show", "Sb", "--as-of", "2025-01-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    china_2024 = [r for r in data["production"] if r["country"] == "China" and r["year"] == 2024]
    assert china_2024[0]["value"] == 40000.0  # USGS MCS 2026, antimony mine production
    nir_2024 = next(r for r in data["us_market"] if r["year"] == 2024)
    assert nir_2024["net_import_reliance_pct"] == 86.0
    status = {c["measure_id"]: c["status"] for c in data["export_controls"]}
    assert status["CN-2024-SB"] == "active"  # effective 2024-09-15
    assert status["CN-2025-NOV-US"] == "none"  # not yet announced on 2025-01-01


def test_show_unknown_material_suggests() -> None:
    result = runner.invoke(app, ["data", "show", "antimonny"])
    assert result.exit_code == 2
    assert "did you mean 'antimony'" in result.output


def test_show_bad_date() -> None:
    result = runner.invoke(app, ["data", "show", "Sb", "--as-of", "2025-02-30"])
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_sources_lists_every_source_id() -> None:
    result = runner.invoke(app, ["data", "sources", "--json"])
    ids = {r["source_id"] for r in json.loads(result.output)}
    assert {"USGS_MCS2026_DR", "WB_WGI_2024", "USITC_DATAWEB", "IUPAC_CIAAW_ABRIDGED"} <= ids


def test_import_mcs_reproduces_the_bundled_tables(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import-mcs", str(RAW_MCS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 5
    for name in names:
        assert (tmp_path / name).read_bytes() == data_path(name).read_bytes(), name


def test_import_mcs_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import-mcs", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output
