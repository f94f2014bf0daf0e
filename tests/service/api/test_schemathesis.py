"""A bounded schemathesis run over the application's OpenAPI document: no 5xx, no answer that breaks its schema.

Cases are generated from the document the running app publishes, a few per operation, and sent as
a signed-in clerk and as the administrator through the same ASGI transport as the other API tests
(real PostgreSQL, a real worker). Checks: `not_a_server_error` and `response_schema_conformance`
(undocumented 4xx such as 404 or 409 are fine: every one is problem+json, tested elsewhere).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import NonInteractiveExampleWarning
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from tests.support.security import login, running_api

EXAMPLES_PER_OPERATION = 10
BASE_URL = "http://thidua.test"


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    # Generous sign-in limits: the fuzzer posts to the sign-in endpoint too.
    async with running_api(
        env,
        engine,
        database_url,
        attachment_dir=str(tmp_path),
        login_limit_account="1000/minute",
        login_limit_address="1000/minute",
    ) as client:
        yield client


def _cases(operation: Any) -> list[Any]:
    collected: list[Any] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def collect(case: Any) -> None:
        collected.append(case)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        collect()
    return collected


def _file_parts(files: Any) -> list[tuple[str, Any]]:
    """Generated multipart parts as httpx sends them (a generated number or null becomes its text)."""

    def as_content(value: Any) -> Any:
        return value if isinstance(value, bytes | str) else str(value).encode()

    parts = []
    for name, value in files.items() if isinstance(files, dict) else files:
        if isinstance(value, tuple):
            value = (value[0], as_content(value[1]), *value[2:])
        else:
            value = as_content(value)
        parts.append((name, value))
    return parts


async def test_generated_requests_find_no_server_error_and_no_schema_violation(api: httpx.AsyncClient) -> None:
    started = time.monotonic()
    document = (await api.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    identities = {"clerk": await login(api, "clerk.school"), "admin": await login(api, "admin")}
    problems: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for i, case in enumerate(_cases(operation)):
            auth = identities["admin" if i % 2 else "clerk"]
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=auth)
            request: dict[str, Any] = {
                k: v
                for k, v in kwargs.items()
                if k in ("method", "url", "headers", "params", "json", "content", "data", "files")
            }
            if isinstance(request.get("data"), bytes | str):
                request["content"] = request.pop("data")
            if request.get("files"):
                request["files"] = _file_parts(request["files"])
            built = api.build_request(**request)
            await built.aread()  # so that the checks can read back what was sent
            response = await api.send(built)
            sent += 1
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except Exception as exc:  # schemathesis raises a group of failed checks
                problems.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(exc)[:400]}")
    elapsed = time.monotonic() - started
    assert not problems, f"{len(problems)} of {sent} generated requests failed:\n" + "\n".join(problems[:20])
    assert sent >= 2 * len(document["paths"]) and elapsed < 60, (sent, elapsed)
