"""Dashboard pages: login with CSRF, redirects, expired sessions keep the form, pages render."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from stockpile.service.models import TokenRow
from stockpile.service.permissions import Role


def _login_csrf(html: str) -> str:
    m = re.search(r'name="login_csrf" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def web_login(client: TestClient, account: Any, next_path: str = "/", preserved: str = "{}") -> Any:
    page = client.get("/login", params={"next": next_path})
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "username": account.username,
            "password": account.password,
            "next": next_path,
            "preserved": preserved,
            "login_csrf": _login_csrf(page.text),
        },
        follow_redirects=False,
    )


def test_pages_redirect_to_login(client: TestClient) -> None:
    r = client.get("/materials", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fmaterials"


def test_login_sets_session_and_page_renders(client: TestClient, accounts: Any) -> None:
    r = web_login(client, accounts[Role.VIEWER], "/materials")
    assert r.status_code == 303 and r.headers["location"] == "/materials"
    assert "httponly" in r.headers["set-cookie"].lower()
    page = client.get("/materials")
    assert page.status_code == 200
    assert "Antimony" in page.text and "/static/vendor/htmx.min.js" in page.text


def test_login_without_csrf_cookie_refused(client: TestClient, accounts: Any) -> None:
    r = client.post("/login", data={"username": "viewer", "password": "x", "login_csrf": "forged"})
    assert r.status_code == 403


def test_wrong_password_page_and_open_redirect_blocked(client: TestClient, accounts: Any) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": "viewer",
            "password": "wrong-password",
            "login_csrf": _login_csrf(page.text),
        },
    )
    assert r.status_code == 401 and "wrong user name or password" in r.text
    r = web_login(client, accounts[Role.VIEWER], "https://evil.example/")
    assert r.headers["location"] == "/"


def test_material_page_has_charts(client: TestClient, accounts: Any) -> None:
    web_login(client, accounts[Role.ANALYST])
    page = client.get("/materials/Sb")
    assert page.status_code == 200
    assert 'data-plot="prod"' in page.text and 'data-plot="price"' in page.text
    assert "CN-2024-SB" in page.text
    assert client.get("/materials/unobtainium").status_code == 404
    ree = client.get("/materials/rare%20earths")
    assert ree.status_code == 200 and 'data-plot="stages"' in ree.text
    assert "Supply chain by stage" in ree.text and "magnet" in ree.text and "unknown" in ree.text


def test_static_assets_are_local(client: TestClient) -> None:
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/vendor/htmx.LICENSE.txt").status_code == 200


def test_logout_needs_csrf(client: TestClient, accounts: Any) -> None:
    web_login(client, accounts[Role.VIEWER])
    assert client.post("/logout", follow_redirects=False).status_code == 403
    page = client.get("/materials")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = client.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/materials", follow_redirects=False).status_code == 303


def test_expired_session_keeps_form_fields(client: TestClient, app: Any, accounts: Any) -> None:
    web_login(client, accounts[Role.ANALYST])
    with app.state.ctx.db.sessions.begin() as s:
        s.execute(update(TokenRow).values(revoked=True))
    r = client.post(
        "/scenarios/run",
        data={"scenario": "x", "runs": "250", "seed": "7", "csrf_token": "stale"},
        headers={"Referer": "http://testserver/scenarios"},
    )
    assert r.status_code == 401
    assert "Sign in" in r.text and "&#34;runs&#34;: &#34;250&#34;" in r.text
    preserved = re.search(r'name="preserved" value="([^"]+)"', r.text)
    assert preserved
    import html

    assert 'name="next" value="/scenarios"' in r.text
    back = web_login(
        client, accounts[Role.ANALYST], "/scenarios", html.unescape(preserved.group(1))
    )
    assert back.status_code == 303
    assert back.headers["location"].startswith("/scenarios?")
    assert "runs=250" in back.headers["location"] and "seed=7" in back.headers["location"]


def test_api_with_session_cookie_needs_csrf(client: TestClient, accounts: Any) -> None:
    web_login(client, accounts[Role.ANALYST])
    body = {"kind": "count", "params": {"n": 2}}
    assert client.get("/api/v1/auth/me").json()["method"] == "session"
    assert client.post("/api/v1/jobs", json=body).status_code == 403
    page = client.get("/scenarios")
    token = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page.text)
    assert token
    r = client.post("/api/v1/jobs", json=body, headers={"X-CSRF-Token": token.group(1)})
    assert r.status_code == 202
