"""The interactive API documentation (Swagger UI) served with its assets from this server.

FastAPI's default page loads Swagger UI from a CDN, so it is blank without internet access.
The JavaScript and CSS bundles come from the ``fastapi-offline`` package, which ships them;
nothing is fetched from outside.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

__all__ = ["DOCS_ASSETS", "DOCS_PATH", "install_api_docs", "swagger_assets_dir"]

DOCS_PATH = "/api/docs"
#: Asset name -> media type of the files served under ``/api/docs/assets/``.
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


@cache
def swagger_assets_dir() -> Path:
    """The folder holding ``swagger-ui-bundle.js`` and ``swagger-ui.css`` (fastapi-offline)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_api_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Serve Swagger UI at :data:`DOCS_PATH`, its assets under ``/api/docs/assets/``."""

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{DOCS_PATH}/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_PATH}/assets/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_PATH}/assets/favicon.png",
        )

    @app.get(DOCS_PATH + "/assets/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> FileResponse:
        media_type = DOCS_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(status_code=404, detail=f"no asset {name!r}")
        return FileResponse(
            swagger_assets_dir() / name,
            media_type=media_type,
            headers={"Cache-Control": "max-age=86400"},
        )
