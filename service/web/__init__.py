"""The Vietnamese web UI: one static single page (vanilla JS, no build step) over API v1.

Everything is served from this process: the page at "/" and, under "/static", its stylesheet and
its scripts, native ES modules in "/static/js" (entry point js/main.js). The page never runs inline
script, so a strict Content-Security-Policy applies.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Browsers refuse a module script served with any other type; the platform's MIME table (the
# Windows registry, /etc/mime.types) is not trusted to say so.
JAVASCRIPT = "text/javascript; charset=utf-8"
INDEX_HTML = STATIC_DIR / "index.html"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # blob: only: the dossier's images and PDFs, fetched with the token and shown in the page.
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src blob:",
        # Chromium's PDF viewer frames the <object>'s blob: document.
        "frame-src blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

router = APIRouter()


@router.get("/", include_in_schema=False)
async def index() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return FileResponse(INDEX_HTML, media_type="text/html; charset=utf-8", headers=headers)


class _SecureStaticFiles(StaticFiles):
    """Static files with the same security headers as the page."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.endswith((".js", ".mjs")) and response.status_code == 200:
            response.headers["Content-Type"] = JAVASCRIPT
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def mount_ui(app: FastAPI) -> None:
    """Serve the single page at "/" and its assets at "/static"."""
    app.mount("/static", _SecureStaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
