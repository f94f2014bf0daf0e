"""The API's documentation page (/docs): Swagger UI served by this application, never from a CDN.

Swagger UI's script and stylesheet come from the PyPI package `fastapi-offline` (its `static`
folder) and are served under /docs/assets; the page starts it with a script file of its own
(/static/docs/swagger-init.js) instead of FastAPI's inline script, so the page runs under the UI's
strict Content-Security-Policy. ReDoc is not served.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from service.api.problems import Problem
from service.web import JAVASCRIPT, SECURITY_HEADERS

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
INIT_SCRIPT_URL = "/static/docs/swagger-init.js"
SWAGGER_DIR = Path(str(files("fastapi_offline") / "static"))
# The only files of the package the page needs, with their types.
ASSETS = {
    "swagger-ui-bundle.js": JAVASCRIPT,
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

router = APIRouter()


def page(title: str, root: str) -> str:
    r, t = html.escape(root, quote=True), html.escape(title)
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} – Tài liệu API</title>
<link rel="stylesheet" href="{r}{ASSETS_URL}/swagger-ui.css">
<link rel="icon" type="image/png" href="{r}{ASSETS_URL}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{r}/openapi.json"></div>
<script src="{r}{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{r}{INIT_SCRIPT_URL}"></script>
</body>
</html>
"""


@router.get(DOCS_URL, include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    root = str(request.scope.get("root_path", ""))
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return HTMLResponse(page(request.app.title, root), headers=headers)


@router.get(ASSETS_URL + "/{name}", include_in_schema=False)
async def docs_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise Problem(404, "Không tìm thấy tệp của trang tài liệu API.", code="not_found")
    # Versioned with the installed package: a day of caching is safe.
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
    return FileResponse(SWAGGER_DIR / name, media_type=media_type, headers=headers)


def mount_docs(app: FastAPI) -> None:
    """Serve /docs and its assets (the app is created with FastAPI's own docs and ReDoc off)."""
    app.include_router(router)
