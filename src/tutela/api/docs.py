"""The API's documentation pages, served from the package: Swagger UI at /docs, ReDoc at /redoc.

Why not FastAPI's defaults: they load Swagger UI and ReDoc from a CDN, so `/docs` is blank on an
instance without internet access (hotlines and ministries often run closed networks) and every
visit tells a third party who reads the docs. The assets come from the `fastapi-offline` wheel.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
PREFIX = "/static/api-docs"


def add_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages (call with `docs_url=None, redoc_url=None` on the app)."""
    app.mount(PREFIX, StaticFiles(directory=str(ASSETS)), name="api-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js", swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            redoc_js_url=f"{PREFIX}/redoc.standalone.js", redoc_favicon_url=f"{PREFIX}/favicon.png",
            with_google_fonts=False,
        )
