"""/docs works without Internet: Swagger UI's files come from this application, the page names no
other host and runs no inline script (the strict Content-Security-Policy applies), every file it
references answers 200, /openapi.json is served and ReDoc is off; in a real browser (Debian
chromium, when present) Swagger UI renders the operations with no error and no request elsewhere."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.app import create_app
from service.core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings.model_validate({"env": "test"}))  # /docs needs neither database nor Temporal
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as client:
        yield client


async def test_docs_page_names_no_other_host_and_its_files_are_served(api: httpx.AsyncClient) -> None:
    r = await api.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert not re.search(r"https?://", page), "the page names another host"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script: the CSP would block it"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    referenced = URL_ATTRIBUTE.findall(page)
    scripts = [u for u in referenced if u.endswith(".js")]
    assert len(scripts) == 2 and any(u.endswith(".css") for u in referenced)
    for url in referenced:
        assert url.startswith("/"), url
        asset = await api.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        assert len(asset.content) > 100, url
        if url.endswith(".js"):
            assert asset.headers["content-type"].startswith("text/javascript"), url
            assert not re.search(r"""["']https?://(?!validator\.swagger\.io)[^"']*\.(?:js|css)["']""", asset.text)
    init = (await api.get(next(u for u in scripts if "init" in u))).text
    assert "validatorUrl: null" in init  # no badge fetched from validator.swagger.io
    spec = await api.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"].startswith("thidua")
    assert (await api.get("/redoc")).status_code == 404
    assert (await api.get("/docs/assets/redoc.standalone.js")).status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (python -m tests.support.browser_setup)")
async def test_swagger_ui_runs_under_the_csp_in_a_real_browser() -> None:
    from playwright.async_api import async_playwright

    app = create_app(Settings.model_validate({"env": "test"}))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(100):
            if server.started:
                break
            await asyncio.sleep(0.05)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                page = await browser.new_page()
                problems: list[str] = []
                hosts: set[str] = set()
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("request", lambda req: hosts.add(req.url.split("/")[2]) if "://" in req.url else None)
                await page.goto(f"http://127.0.0.1:{port}/docs")
                await page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
                assert "thidua" in await page.inner_text(".swagger-ui .info .title")
                assert await page.locator(".swagger-ui .opblock").count() > 30
                assert not problems, problems  # a CSP violation is reported on the console
                assert hosts == {f"127.0.0.1:{port}"}, hosts
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await serving
