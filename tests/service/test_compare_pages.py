"""The compare page: edit or upload a scenario, pick variants, run, see the table."""

from __future__ import annotations

import re
from types import SimpleNamespace

from fastapi.testclient import TestClient

from stockpile.simulate import builtin_scenarios

from .conftest import analyst_token, wait_for_result
from .test_web import web_login

ANA = SimpleNamespace(username="ana", password="long-password-42")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def test_compare_page_validates_runs_and_shows_the_table(sim_client: TestClient) -> None:
    assert web_login(sim_client, ANA, "/compare").status_code == 303
    page = sim_client.get("/compare")
    assert page.status_code == 200
    assert 'value="recycling-25"' in page.text and 'value="reserve-release"' in page.text
    token = csrf_of(page.text)
    text = builtin_scenarios()["supplier-answers-2025"]
    bad = sim_client.post(
        "/compare/run",
        data={
            "csrf_token": token,
            "text": text.replace("collection_rate: 0.133", "collection_rate: 2", 1),
            "runs": "40",
        },
    )
    assert bad.status_code == 422
    assert "variants[4].levers[0].urban_mining.collection_rate" in bad.text
    uploaded = sim_client.post(
        "/compare/run",
        data={"csrf_token": token, "text": ""},
        files={"upload": ("mine.yaml", text.encode(), "application/yaml")},
    )
    assert uploaded.status_code == 200 and 'value="low-grade-ore"' in uploaded.text
    ok = sim_client.post(
        "/compare/run",
        data={"csrf_token": token, "text": text, "only": ["recycling-40"], "runs": "40"},
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text
    job_id = ok.headers["location"].rsplit("/", 1)[-1]
    body = wait_for_result(sim_client, job_id, analyst_token(sim_client))
    assert body["status"] == "succeeded", body["error"]
    names = [v["name"] for v in body["result"]["variants"]]
    assert names == ["supplier-answers-2025", "supplier-answers-2025--recycling-40"]
    shown = sim_client.get(f"/compare/jobs/{job_id}")
    assert shown.status_code == 200
    assert 'id="table-antimony"' in shown.text and "recycling-40" in shown.text
