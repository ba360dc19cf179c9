"""Reports: fiscal-year bounds, the operations report's content, PDF output, chart specs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi.testclient import TestClient

from stockpile.service.permissions import Role
from stockpile.service.reports import operations_pdf
from stockpile.service.web.charts import fan_figure
from stockpile.usecases import fiscal_year_bounds, operations_report


def test_fiscal_year_bounds() -> None:
    # U.S. fiscal year 2026: 1 October 2025 to 30 September 2026
    assert fiscal_year_bounds(2026) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_operations_report_counts_and_pdf(client: TestClient, app: Any, headers: Any) -> None:
    admin = headers[Role.ADMIN]
    assert (
        client.post(
            "/api/v1/depots", headers=admin, json={"code": "D1", "name": "Depot", "location": "X"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/funds", headers=admin, json={"code": "F1", "name": "Fund", "amount": "1000"}
        ).status_code
        == 201
    )
    today = dt.date.today()
    fy = today.year + 1 if today.month >= 10 else today.year
    with app.state.ctx.db.sessions() as session:
        report = operations_report(session, fiscal_year=fy)
        earlier = operations_report(session, fiscal_year=fy - 5)
    # 6 users registered in the ledger, a depot and a fund: 8 operations this fiscal year
    assert len(report.operations) == 8
    assert report.operation_counts() == {"appropriate": 1, "setup": 7}
    assert earlier.operations == ()
    pdf = operations_pdf(report)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


def test_fan_figure_bands() -> None:
    x = [1, 2, 3]
    fig = json.loads(
        fan_figure(
            x,
            {0.05: [1, 1, 1], 0.25: [2, 2, 2], 0.5: [3, 3, 3], 0.75: [4, 4, 4], 0.95: [5, 5, 5]},
            title="t",
            y_title="y",
        )
    )
    names = [t.get("name") for t in fig["data"]]
    assert names == [None, "5-95%", None, "25-75%", "median"]
    assert fig["data"][1]["y"] == [5, 5, 5] and fig["data"][1]["fill"] == "tonexty"
    only_median = json.loads(fan_figure(x, {0.5: [3, 2, 1]}, title="t", y_title="y"))
    assert [t["name"] for t in only_median["data"]] == ["median"]
