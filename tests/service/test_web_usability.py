"""What a new user meets first: readable numbers and units, working docs, coherent statuses."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from tests.service.test_web_ledger import _login, stocked  # noqa: F401  (fixture)
from typer.testing import CliRunner

from stockpile.reference import load_export_controls
from stockpile.risk import measure_status
from stockpile.service.api_docs import DOCS_ASSETS
from stockpile.service.app import create_app
from stockpile.service.cli import app as cli_app
from stockpile.service.jobs import JobKind, JobProgress
from stockpile.service.permissions import Role
from stockpile.service.settings import ServiceSettings


def test_journal_page_shows_values_in_their_units(
    client: TestClient,
    accounts: Any,
    stocked: None,  # noqa: F811
) -> None:
    _login(client, accounts[Role.AUDITOR])
    rows = client.get("/journal", headers={"HX-Request": "true"}).text
    # 315,000 lb received (stored as 315000000000 micro-pounds) and a $50M fund (5000000000 cents)
    assert "315,000 lb" in rows
    assert "50,000,000 USD" in rows
    assert "315000000000" not in rows and "5000000000 " not in rows
    assert " pound" not in rows


def test_api_docs_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/docs/assets/swagger-ui-bundle.js" in page.text
    assert "/api/docs/assets/swagger-ui.css" in page.text
    assert not re.search(r"""(src|href)=["']https?://""", page.text), "external asset"
    assert "<script>" not in page.text  # no inline script: a strict CSP allows the page
    init = client.get("/api/docs/assets/init.js")
    assert init.status_code == 200 and "SwaggerUIBundle(" in init.text
    for name, media in DOCS_ASSETS.items():
        r = client.get(f"/api/docs/assets/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert len(client.get("/api/docs/assets/swagger-ui-bundle.js").content) > 500_000
    assert client.get("/api/docs/assets/..%2F__init__.py").status_code == 404
    assert client.get("/api/openapi.json").status_code == 200


def test_units_are_readable(client: TestClient, accounts: Any, stocked: None) -> None:  # noqa: F811
    _login(client, accounts[Role.AUDITOR])
    for path in ["/inventory", "/materials/antimony", "/contracts", "/"]:
        text = client.get(path).text
        identifiers = r"(?<!per )\b(pound|metric_ton|kilometric_ton|troy_ounce|short_ton)\b"
        assert not re.search(identifiers, text), path
    assert "315,000.0 lb" in client.get("/inventory").text


def test_material_page_statuses_are_the_cli_statuses(client: TestClient, accounts: Any) -> None:
    """Page and ``data show`` give each antimony measure the same status on the same day."""
    _login(client, accounts[Role.VIEWER])
    today = dt.date.today()
    html = client.get("/materials/antimony").text
    page: dict[str, str] = {}
    for row in re.findall(r"<tr><td>(CN-[^<]+)</td>.*?<td class=\"status\">([^<]+)</td>", html):
        page[row[0]] = row[1]
    frame = load_export_controls()
    expected = {
        mid: measure_status(frame[frame["measure_id"] == mid].iloc[0], today).status.value
        for mid in ("CN-2024-SB", "CN-2024-US-BAN", "CN-2025-NOV-US")
    }
    assert page == expected
    out = CliRunner().invoke(
        cli_app, ["data", "show", "Sb", "--as-of", today.isoformat(), "--json"]
    )
    assert out.exit_code == 0, out.output
    cli = {c["measure_id"]: c["status"] for c in json.loads(out.output)["export_controls"]}
    assert {k: cli[k] for k in expected} == expected


def test_material_page_labels_the_hhi_year(client: TestClient, accounts: Any) -> None:
    _login(client, accounts[Role.VIEWER])
    html = client.get("/materials/antimony").text
    headline = re.search(r"HHI of production \(0-10,000\), (\d{4})", html)
    chart_year = re.search(r"production share by country, (\d{4})", html)
    assert headline and chart_year and headline.group(1) == chart_year.group(1)
    table = re.search(r"Risk indicators \((\d{4})\)", html)
    assert table  # the table says its own year


def test_scenario_list_shows_titles_and_descriptions(client: TestClient, accounts: Any) -> None:
    from stockpile.simulate import builtin_scenarios, resolve_scenario

    _login(client, accounts[Role.ANALYST])
    html = client.get("/scenarios").text
    for name in builtin_scenarios():
        sc, _ = resolve_scenario(name)
        assert sc.title and sc.title.replace("&", "&amp;").replace("'", "&#39;") in html
        first_words = " ".join(sc.description.split()[:4])
        assert first_words.replace("&", "&amp;").replace("'", "&#39;") in html, name


@pytest.mark.parametrize("path", ["/api/docs"])
def test_docs_need_no_login(client: TestClient, path: str) -> None:
    assert client.get(path, follow_redirects=False).status_code == 200


class _BudgetParams(BaseModel):
    """The fields of a plan job the form fills (a stand-in run keeps the test fast)."""

    scenario: str
    budget: float = Field(gt=0, le=1e12)


def _echo(params: BaseModel, progress: JobProgress) -> BaseModel:
    return params


@pytest.fixture
def plan_client(settings: ServiceSettings) -> Iterator[TestClient]:
    kinds = {
        "plan": JobKind(
            name="plan", params_model=_BudgetParams, result_model=_BudgetParams, run=_echo
        )
    }
    with TestClient(create_app(settings, job_kinds=kinds)) as c:
        yield c


@pytest.mark.parametrize("typed", ["1,000,000,000", "1000000000", "$1,000,000,000", "1e9"])
def test_plan_form_reads_grouped_numbers(
    plan_client: TestClient, accounts: Any, typed: str
) -> None:
    _login(plan_client, accounts[Role.ANALYST])
    page = plan_client.get("/plans").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    r = plan_client.post(
        "/plans/run",
        data={"csrf_token": csrf.group(1), "scenario": "drc-cobalt-2025", "budget": typed},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:2000]
    job_id = r.headers["location"].rsplit("/", 1)[1]
    h = {"X-CSRF-Token": csrf.group(1)}
    job = plan_client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
    assert job["params"]["budget"] == 1e9


def test_plan_form_refuses_bad_grouping_in_words(plan_client: TestClient, accounts: Any) -> None:
    _login(plan_client, accounts[Role.ANALYST])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', plan_client.get("/plans").text)
    assert csrf
    r = plan_client.post(
        "/plans/run",
        data={"csrf_token": csrf.group(1), "scenario": "drc-cobalt-2025", "budget": "1,00"},
    )
    assert r.status_code == 422
    assert "budget: &#39;1,00&#39; is not a number" in r.text


def test_bad_query_on_a_page_is_an_html_page(client: TestClient, accounts: Any) -> None:
    _login(client, accounts[Role.AUDITOR])
    r = client.get("/reports/operations?fy=abc")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Invalid input</h1>" in r.text and "fy: " in r.text and "abc" in r.text
    assert '"errors"' not in r.text
    api = client.get("/api/v1/journal?limit=abc", headers={"Accept": "application/json"})
    assert api.headers["content-type"].startswith("application/problem+json")


def test_charts_start_at_zero_and_make_room_for_labels() -> None:
    from stockpile.service.web.charts import bar_figure, line_figure

    fig = json.loads(
        line_figure({"stock": ([1, 2, 3], [3000.0, 3000.0, 3000.0])}, title="t", y_title="y")
    )
    assert fig["layout"]["yaxis"]["rangemode"] == "tozero"
    assert fig["layout"]["yaxis"]["automargin"] and fig["layout"]["xaxis"]["automargin"]
    assert fig["layout"]["yaxis"]["title"]["text"] == "y"
    bar = json.loads(bar_figure(["a long material name"], [1.0], title="t", y_title="y"))
    assert bar["layout"]["xaxis"]["automargin"] is True


def test_cancelled_contract_is_not_charted_as_remaining(
    client: TestClient,
    app: Any,
    accounts: Any,
    stocked: None,  # noqa: F811
) -> None:
    from stockpile.ledger.setup import create_contract
    from stockpile.ledger.states import ContractStatus

    today = dt.date.today()
    with app.state.ctx.db.sessions() as session:
        create_contract(
            session,
            number="SOLICIT-1",
            supplier="(solicitation; no award)",
            material="cobalt",
            form="cathode",
            unit="t",
            ceiling=500_000_000,
            period_start=today - dt.timedelta(days=1),
            period_end=today + dt.timedelta(days=900),
            fund="F1",
            actor="contracting-officer",
            status=ContractStatus.CANCELLED,
        )
    _login(client, accounts[Role.AUDITOR])
    html = client.get("/contracts").text
    chart = re.search(r'data-plot="cchart">(.*?)</script>', html, re.S)
    assert chart
    fig = json.loads(chart.group(1))
    _spent, remaining = fig["data"]
    assert remaining["name"] == "remaining (active contracts)"
    by_label = dict(zip(remaining["x"], remaining["y"], strict=True))
    assert by_label["SOLICIT-1 (cancelled)"] == 0.0
    assert by_label["C1"] == pytest.approx(10.0)  # $20M ceiling, $10M spent
