"""The interactive API documentation (Swagger UI) served with its assets from this server.

FastAPI's default page loads Swagger UI from a CDN, so it is blank without internet access.
The JavaScript and CSS bundles come from the ``fastapi-offline`` package, which ships them;
nothing is fetched from outside.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

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
    return Path(fastapi_offline.__file__).parent / "static"


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{base}/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/assets/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi_url}"></div>
<script src="{base}/assets/swagger-ui-bundle.js"></script>
<script src="{base}/assets/init.js"></script>
</body>
</html>
"""


_INIT_JS = """window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').dataset.openapi,
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def install_api_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Serve Swagger UI at :data:`DOCS_PATH`, its assets under ``/api/docs/assets/``.

    The page has no inline script (Swagger UI is started by ``assets/init.js``), so a
    Content-Security-Policy of ``script-src 'self'`` allows it.
    """
    page = _PAGE.format(
        title=html.escape(f"{app.title} - API"),
        base=DOCS_PATH,
        openapi_url=html.escape(openapi_url, quote=True),
    )

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(DOCS_PATH + "/assets/init.js", include_in_schema=False)
    def swagger_init() -> Response:
        return Response(_INIT_JS, media_type="text/javascript")

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
