"""Who may read the reports: the operations report lists journal entries (read_journal)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpile.service.permissions import Role

from .test_web import web_login


@pytest.mark.parametrize("path", ["/reports/operations?fy=2026", "/reports/operations.pdf?fy=2026"])
def test_viewer_cannot_read_the_operations_report(
    client: TestClient, accounts: Any, path: str
) -> None:
    web_login(client, accounts[Role.VIEWER])
    r = client.get(path)
    assert r.status_code == 403, r.status_code
    assert client.get("/api/v1/journal").status_code == 403


@pytest.mark.parametrize("path", ["/reports/operations?fy=2026", "/reports/operations.pdf?fy=2026"])
def test_auditor_reads_the_operations_report(client: TestClient, accounts: Any, path: str) -> None:
    web_login(client, accounts[Role.AUDITOR])
    assert client.get(path).status_code == 200


def test_reports_page_offers_the_operations_report_only_with_journal_access(
    client: TestClient, accounts: Any
) -> None:
    web_login(client, accounts[Role.VIEWER])
    assert "/reports/operations" not in client.get("/reports").text
