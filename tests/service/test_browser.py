"""End-to-end tests in Debian's headless chromium driven by Playwright.

A live server (uvicorn on a free loopback port) serves an app with real books; the tests log
in, load every page, run a small scenario from its page, request and approve a release as two
users, recover a form after the session expired, and save screenshots to build/screenshots/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import update

from stockpile.service.accounts import create_user
from stockpile.service.app import create_app
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.models import TokenRow
from stockpile.service.permissions import Role
from stockpile.service.setup import prepare

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PASSWORD = "browser-test-password-7"
PAGES = {
    "overview": "/",
    "inventory": "/inventory",
    "materials": "/materials",
    "material-antimony": "/materials/antimony",
    "contracts-funds": "/contracts",
    "releases": "/releases",
    "scenarios": "/scenarios",
    "compare": "/compare",
    "brief": "/brief",
    "plans": "/plans",
    "journal": "/journal",
    "reports": "/reports",
    "report-operations": "/reports/operations",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stock(app: Any) -> None:
    """The demo stockpile (as `stockpile serve --init-demo` loads it) and one user per role."""
    ctx = app.state.ctx
    report = prepare(ctx.settings, demo=True, admin="admin")
    assert report.demo_loaded and report.admin_password
    for role in [Role.ANALYST, Role.RELEASE_AUTHORITY, Role.CONTRACTING_OFFICER, Role.AUDITOR]:
        name = role.value.replace("_", "-")
        with ctx.db.sessions() as s:
            create_user(s, hasher=ctx.hasher, username=name, password=PASSWORD, role=role)
            sync_ledger_user(s, username=name, role=role, actor="admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from stockpile.service.settings import ServiceSettings

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium missing: run scripts/browser.sh (make test does)")
    db = tmp_path_factory.mktemp("browser") / "service.sqlite3"
    settings = ServiceSettings(
        database_url=f"sqlite:///{db}",
        secret_key="b" * 48,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(settings)
    _stock(app)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _wait_succeeded(page: Any, *, timeout: int) -> None:
    """Wait until the job page shows the job as succeeded [ms]."""
    page.wait_for_function(
        "document.querySelector('#job-status') && "
        "document.querySelector('#job-status').textContent.trim() === 'succeeded'",
        timeout=timeout,
    )


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_login_and_every_page(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    _shot(page, "login")
    _login(page, base, "analyst")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for name, path in PAGES.items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (path, response)
        page.wait_for_load_state("networkidle")
        _shot(page, name)
    page.goto(f"{base}/materials/antimony")
    page.wait_for_selector("#prod .main-svg")  # Plotly drew the production chart
    page.wait_for_selector("#price .main-svg")
    page.goto(f"{base}/journal")
    page.click("#verify")
    page.wait_for_selector("#verify-status")
    assert "OK:" in page.inner_text("#verify-status")
    _shot(page, "journal-verified")
    assert errors == []
    page.close()


def test_run_small_scenario_from_page(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "analyst")
    page.goto(f"{base}/scenarios")
    page.select_option("#scenario", "china-export-ban-us-2024")
    page.fill("#runs", "60")
    page.fill("#seed", "5")
    page.click("#run")
    page.wait_for_url("**/scenarios/jobs/**")
    _wait_succeeded(page, timeout=60_000)
    page.wait_for_selector("#stock-1 .main-svg", timeout=20_000)
    page.wait_for_selector("#price-1 .main-svg")
    # germanium has no world production by country: its flat price is flagged, not shown as fact
    alerts = " ".join(page.locator(".alert").all_inner_texts())
    assert "germanium:" in alerts and "price held at the reference" in alerts
    _shot(page, "scenario-result")
    page.click("a[href^='/reports/scenario/']")
    page.wait_for_selector("#rs-1 .main-svg")
    _shot(page, "report-scenario")
    page.close()


def test_compare_variants_from_page(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    _login(page, base, "analyst")
    page.goto(f"{base}/compare")
    # a broken edit is refused field by field, and the text is kept
    text = page.input_value("#text")
    page.fill("#text", text.replace("trigger_ratio: 1.3", "trigger_ratio: -1"))
    page.click("#run")
    page.wait_for_selector("#problems")
    assert "variants[0].levers[0].supplier_reserve.trigger_ratio" in page.inner_text("#problems")
    page.fill("#text", text)
    for box in page.query_selector_all("input[name=only]"):
        if box.get_attribute("value") not in ("recycling-25", "substitution"):
            box.uncheck()
    page.fill("#runs", "80")
    page.click("#run")
    page.wait_for_url("**/compare/jobs/**")
    _wait_succeeded(page, timeout=60_000)
    page.wait_for_selector("#table-antimony")
    rows = page.inner_text("#table-antimony")
    assert "recycling-25" in rows and "substitution" in rows and "reserve-release" not in rows
    page.wait_for_selector("#short-1 .main-svg")
    page.wait_for_selector("#price-1 .main-svg")
    _shot(page, "compare-result")
    page.close()


def test_brief_from_page(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    _login(page, base, "analyst")
    page.goto(f"{base}/brief")
    page.fill("#runs", "100")
    page.click("#run")
    page.wait_for_url("**/brief/jobs/**")
    _wait_succeeded(page, timeout=120_000)
    page.wait_for_selector("#levers")
    assert "recycling-25" in page.inner_text("#levers")
    assert "move-downstream" in page.inner_text("#levers")
    assert page.query_selector_all("table.programme")
    _shot(page, "brief")
    pdf = page.request.get(base + page.get_attribute("#pdf", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.close()


def test_release_by_two_users(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    requester = browser.new_context().new_page()
    _login(requester, base, "analyst")
    requester.goto(f"{base}/releases")
    requester.fill("#rel-material", "antimony")
    requester.fill("#rel-quantity", "2000")
    requester.fill("#rel-unit", "lb")
    requester.fill("#rel-recipient", "Army munitions plant")
    requester.select_option("#rel-purpose", "national-defence")
    requester.select_option("#rel-basis", "presidential-order")
    requester.click("#rel-submit")
    requester.wait_for_selector(".okmsg")
    row = requester.locator("tr[id^=release-]").first
    rid = row.get_attribute("id")
    assert row.locator(".status").inner_text() == "requested"
    assert requester.locator(f"#{rid} .approve").count() == 0  # not the analyst's to approve
    _shot(requester, "release-requested")
    approver = browser.new_context().new_page()
    _login(approver, base, "release-authority")
    approver.goto(f"{base}/releases")
    approver.click(f"#{rid} .approve")
    approver.wait_for_selector(".okmsg")
    assert approver.locator(f"#{rid} .status").inner_text() == "approved"
    approver.click(f"#{rid} .execute")
    approver.wait_for_selector(".okmsg")
    assert approver.locator(f"#{rid} .status").inner_text() == "executed"
    _shot(approver, "release-approved-executed")


def test_expired_session_keeps_the_form(server: tuple[str, Any], browser: Any) -> None:
    base, app = server
    page = browser.new_context().new_page()
    _login(page, base, "analyst")
    page.goto(f"{base}/releases")
    page.fill("#rel-material", "antimony")
    page.fill("#rel-quantity", "1234")
    page.fill("#rel-unit", "lb")
    page.fill("#rel-recipient", "Navy yard")
    with app.state.ctx.db.sessions.begin() as s:
        s.execute(update(TokenRow).values(revoked=True))
    page.click("#rel-submit")
    page.wait_for_selector("input[name=password]")
    assert "session ended" in page.content()
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#rel-quantity")
    assert page.input_value("#rel-quantity") == "1234"
    assert page.input_value("#rel-recipient") == "Navy yard"
    _shot(page, "session-recovered-form")


def test_robust_plan_from_page(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "analyst")
    page.goto(f"{base}/plans")
    page.fill("input[name=budget]", "500000000")
    page.check("input[name=robust]")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/plans/jobs/**")
    _wait_succeeded(page, timeout=60_000)
    page.wait_for_selector("#robust .main-svg")
    assert "best response" in page.inner_text("main")
    _shot(page, "plan-robust")
    page.close()


_LABELS_OUTSIDE = """(id) => {
  const el = document.getElementById(id);
  const box = el.querySelector('.main-svg').getBoundingClientRect();
  const out = [];
  const sel = '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .legendtext, .gtitle';
  el.querySelectorAll(sel).forEach((t) => {
    const r = t.getBoundingClientRect();
    if (r.width === 0) return;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
        || r.bottom > box.bottom + 1) out.push(t.textContent);
  });
  return out;
}"""


def test_chart_labels_fit_and_quantity_axes_start_at_zero(
    server: tuple[str, Any], browser: Any
) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "analyst")
    for path, ids in {"/": ["value"], "/contracts": ["cchart", "capchart"]}.items():
        page.goto(base + path)
        for pid in ids:
            page.wait_for_selector(f"#{pid} .main-svg .xtick")
            assert page.evaluate(_LABELS_OUTSIDE, pid) == [], (path, pid)
            low = page.evaluate(
                "(id) => document.getElementById(id)._fullLayout.yaxis.range[0]", pid
            )
            assert low <= 0, (path, pid, low)
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#cchart .xtick text')].map((t) => t.textContent)"
    )
    assert "DLA-CO-SOLICITATION-2025 (cancelled)" in labels
    remaining = page.evaluate(
        "() => { const d = document.getElementById('cchart').data[1];"
        " return d.y[d.x.indexOf('DLA-CO-SOLICITATION-2025 (cancelled)')]; }"
    )
    assert remaining == 0
    _shot(page, "contracts-charts")
    page.close()


def test_api_docs_render_without_internet(server: tuple[str, Any], browser: Any) -> None:
    base, _ = server
    context = browser.new_context()
    external: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "strategic-stockpile" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 20
    assert external == []
    _shot(page, "api-docs")
    context.close()
