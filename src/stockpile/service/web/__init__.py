"""The dashboard: server-rendered pages (Jinja2 + HTMX + Plotly), all assets served locally."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from stockpile.service.errors import ServiceError
from stockpile.service.web.pages import PAGE_ROUTERS
from stockpile.service.web.session import (
    LoginRequiredError,
    on_login_required,
    on_page_validation,
    on_service_error,
)

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "install_web", "plotly_js_path"]

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATE_DIR = Path(__file__).parent / "templates"


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundled in the plotly Python package (served, never from a CDN)."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def install_web(app: FastAPI) -> None:
    """Mount the static assets and attach the page routers to ``app``."""
    js = plotly_js_path()

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            js, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequiredError, on_login_required)
    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_page_validation)
    for router in PAGE_ROUTERS:
        app.include_router(router)
