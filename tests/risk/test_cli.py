"""``stockpile risk`` and ``stockpile material``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stockpile.reference import catalogue
from stockpile.service.cli.main import app

runner = CliRunner()


def test_risk_json_lists_every_material() -> None:
    result = runner.invoke(app, ["risk", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["year"] == 2024 and payload["as_of"] == "2024-12-31"
    keys = {m["material"] for m in payload["materials"]}
    assert keys == {m.key for m in catalogue()}
    sb = next(m for m in payload["materials"] if m["material"] == "antimony")
    for field in ("hhi", "top_producer", "top_share", "nir_published_raw", "export_control_status"):
        assert field in sb
    assert sb["export_control_status"] == "active"


def test_risk_table_fits_100_columns() -> None:
    result = runner.invoke(app, ["risk"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "gallium" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_material_profile_and_errors() -> None:
    ok = runner.invoke(app, ["material", "Sb", "--json"])
    assert ok.exit_code == 0
    doc = json.loads(ok.output)
    assert doc["material"] == "antimony" and doc["profile"]["material"]["key"] == "antimony"
    text = runner.invoke(app, ["material", "cobalt"], env={"COLUMNS": "100"})
    assert text.exit_code == 0 and "Congo (Kinshasa)" in text.output
    bad = runner.invoke(app, ["material", "unobtainium"])
    assert bad.exit_code == 2 and "unknown material" in bad.output
    year = runner.invoke(app, ["risk", "--year", "2023"])
    assert year.exit_code == 2 and "available: 2024, 2025" in year.output
    date = runner.invoke(app, ["risk", "--as-of", "31/12/2024"])
    assert date.exit_code == 2 and "--as-of" in date.output


def test_risk_refined_stage_and_material_stages() -> None:
    result = runner.invoke(app, ["risk", "--stage", "refined", "--json"])
    assert result.exit_code == 0, result.output
    rows = {m["material"]: m for m in json.loads(result.output)["materials"]}
    assert rows["lithium"]["top_producer"] == "China"
    assert "IEA_CMDE_2025" in rows["lithium"]["source"]
    text = runner.invoke(app, ["material", "rare earths"], env={"COLUMNS": "140"})
    assert text.exit_code == 0, text.output
    assert "Supply chain by stage" in text.output and "Bottleneck: refined" in text.output
    for stage in ("mine", "refined", "metal", "magnet"):
        assert stage in text.output
    assert "unknown" in text.output
    bad = runner.invoke(app, ["risk", "--stage", "smelting"])
    assert bad.exit_code != 0 and "stage" in bad.output
